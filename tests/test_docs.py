"""README.md and docs/ cannot drift from the code: every command shown runs, every file
shown is the repository's own or is written for the next step, every link leads
somewhere, and the picture of page 1 is today's. (Every command and option documented in
docs/cli.md: tests/test_cli.py. The readability table: tests/test_check.py.)

The conventions a page follows are in docs/testing.md ("How to write a command or a
file in the docs").
"""

from __future__ import annotations

import glob
import importlib.util
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from leaflet.cli import main

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
COPIED = ("content", "templates", "examples")  # what a reader has beside the commands
DIRECTIVE = re.compile(r"^<!--\s*(exit|file|append|copy):\s*(.*?)\s*-->$")
FENCE = re.compile(r"^(\s*)(```+)\s*(\S*)\s*$")
COMMAND = re.compile(r"^(leaflet|python -m leaflet)( |$)")


@dataclass
class Block:
    """A fenced block, or a `copy` directive (which stands alone, with no text)."""

    page: Path
    line: int  # of the opening fence, counted from 1
    info: str  # the language after the fence: sh, yaml, text ...
    text: str
    directive: tuple[str, str] | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def read_blocks(page: Path) -> list[Block]:
    """The page's fenced blocks and copy directives, in order; a directive on the line
    right before a fence belongs to that block."""
    blocks: list[Block] = []
    lines = page.read_text("utf-8").splitlines()
    pending = None
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        directive = DIRECTIVE.match(stripped)
        fence = FENCE.match(lines[index])
        if directive and directive.group(1) == "copy":
            blocks.append(Block(page, index + 1, "copy", "", ("copy", directive.group(2))))
        elif directive:
            pending = (directive.group(1), directive.group(2))
            index += 1
            if not FENCE.match(lines[index] if index < len(lines) else ""):
                raise ValueError(f"{page.relative_to(ROOT)}:{index}: a directive goes on "
                                 "the line right before its block")
            continue
        elif fence:
            indent, ticks, info = fence.groups()
            end = next(i for i in range(index + 1, len(lines))
                       if lines[i].strip() == ticks)
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                    for line in lines[index + 1:end]]
            blocks.append(Block(page, index + 1, info, "".join(f"{b}\n" for b in body),
                                pending))
            index = end
        pending = None
        index += 1
    return blocks


def reader_copy(tmp_path: Path) -> Path:
    """A fresh folder holding what a reader of the docs has: content, templates, examples."""
    folder = tmp_path / "reader"
    folder.mkdir()
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, folder / name)
    return folder


def run_command(line: str, cwd: Path, capsys) -> tuple[int, str]:
    """One documented command, in-process, as a shell in ``cwd`` would run it: its exit
    code and what it printed."""
    words = shlex.split(line, comments=True)
    words = words[3:] if words[:3] == ["python", "-m", "leaflet"] else words[1:]
    args = []
    for word in words:  # the shell expands content/*.yaml before leaflet sees it
        matches = sorted(glob.glob(word, root_dir=cwd)) if "*" in word else []
        args.extend(matches or [word])
    try:
        code = main(args)
    except SystemExit as exc:  # --version, --help and argparse's own refusals
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    out, err = capsys.readouterr()
    return code, out + err


def commands(block: Block) -> list[str]:
    return [line.strip() for line in block.text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def follow(page: Path, tmp_path: Path, monkeypatch, capsys) -> list[str]:
    """Do what the page shows, top to bottom, in one reader's folder; what went wrong."""
    folder = reader_copy(tmp_path)
    monkeypatch.chdir(folder)
    failures = []
    for block in read_blocks(page):
        kind, argument = block.directive or ("", "")
        if kind == "copy":
            source, target = argument.split()
            (folder / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / source, folder / target)
        elif kind == "file" and (ROOT / argument).is_file():
            text = (ROOT / argument).read_text("utf-8")
            if ("\n" + block.text) not in ("\n" + text):
                failures.append(f"{block.where}: not (whole lines of) {argument} as it stands")
        elif kind == "file":
            (folder / argument).parent.mkdir(parents=True, exist_ok=True)
            (folder / argument).write_text(block.text, "utf-8")
        elif kind == "append":
            with (folder / argument).open("a", encoding="utf-8") as file:
                file.write(block.text)
        if block.info != "sh":
            continue
        expected = int(argument) if kind == "exit" else 0
        for line in commands(block):
            code, output = run_command(line, folder, capsys)
            if code != expected:
                failures.append(f"{block.where}: `{line}` exited {code}, not {expected}:\n"
                                f"{output.strip()[-2000:]}")
    return failures


# every command shown runs


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_command_shown_runs(page, tmp_path, monkeypatch, capsys):
    failures = follow(page, tmp_path, monkeypatch, capsys)
    assert failures == [], "\n".join(failures)


def test_sh_blocks_hold_only_leaflet_commands():
    """Anything else in an sh block would be skipped silently: put it in a text block."""
    wrong = [f"{block.where}: {line}" for page in PAGES for block in read_blocks(page)
             if block.info == "sh" for line in commands(block) if not COMMAND.match(line)]
    assert wrong == []


def test_every_block_says_what_it_is():
    """A block without a language could hide a command from the runner. The one exception
    is README's install block, kept byte for byte as CI runs it on a fresh machine."""
    install = read_blocks(ROOT / "README.md")[0]
    assert install.info == "" and install.line == 3
    assert "python -m pip install -e . && python -m leaflet build" in install.text
    bare = [block.where for page in PAGES for block in read_blocks(page)
            if not block.info and block.where != install.where]
    assert bare == []


def test_directives_name_known_things():
    """`exit` comes before an sh block, `append` and `file` before a file's text."""
    wrong = []
    for page in PAGES:
        for block in read_blocks(page):
            kind, argument = block.directive or ("", "")
            if kind == "exit" and (block.info != "sh" or not argument.isdigit()):
                wrong.append(f"{block.where}: exit before a {block.info or 'bare'} block")
            if kind in ("file", "append") and block.info in ("sh", "text"):
                wrong.append(f"{block.where}: {kind} before a {block.info} block")
            if kind == "copy" and not (ROOT / argument.split()[0]).is_file():
                wrong.append(f"{block.where}: no such file to copy: {argument}")
    assert wrong == []


# every link leads somewhere


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its words
    text = re.sub(r"[`*_]", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    in_block = False
    for line in page.read_text("utf-8").splitlines():
        if FENCE.match(line):
            in_block = not in_block
        elif not in_block and (heading := re.match(r"^#{1,6} (.+)$", line)):
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


def prose(page: Path) -> str:
    """The page without its fenced blocks and code spans."""
    kept, in_block = [], False
    for line in page.read_text("utf-8").splitlines():
        if FENCE.match(line):
            in_block = not in_block
        elif not in_block:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def links(page: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", prose(page))


def test_every_relative_link_leads_to_a_file_and_heading():
    broken = []
    for page in PAGES:
        for target in links(page):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not file.exists():
                broken.append(f"{where}: no such file")
            elif anchor and (file.suffix != ".md" or anchor not in anchors(file)):
                broken.append(f"{where}: no such heading")
    assert broken == []


def test_slugs_are_githubs():
    assert slug("One patient: `--patient`") == "one-patient---patient"
    assert slug("3. Add a section of your own") == "3-add-a-section-of-your-own"
    assert slug("Readability: what the numbers mean, and what they do not") == (
        "readability-what-the-numbers-mean-and-what-they-do-not")


# the picture of page 1


def load_page_one_script():
    spec = importlib.util.spec_from_file_location("make_page_one",
                                                  ROOT / "docs" / "make_page_one.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_shows_page_one_as_it_is_built_today():
    """Drawn afresh as docs/make_page_one.py draws it; a changed word on page 1 moves the
    mean difference to about 0.3 grey levels, identical renders give 0."""
    from PIL import Image, ImageChops, ImageStat

    script = load_page_one_script()
    assert "](docs/images/page-1.png)" in (ROOT / "README.md").read_text("utf-8")
    fresh = script.render_page_one()
    with Image.open(script.PICTURE) as committed:
        committed = committed.convert("RGB")
    stale = "page 1 has changed: run python docs/make_page_one.py and commit the picture"
    assert fresh.size == committed.size, stale
    difference = ImageStat.Stat(ImageChops.difference(fresh, committed)).mean
    assert sum(difference) / len(difference) < 0.1, stale
