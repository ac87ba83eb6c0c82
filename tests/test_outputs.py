"""Where the PDF goes: never over an input, a device or a pipe; never a temporary file left
behind, however the run ends; the page count said is the file's."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BACLOFEN, ROOT
from pdfread import page_texts, reader

from leaflet.cli import main
from leaflet.output import remove_abandoned, temporary_beside
from leaflet.resources import data_dir

PATIENT = """\
name: Jane Example
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy
start_date: 2026-03-12
times: [8:00, 14:00, 20:00]
steps:
  - {dose: 10 mg, times_a_day: 3}
"""
READS = "which this run reads; choose another path"
TEMPORARY = re.compile(r"\..*\.leaflet-[A-Za-z0-9]+-\d+-[a-z0-9_]+\.tmp")
# A build whose writes hang once the temporary file exists, to be stopped from outside;
# run as `leaflet` runs it (a build forks first: limits.supervise), or called in-process.
SLOW_WRITE = """\
import os, sys, time
def slow_fsync(fd):
    print("writing", flush=True)
    time.sleep(60)
os.fsync = slow_fsync
from leaflet.cli import main
if sys.argv.pop(1) == "as-process":
    sys.exit(main())
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: (exit code, stdout lines, stderr lines without warnings)."""

    def run(*args: str) -> tuple[int, list[str], list[str]]:
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return (code, captured.out.strip().splitlines(),
                [line for line in captured.err.strip().splitlines()
                 if not line.startswith("warning: ")])

    return run


def snapshot(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry of ``folder``: its bytes (None for what is not a regular file) and mtime."""
    return {entry.name: (Path(entry.path).read_bytes() if entry.is_file() else None,
                         entry.stat().st_mtime_ns)
            for entry in os.scandir(folder)}


def write_list(path: Path, content: Path, output: str = "") -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        rows = csv.writer(stream)
        rows.writerow(["content", "name", "prescriber", "pharmacy", "start_date", "times",
                       "schedule", "output"])
        rows.writerow([content, "Patient One", "Dr A", "Pharmacy", "2026-03-01",
                       "8:00 14:00 20:00", "5 mg 3 times a day", output])
    return path


def temporaries(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if TEMPORARY.fullmatch(name))


def test_a_build_reports_the_pages_in_its_file(tmp_path, cli):
    output = tmp_path / "leaflet.pdf"
    code, out, _ = cli("build", str(BACLOFEN), "-o", str(output))
    pages = len(reader(output.read_bytes()).pages)
    assert code == 0 and out == [f"wrote {output} ({pages} pages)"]


def test_a_booklet_reports_its_sheet_sides_then_its_a5_pages(tmp_path, cli):
    output = tmp_path / "booklet.pdf"
    code, out, _ = cli("build", str(BACLOFEN), "--layout", "booklet", "-o", str(output))
    sides = len(reader(output.read_bytes()).pages)
    a5_pages = int(re.search(r"Page\s+\d+\s+of\s+(\d+)", page_texts(output.read_bytes())[0])[1])
    assert sides < a5_pages and sides % 2 == 0
    assert code == 0 and out == [f"wrote {output} ({sides} pages: a booklet of {a5_pages} A5 "
                                 f"pages, {sides // 2} sheets printed on both sides)"]


def refused(cli, folder: Path, *args: str) -> list[str]:
    """Run a command that must be refused before any work: exit code 2, nothing in
    ``folder`` written, touched or removed. Its error lines."""
    before = snapshot(folder)
    code, out, err = cli(*args)
    assert (code, out) == (2, [])
    assert snapshot(folder) == before
    return err


@pytest.fixture
def content(tmp_path) -> Path:
    path = tmp_path / "baclofen.yaml"
    shutil.copy(BACLOFEN, path)
    return path


def test_the_content_file_is_never_the_output(tmp_path, cli, content):
    assert refused(cli, tmp_path, "build", str(content), "-o", str(content)) == [
        f"error: {content}: output path is the content file ({content}), {READS}"]


@pytest.mark.parametrize("link", [os.link, os.symlink])
def test_a_link_to_an_input_is_the_input(tmp_path, cli, content, link):
    link(content, tmp_path / "leaflet.pdf")
    output = tmp_path / "leaflet.pdf"
    assert refused(cli, tmp_path, "build", str(content), "-o", str(output)) == [
        f"error: {output}: output path is the content file ({content}), {READS}"]


def test_the_patient_file_is_never_the_output(tmp_path, cli, content):
    patient = tmp_path / "patient.yaml"
    patient.write_text(PATIENT, "utf-8")
    assert refused(cli, tmp_path, "build", str(content), "--patient", str(patient),
                   "-o", str(patient)) == [
        f"error: {patient}: output path is the patient file ({patient}), {READS}"]


def test_no_file_of_the_template_set_is_the_output(tmp_path, cli, content, capsys):
    assert main(["templates", "init", str(tmp_path / "mine")]) == 0
    capsys.readouterr()
    theme = tmp_path / "mine" / "theme.yaml"
    assert refused(cli, tmp_path / "mine", "build", str(content), "--template",
                   str(tmp_path / "mine"), "-o", str(theme)) == [
        f"error: {theme}: output path is a file of template set 'mine' ({theme}), {READS}"]


def test_no_bundled_font_is_the_output(tmp_path, cli, content):
    font = next(data_dir("fonts").rglob("*.ttf"))
    (tmp_path / "font.pdf").symlink_to(font)
    before = font.read_bytes()
    assert refused(cli, tmp_path, "build", str(content), "-o", str(tmp_path / "font.pdf")) == [
        f"error: {tmp_path / 'font.pdf'}: output path is a bundled font ({font}), {READS}"]
    assert font.read_bytes() == before


def test_a_device_is_never_replaced(tmp_path, cli, content):
    assert refused(cli, tmp_path, "build", str(content), "-o", os.devnull) == [
        f"error: {os.devnull}: output path is a device, not a regular file; give a file name "
        "such as leaflet.pdf"]
    assert Path(os.devnull).is_char_device()


def test_a_named_pipe_is_never_replaced(tmp_path, cli, content):
    os.mkfifo(tmp_path / "leaflet.pdf")
    output = tmp_path / "leaflet.pdf"
    assert refused(cli, tmp_path, "build", str(content), "-o", str(output)) == [
        f"error: {output}: output path is a named pipe, not a regular file; give a file name "
        "such as leaflet.pdf"]
    assert output.is_fifo()


def test_the_batch_list_is_never_the_print_file(tmp_path, cli):
    listing = write_list(tmp_path / "rx.csv", BACLOFEN)
    assert refused(cli, tmp_path, "batch", str(listing), "--out-dir", str(tmp_path / "out"),
                   "--combined", str(listing)) == [
        f"error: {listing}: output path is the batch list ({listing}), {READS}"]
    assert not (tmp_path / "out").exists()


def test_a_row_s_file_is_never_a_content_file_of_the_list(tmp_path, cli):
    (tmp_path / "out").mkdir()
    content = tmp_path / "out" / "baclofen.pdf"  # content under a name a row may be given
    shutil.copy(BACLOFEN, content)
    listing = write_list(tmp_path / "rx.csv", content, output="baclofen.pdf")
    assert refused(cli, tmp_path / "out", "batch", str(listing), "--out-dir",
                   str(tmp_path / "out")) == [
        f"error: {content}: output path is a content file of the list ({content}), {READS}"]


def test_a_device_is_never_the_print_file(tmp_path, cli):
    listing = write_list(tmp_path / "rx.csv", BACLOFEN)
    assert refused(cli, tmp_path, "batch", str(listing), "--combined", os.devnull) == [
        f"error: {os.devnull}: output path is a device, not a regular file; give a file name "
        "such as leaflet.pdf"]


def test_ctrl_c_while_writing_leaves_the_old_file_and_no_temporary(tmp_path, cli, monkeypatch):
    output = tmp_path / "leaflet.pdf"
    output.write_bytes(b"%PDF an earlier leaflet")

    def interrupt(fd: int) -> None:
        assert temporaries(tmp_path), "the temporary file should exist by now"
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    code, out, err = cli("build", str(BACLOFEN), "-o", str(output))
    assert (code, out, err) == (130, [], ["interrupted; nothing written"])
    assert sorted(os.listdir(tmp_path)) == ["leaflet.pdf"]
    assert output.read_bytes() == b"%PDF an earlier leaflet"


def test_ctrl_c_while_writing_the_print_file_leaves_no_temporary(tmp_path, cli, monkeypatch):
    from leaflet.pdf.writer import PdfOut

    listing = write_list(tmp_path / "rx.csv", BACLOFEN)
    calls = []

    def interrupt(self, catalog, info) -> None:
        calls.append(temporaries(tmp_path))
        raise KeyboardInterrupt

    monkeypatch.setattr(PdfOut, "close", interrupt)
    code, out, err = cli("batch", str(listing), "--combined", str(tmp_path / "day.pdf"),
                         "--jobs", "1")
    assert calls and calls[0], "the print file's temporary file should exist by now"
    assert (code, out) == (130, ["built 1 of 1 row"])
    assert err == ["interrupted by SIGINT: row 1 was written, whole; 0 rows were not built; "
                   "no combined file was written"]
    assert sorted(os.listdir(tmp_path)) == ["rx.csv"]


def start_slow_build(folder: Path, output: Path,
                     as_process: bool = False) -> subprocess.Popen[str]:
    """A build in its own process (and process group), stopped inside its write, the
    temporary file made."""
    how = "as-process" if as_process else "in-process"
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, how, "build", str(BACLOFEN),
                                "-o", str(output)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    assert len(temporaries(folder)) == 1
    return process


@pytest.mark.parametrize(("stop", "code", "message"), [
    (signal.SIGTERM, 143, "terminated; nothing written"),
    (signal.SIGINT, 130, "interrupted; nothing written"),
])
@pytest.mark.parametrize("to_group", [False, True], ids=["to-the-process", "to-its-group"])
@pytest.mark.parametrize("as_process", [False, True], ids=["called", "as-leaflet-runs"])
def test_a_signal_while_writing_leaves_no_temporary_file(tmp_path, stop, code, message,
                                                         to_group, as_process):
    """As `leaflet` runs a build, a signal sent to its process reaches the supervisor,
    which passes it on; one sent to the process group (as `timeout` and a shell's
    `kill %1` do) reaches the child twice, and it acts on the first."""
    output = tmp_path / "leaflet.pdf"
    output.write_bytes(b"%PDF an earlier leaflet")
    process = start_slow_build(tmp_path, output, as_process)
    if to_group:
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code
    assert [line for line in err.splitlines() if not line.startswith("warning: ")] == [message]
    assert sorted(os.listdir(tmp_path)) == ["leaflet.pdf"]
    assert output.read_bytes() == b"%PDF an earlier leaflet"


def test_the_next_run_removes_what_a_killed_run_left(tmp_path, cli):
    output = tmp_path / "leaflet.pdf"
    process = start_slow_build(tmp_path, output)
    [abandoned] = temporaries(tmp_path)
    process.kill()
    process.communicate(timeout=60)
    host = re.fullmatch(r".*\.leaflet-([A-Za-z0-9]+)-.*", abandoned)[1]
    kept = [f".day.pdf.leaflet-{host}-{os.getpid()}-abcdefgh.tmp",  # this process runs
            ".day.pdf.leaflet-otherhost-1-abcdefgh.tmp",  # another machine's, on a share
            ".day.pdf.x1y2z3w4.tmp", "notes.tmp"]  # not named as ours
    for name in kept:
        (tmp_path / name).write_bytes(b"partial")
    code, _, _ = cli("build", str(BACLOFEN), "-o", str(output))
    assert code == 0
    assert sorted(os.listdir(tmp_path)) == sorted([*kept, "leaflet.pdf"])


def test_a_killed_batch_s_print_file_is_removed_by_the_next_batch(tmp_path, cli):
    listing = write_list(tmp_path / "rx.csv", BACLOFEN)
    combined = tmp_path / "day.pdf"
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, "in-process", "batch",
                                str(listing), "--combined", str(combined), "--jobs", "1"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    [abandoned] = temporaries(tmp_path)
    assert (tmp_path / abandoned).stat().st_size > 10_000
    process.kill()
    process.communicate(timeout=60)
    code, out, _ = cli("batch", str(listing), "--combined", str(combined), "--jobs", "1")
    assert code == 0 and out[-1].startswith(f"wrote {combined} (")
    assert sorted(os.listdir(tmp_path)) == ["day.pdf", "rx.csv"]


def test_only_files_of_processes_that_are_gone_are_removed(tmp_path):
    handle, name = temporary_beside(tmp_path / "a.pdf")  # this process's own: it runs
    os.close(handle)
    alive = Path(name)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = alive.with_name(re.sub(r"-\d+(-[a-z0-9_]+\.tmp)\Z", rf"-{int(gone.stdout)}\1",
                                  alive.name))
    assert dead.name != alive.name
    folder = dead.with_name(dead.name.replace(".tmp", "x.tmp"))
    dead.write_bytes(b"partial")
    folder.mkdir()
    assert remove_abandoned(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, folder.name])


def test_a_file_of_a_process_that_ended_but_is_not_reaped_is_removed(tmp_path):
    """A worker killed with its fork server lingers as a zombie until something reaps it;
    it writes nothing more, so what it left is abandoned."""
    handle, name = temporary_beside(tmp_path / "a.pdf")
    os.close(handle)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{ended.pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    mine = Path(name)
    left = mine.with_name(re.sub(r"-\d+(-[a-z0-9_]+\.tmp)\Z", rf"-{ended.pid}\1", mine.name))
    left.write_bytes(b"partial")
    try:
        assert remove_abandoned(tmp_path) == [left]
    finally:
        ended.wait()
    assert [p.name for p in tmp_path.iterdir()] == [mine.name]
