"""Command line: parse arguments, call the library, turn errors into lines and exit codes.

Exit codes: 0 built (or checked without errors); 1 the inputs are wrong (content,
template, theme, fonts) or the checks found errors; 2 the command line is wrong (unknown
option, bad output path) or standard output cannot be written; 3 an internal error (a
bug: please report it, with --debug output); 130 interrupted (Ctrl-C) and 143 terminated
(SIGTERM), with nothing half-written and no temporary file left.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import signal
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from leaflet import __version__, regex_cache
from leaflet.errors import LeafletError, OutputError, Problem
from leaflet.limits import (
    DEFAULT_MEMORY_MB,
    DEFAULT_SECONDS,
    MAX_MEMORY_MB,
    MAX_SECONDS,
    MIN_MEMORY_MB,
    Limits,
    Terminated,
    sigterm_as_exception,
    supervise,
)

if TYPE_CHECKING:  # each command imports what it runs: a build never imports the batch's
    from leaflet.batch.jobs import BatchReport, Shard

INTERNAL_ERROR = 3
R = TypeVar("R")


def _parser() -> argparse.ArgumentParser:
    from leaflet.render.theme import PAPER_SIZES

    papers = sorted(PAPER_SIZES)
    parser = argparse.ArgumentParser(
        prog="leaflet",
        description="Turn a medicine's content (YAML) into a printable patient leaflet PDF.")
    parser.add_argument("--version", action="version", version=f"leaflet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_cmd = commands.add_parser(
        "build", help="build a leaflet PDF from a content file",
        description="Build a leaflet PDF from a content file. The file is written only if "
                    "the whole build succeeds; an existing file is never left half-written.")
    build_cmd.add_argument("content", type=Path, help="content file, e.g. content/baclofen.yaml")
    build_cmd.add_argument("-o", "--output", type=Path,
                           help="PDF to write, or with --format html the HTML page (default: "
                                "CONTENT's name with .pdf or .html, in the current directory)")
    build_cmd.add_argument("--format", choices=("pdf", "html"), default="pdf",
                           help="pdf: the printable leaflet (default); html: only its "
                                "accessible web page, one self-contained .html file")
    build_cmd.add_argument("--html", type=Path, metavar="FILE",
                           help="also write the accessible web page (.html) beside the PDF")
    build_cmd.add_argument("--template", default="default",
                           help="template set: a built-in name or a folder (default: default)")
    build_cmd.add_argument("--paper", choices=papers,
                           help="paper size (default: the template's, A4)")
    build_cmd.add_argument("--strict", action="store_true",
                           help="check warnings stop the build too")
    build_cmd.add_argument("--debug", action="store_true", help="show tracebacks")
    _add_print_options(build_cmd)
    _add_patient_option(build_cmd)
    _add_new_command(commands)
    _add_limit_options(build_cmd)
    _add_import_command(commands)
    _add_inspect_command(commands)
    _add_check_command(commands)
    _add_templates_command(commands)
    _add_batch_command(commands, papers)

    schema_cmd = commands.add_parser(
        "schema", help="print the content format as JSON Schema",
        description="Print the content format as JSON Schema, for editors to validate and "
                    "complete content files.")
    schema_cmd.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def _add_new_command(commands: argparse._SubParsersAction) -> None:
    new_cmd = commands.add_parser(
        "new", help="write a blank content file to fill in for a new medicine",
        description="Write a blank content file for a new medicine: every key of the content "
                    "format, each with a comment on what it holds and the words a list is "
                    "printed after, and a [placeholder] to fill in. Never overwrites a file.")
    new_cmd.add_argument("name", metavar="NAME",
                         help="the medicine's name, e.g. Metformin (in quotes if it has spaces)")
    new_cmd.add_argument("-o", "--output", type=Path, metavar="FILE",
                         help="content file to write (default: NAME in lower case, each run "
                              "of other characters a '-', with .yaml, in the current "
                              "directory)")
    new_cmd.add_argument("--debug", action="store_true", help="show tracebacks")


def _run_new(args: argparse.Namespace) -> int:
    from leaflet.sources.blank import default_file_name, write_blank

    output = args.output or default_file_name(args.name)
    write_blank(args.name, output)
    print(f"wrote {output}: fill in every [placeholder], then run: leaflet check {output}")
    return 0


def _add_import_command(commands: argparse._SubParsersAction) -> None:
    import_cmd = commands.add_parser(
        "import", help="write a draft content file from a manufacturer's ePI or SPL leaflet",
        description="Write a draft content file from an EU ePI (an HL7 FHIR document Bundle, "
                    "JSON or XML) or a US SPL document (patient package insert, Medication "
                    "Guide or Drug Facts). Every text of the leaflet is kept; what the format "
                    "needs and the text does not say becomes a [placeholder]. Prints where each "
                    "section went and what a person must still do. Never replaces a file "
                    "without --force.")
    import_cmd.add_argument("source", type=Path, metavar="SOURCE",
                            help="the ePI Bundle (.json or .xml) or SPL document (.xml)")
    import_cmd.add_argument("-o", "--output", type=Path, metavar="FILE",
                            help="content file to write (default: the medicine's name as "
                                 "leaflet new makes a file name of it, in the current "
                                 "directory)")
    import_cmd.add_argument("--force", action="store_true",
                            help="replace FILE if it exists")
    import_cmd.add_argument("--debug", action="store_true", help="show tracebacks")


_IMPORT_REPLACED = {
    "heading": "headings the template words itself",
    "name line": "name lines, printed in the title",
    "contents list": "a contents list",
    "opening box": "the standard opening box, which the default template prints",
}


def _run_import(args: argparse.Namespace) -> int:
    from leaflet.sources.blank import default_file_name
    from leaflet.sources.importers import check_output, import_source, write_content

    if args.output:
        check_output(args.output, args.source, args.force)
    imported = import_source(args.source)
    output = args.output or default_file_name(imported.name or args.source.stem)
    write_content(imported.yaml_text(output.name), output, args.source, args.force)
    report = imported.report
    print(f"imported {args.source}: a {report.kind} ({report.source.format}), language "
          f"{imported.language}")
    print("where each section went:")
    for placement in report.placements:
        depth = placement.source.count(" > ")
        heading = placement.source.rsplit(" > ", 1)[-1]
        print(f"  {'  ' * depth}{heading} -> {placement.key} ({placement.how})")
    if report.derivations:
        print("worked out from the text (check each):")
        for found in report.derivations:
            print(f"  {found.key} = {found.value}: {found.reason}")
    if report.replaced:
        print("not copied, as the template prints its own words for them:")
    for kind, words in _IMPORT_REPLACED.items():
        texts = list(dict.fromkeys(r.text for r in report.replaced if r.kind == kind))
        if texts:
            print(f"  {words} ({len(texts)}): {' | '.join(texts)}")
    for what in report.left_out:
        print(f"left out: {what}")
    print(f"to do by a person ({len(report.todo)}):")
    for todo in report.todo:
        print(f"  {todo.key}: {todo.what}")
    for warning in report.warnings:
        _say(f"warning: {warning}")
    print(f"wrote {output} (a draft); next: leaflet check {output}")
    return 0


def _add_templates_command(commands: argparse._SubParsersAction) -> None:
    templates_cmd = commands.add_parser(
        "templates", help="list the built-in template sets or copy one to customise",
        description="List the built-in template sets, or copy one to a folder of your own "
                    "to edit; build with --template FOLDER.")
    actions = templates_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the built-in sets, one line each").add_argument(
        "--debug", action="store_true", help=argparse.SUPPRESS)
    init = actions.add_parser("init", help="copy a built-in set to FOLDER to edit")
    init.add_argument("folder", type=Path, help="new folder to create, e.g. my-clinic")
    init.add_argument("--from", dest="source", default="default",
                      help="built-in set to copy (default: default)")
    init.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def _run_templates(args: argparse.Namespace) -> int:
    from leaflet.render.templates import describe_sets, init_set

    if args.action == "list":
        sets = describe_sets()
        width = max(len(name) for name, _ in sets)
        for name, description in sets:
            print(f"{name:<{width}}  {description}")
        return 0
    folder = init_set(args.source, args.folder)
    print(f"copied {args.source!r} to {folder}; build with --template {folder}")
    return 0


def _add_print_options(build_cmd: argparse.ArgumentParser) -> None:
    build_cmd.add_argument("--layout", default="standard", metavar="LAYOUT",
                           help="standard (one column), two-column, or booklet (A5 pages "
                                "imposed two-up on A4 for double-sided printing and folding)")
    profile = build_cmd.add_mutually_exclusive_group()
    profile.add_argument("--profile", metavar="PROFILE",
                         help="legibility profile the PDF must prove: eu (9 pt), us (10 pt), "
                              "clear (12 pt), large (16 pt); default: the template set's")
    profile.add_argument("--large-print", dest="profile", action="store_const", const="large",
                         help="the same as --profile large: 16 pt and up, one column, A4")
    profile.add_argument("--clear-print", dest="profile", action="store_const", const="clear",
                         help="the same as --profile clear: 12 pt and up")
    build_cmd.add_argument("--max-pages", type=_positive, metavar="N",
                           help="fit on N pages (tighter spacing, then smaller type down to "
                                "the profile's minimum), or fail saying how many it needs")


def _add_inspect_command(commands: argparse._SubParsersAction) -> None:
    inspect = commands.add_parser(
        "inspect", help="report what a PDF proves: sizes, spacing, fonts, margins",
        description="Read any PDF and report, page by page, its size, smallest text, tightest "
                    "line spacing, text outside the margins and characters without a glyph, "
                    "and whether each font is embedded. Exit code 1 if it falls short of the "
                    "profile.")
    inspect.add_argument("pdf", type=Path, help="the PDF to inspect")
    inspect.add_argument("--profile", default="eu", metavar="PROFILE",
                         help="profile to hold it to: eu, us, clear, large (default: eu)")
    inspect.add_argument("--margin-mm", type=float, default=10, metavar="MM",
                         help="margin text must stay inside (default: 10, what office "
                              "printers can print)")
    inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    inspect.add_argument("--debug", action="store_true", help="show tracebacks")


def _run_inspect(args: argparse.Namespace) -> int:
    from leaflet.pdf.inspect import inspect_file

    report, found = inspect_file(args.pdf, args.profile, args.margin_mm)
    if args.json:
        print(json.dumps({**report.as_dict(), "profile": args.profile, "violations": found},
                         indent=2, ensure_ascii=False))
    else:
        print(report.table(found))
    return 1 if found else 0


def _add_patient_option(build_cmd: argparse.ArgumentParser) -> None:
    build_cmd.add_argument("--patient", type=Path,
                           help="patient file (YAML): adds a 'Your medicine' block with the "
                                "dated dose schedule and a tick chart")


def _add_batch_command(commands: argparse._SubParsersAction, papers: list[str]) -> None:
    batch_cmd = commands.add_parser(
        "batch", help="build one personalised leaflet per row of a prescription list",
        description="Build one personalised leaflet per row of a CSV file or YAML list. A bad "
                    "row is reported and the others are still built; the exit code is 1 if "
                    "any row failed.")
    batch_cmd.add_argument("rows", type=Path, metavar="LIST",
                           help="prescriptions.csv or a .yaml list of rows")
    batch_cmd.add_argument("--out-dir", type=Path,
                           help="folder for one PDF per row (made if missing)")
    batch_cmd.add_argument("--combined", type=Path,
                           help="also (or only) write one PDF of all leaflets in row order, "
                                "each starting on a new sheet")
    batch_cmd.add_argument("--jobs", type=_positive, metavar="N",
                           help="worker processes (default: all cores)")
    batch_cmd.add_argument("--shard", type=_shard, metavar="I/N",
                           help="build only shard I of N (rows whose number leaves I-1 "
                                "divided by N)")
    batch_cmd.add_argument("--name", metavar="PATTERN",
                           help="file name for rows without an 'output' column; fields: "
                                "{row}, {content} and any column "
                                "(default: {row:04d}-{content}.pdf)")
    batch_cmd.add_argument("--template", default="default",
                           help="template set: a built-in name or a folder (default: default)")
    batch_cmd.add_argument("--paper", choices=papers,
                           help="paper size (default: the template's, A4)")
    _add_limit_options(batch_cmd)
    batch_cmd.add_argument("--debug", action="store_true", help="show tracebacks")


def _add_limit_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--time-limit", type=_seconds, default=DEFAULT_SECONDS,
                         metavar="SECONDS",
                         help="CPU time the template set's rendering and layout may take for "
                              f"one leaflet, 1 to {MAX_SECONDS} (default: {DEFAULT_SECONDS}); "
                              "raise it only for a set you trust")
    command.add_argument("--memory-limit", type=_megabytes, default=DEFAULT_MEMORY_MB,
                         metavar="MB",
                         help="memory the process doing that work may use, in MB, "
                              f"{MIN_MEMORY_MB} or more (default: {DEFAULT_MEMORY_MB}); raise "
                              "it only for a set you trust")


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(seconds=args.time_limit, memory_mb=args.memory_limit)


def _seconds(text: str) -> int:
    return _whole(text, 1, MAX_SECONDS, "seconds")


def _megabytes(text: str) -> int:
    return _whole(text, MIN_MEMORY_MB, MAX_MEMORY_MB, "megabytes")


def _whole(text: str, low: int, high: int, unit: str) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"expected a whole number of {unit} from {low} to "
                                         f"{high}, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _shard(text: str) -> Shard:
    from leaflet.batch.jobs import Shard

    try:
        return Shard.parse(text)
    except LeafletError as exc:
        raise argparse.ArgumentTypeError(exc.problems[0].message) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` and return its exit code. Without ``argv``, main is this
    process's entry point (the leaflet script, python -m leaflet), running the command in
    the process's own arguments: see _as_process."""
    if argv is None:
        return _as_process()
    return _command(_parser().parse_args(argv))


# The modules each command runs from, imported up front when main is the process.
_COMMAND_MODULES = {
    "build": ("leaflet.build",),
    "check": ("leaflet.check.report", "leaflet.check.readability"),
    "batch": ("leaflet.batch.run",),
    "inspect": ("leaflet.pdf.inspect",),
    "new": ("leaflet.sources.blank",),
    "import": ("leaflet.sources.importers",),
    "templates": ("leaflet.render.templates",),
    "schema": ("leaflet.sources",),
}


def _as_process() -> int:
    """The command in this process's arguments, in a process that ends when it is done.
    Most objects such a process holds come from the modules it imports and live until it
    exits; Python's cyclic garbage collector would walk them at every full collection and
    again at exit, a fifth of a cold build's time. So the command's modules
    are imported with the collector paused and then frozen (gc.freeze: the collector no
    longer looks at them), the command runs with the collector on for what it makes, and
    at the end all is frozen again, so the collections at exit have nothing to walk.
    The regular expressions those imports compile are kept between runs (regex_cache).

    A build runs in a child forked at once (limits.supervise), and both processes end
    without Python's finalization, which would write to every object each holds: after a
    fork, each page written to is copied first (about 14 ms of a cold build in all)."""
    if sys.stdout is not None:  # None when started with it closed: print then does nothing
        sys.stdout = StandardOutput(sys.stdout)
    supervised = sys.argv[1:2] == ["build"]
    debug = _asks_for_debug(sys.argv[2:])
    if supervised:
        ended = _reported(supervise, debug)  # None in the child, which goes on to build
        if ended is not None:  # this is the supervisor, and the build has ended
            _end_now(ended)
    gc.disable()
    patterns = regex_cache.start()  # what an earlier run's imports compiled
    try:
        loaded = _reported(_parsed_and_imported, debug)  # Ctrl-C here is one line too
    finally:
        if patterns is not None:
            patterns.stop()
        gc.freeze()
        gc.enable()
    if not isinstance(loaded, argparse.Namespace):  # stopped, or broken, while importing
        if supervised:
            _end_now(loaded)
        return loaded
    args = loaded
    try:
        code = _command(args)
    finally:
        if patterns is not None:
            patterns.save(args.command)
        gc.freeze()
    if supervised:
        _end_now(code)
    return code


def _parsed_and_imported() -> argparse.Namespace:
    """This process's arguments, and the modules of the command they name, imported."""
    args = _parser().parse_args()
    for module in _COMMAND_MODULES.get(args.command, ()):
        importlib.import_module(module)
    return args


def _end_now(code: int) -> NoReturn:
    """End this process with ``code`` once what it printed is out. Every file a command
    writes is closed by then (output.py, cache.py), so skipping Python's finalization
    (os._exit) loses nothing."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None: the process was started with it closed
            with contextlib.suppress(OSError, ValueError, LeafletError):
                stream.flush()
    os._exit(code)


def _asks_for_debug(arguments: Sequence[str]) -> bool:
    """Whether the command line has --debug, as argparse reads it (which takes any
    unambiguous start of an option's name): known before the arguments are parsed."""
    return any(len(argument) > 2 and "--debug".startswith(argument)
               for argument in arguments)


def _command(args: argparse.Namespace) -> int:
    return _reported(lambda: _run(args), args.debug)


def _reported(run: Callable[[], R], debug: bool) -> R | int:
    """What ``run`` returns; an error it raises as one line for each problem and the exit
    code for it (the traceback too with ``debug``)."""
    try:
        with sigterm_as_exception():
            try:
                return run()
            finally:
                _flush_standard_output()
    except LeafletError as exc:
        if debug:
            raise
        for problem in exc.problems:
            _say(f"error: {problem}")
        return exc.exit_code
    except KeyboardInterrupt as exc:
        word, code = _stopped(exc)
        print(f"{word}; nothing written", file=sys.stderr)
        return code
    except Exception as exc:
        if debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run again with --debug and "
             "report it)")
        return INTERNAL_ERROR


class StandardOutput:
    """Standard output for a command's reports and files. A write that fails (a full disk,
    /dev/full, a pipe whose reader has gone) is the output's fault, not a bug: it raises
    OutputError, one line and exit code 2, where it would have been an internal error.
    What was still buffered then goes to /dev/null, so that Python's own flush at exit
    does not fail a second time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._unwritable(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._unwritable(exc) from exc

    def _unwritable(self, exc: OSError) -> OutputError:
        with contextlib.suppress(OSError, ValueError):
            nowhere = os.open(os.devnull, os.O_WRONLY)
            os.dup2(nowhere, self._stream.fileno())
            os.close(nowhere)
        return OutputError(Problem("standard output", None, None,
                                   f"cannot write: {exc.strerror or exc}"))

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, ...
        return getattr(self._stream, name)


def _flush_standard_output() -> None:
    """What is still buffered is written now, while a failure can be reported (after a
    command returns, or argparse's --help and --version exit); if the command is already
    failing, its own error is the one reported."""
    if sys.stdout is None:  # started with it closed
        return
    if sys.exc_info()[0] in (None, SystemExit):
        sys.stdout.flush()
    else:
        with contextlib.suppress(OSError, LeafletError):
            sys.stdout.flush()


def _stopped(exc: KeyboardInterrupt) -> tuple[str, int]:
    """What stopped the run, in a word, and its exit code: 128 plus the signal's number."""
    if isinstance(exc, Terminated):
        return "terminated", 128 + signal.SIGTERM
    return "interrupted", 128 + signal.SIGINT


def _say(line: str) -> None:
    """One line on stderr, with every character that is not printable shown escaped
    (\\x00, \\u202e): a message quoting bad input stays one line, and a control character
    or a direction override in it can neither drive the terminal nor disguise the text."""
    print(_printable(line), file=sys.stderr)


def _printable(text: str) -> str:
    """Spaces of every width stay as they are: a no-break space is still a space."""
    return "".join(char if char.isprintable() or unicodedata.category(char) == "Zs"
                   else char.encode("unicode_escape").decode() for char in text)


def _run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        from leaflet.sources import json_schema

        print(json_schema())
        return 0
    if args.command == "templates":
        return _run_templates(args)
    if args.command == "check":
        return _run_check(args)
    if args.command == "batch":
        return _run_batch(args)
    if args.command == "inspect":
        return _run_inspect(args)
    if args.command == "new":
        return _run_new(args)
    if args.command == "import":
        return _run_import(args)
    from leaflet.build import BuildOptions, build  # the batch's main process stays light
    from leaflet.check import Severity

    output = args.output or Path(args.content.stem + "." + args.format)
    options = BuildOptions(template=args.template, paper=args.paper, layout=args.layout,
                           profile=args.profile, max_pages=args.max_pages, strict=args.strict,
                           patient=args.patient, limits=_limits(args))
    html: Path | None = None
    if args.format == "html" or args.html:
        from leaflet.build import build_outputs

        pdf, html = _html_outputs(args, output)
        outputs = build_outputs(args.content, pdf, html, options)
        result, findings = outputs.pdf, outputs.findings
    else:
        result = build(args.content, output, options)
        findings = result.findings
    for finding in findings:
        if finding.severity is Severity.WARNING:
            _say(f"warning: {finding}")
    if result is not None:
        print(_wrote(output, result.pages, result.booklet_pages))
    if html is not None:
        print(f"wrote {html} (an HTML page)")
    return 0


def _html_outputs(args: argparse.Namespace, output: Path) -> tuple[Path | None, Path]:
    """Where the PDF (None: not wanted) and the HTML page go."""
    from leaflet.errors import UsageError

    if args.format == "html" and args.html:
        raise UsageError(Problem("--html", None, None, "with --format html the page is "
                                 "written to -o/--output; leave out --html"))
    pdf, html = (None, output) if args.format == "html" else (output, args.html)
    if html.suffix.lower() not in (".html", ".htm"):
        raise UsageError(Problem(str(html), None, None, "the HTML page's name must end in "
                                 ".html, such as leaflet.html"))
    return pdf, html


def _wrote(output: Path, pages: int, booklet_pages: int | None) -> str:
    """'wrote X (7 pages)': the pages in the file. A booklet's file holds the sides of its
    sheets, so it also says how many A5 pages those carry and on how many sheets."""
    counted = f"{pages} page" + ("" if pages == 1 else "s")
    if booklet_pages is not None:
        sheets = pages // 2
        counted += (f": a booklet of {booklet_pages} A5 page{'' if booklet_pages == 1 else 's'}"
                    f", {sheets} sheet{'' if sheets == 1 else 's'} printed on both sides")
    return f"wrote {output} ({counted})"


def _add_check_command(commands: argparse._SubParsersAction) -> None:
    check_cmd = commands.add_parser(
        "check", help="check content is complete, readable, consistent and approved",
        description="Check content files: required sections, readability per section, "
                    "medical words, dose consistency, review status and dates. Exit code 1 "
                    "if any file has errors.")
    check_cmd.add_argument("content", type=Path, nargs="+",
                           help="content files, e.g. content/*.yaml")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text",
                           help="text: a table grouped by section (default); json: for CI")
    check_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check_cmd.add_argument("--template", default="default",
                           help="template set whose checks apply (default: default)")
    check_cmd.add_argument("--debug", action="store_true", help="show tracebacks")


def _run_check(args: argparse.Namespace) -> int:
    from leaflet.check import Checker
    from leaflet.check.report import report_json, report_text
    from leaflet.render.templates import resolve_set

    checker = Checker(resolve_set(args.template), date.today())
    reports = [checker.check(path) for path in args.content]
    if args.strict:
        reports = [report.strict() for report in reports]
    targets = checker.config.readability
    if args.format == "json":
        print(json.dumps(report_json(reports, targets, args.strict), indent=2,
                         ensure_ascii=False))
    else:
        print("\n".join(_printable(line) for line in report_text(reports, targets).split("\n")))
    return 0 if all(report.passed for report in reports) else 1


def _run_batch(args: argparse.Namespace) -> int:
    from leaflet.batch.jobs import BatchOptions
    from leaflet.batch.names import DEFAULT_NAME

    options = BatchOptions(out_dir=args.out_dir, combined=args.combined, jobs=args.jobs,
                           shard=args.shard,
                           name_pattern=DEFAULT_NAME if args.name is None else args.name,
                           template=args.template, paper=args.paper, limits=_limits(args))
    progress = _ProgressBar() if sys.stderr.isatty() else None
    try:
        from leaflet.batch.run import run_batch  # multiprocessing only when a batch runs

        report = run_batch(args.rows, options, progress)
    finally:
        if progress:
            progress.finish()
    _print_report(report, args.combined, args.debug)
    if report.interrupted:
        return 128 + report.interrupted
    return 1 if report.failed else 0


def _print_report(report: BatchReport, combined: Path | None, debug: bool) -> None:
    for warning in report.warnings:
        _say(f"warning: {warning}")
    for failure in report.failed:
        for problem in failure.problems:
            _say(f"error: row {failure.row}: {problem}")
        if debug and failure.trace:
            print(failure.trace.rstrip(), file=sys.stderr)
    rows = "row" if report.rows == 1 else "rows"
    summary = f"built {report.built} of {report.rows} {rows}"
    if report.failed:
        numbers = ", ".join(str(f.row) for f in report.failed)
        summary += f"; {len(report.failed)} failed (rows {numbers})"
    print(summary)
    if report.interrupted:
        left = report.rows - report.built - len(report.failed)
        written = (f"row {report.built_rows[0]} was written, whole; "
                   if len(report.built_rows) == 1
                   else f"rows {_ranges(report.built_rows)} were written, each whole; "
                   if report.built_rows else "")
        print(f"interrupted by {signal.Signals(report.interrupted).name}: {written}{left} "
              f"{'row was' if left == 1 else 'rows were'} not built"
              + ("; no combined file was written" if combined is not None else ""),
              file=sys.stderr)
    elif combined is not None:
        print(f"wrote {combined} ({report.combined_pages} pages)" if report.combined_pages
              else f"no leaflet was built, so {combined} was not written")


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5, 7, 8] -> '1-3, 5, 7-8'."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


class _ProgressBar:
    """One line on the terminal, redrawn in place; nothing at all when not a terminal."""

    WIDTH = 30

    def __init__(self) -> None:
        self.drawn = False

    def __call__(self, done: int, total: int, failed: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        failures = f", {failed} failed" if failed else ""
        sys.stderr.write(f"\r[{bar}] {done}/{total}{failures}")
        sys.stderr.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
