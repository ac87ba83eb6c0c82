"""Command line: parse arguments, call the library, turn errors into lines and exit codes.

Exit codes: 0 built (or checked without errors); 1 the inputs are wrong (content,
template, theme, fonts) or the checks found errors; 2 the command line is wrong (unknown
option, bad output path); 3 an internal error (a bug: please report it, with --debug
output).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from leaflet import __version__
from leaflet.build import BuildOptions, build
from leaflet.check import Checker, Severity
from leaflet.check.report import report_json, report_text
from leaflet.content import json_schema
from leaflet.errors import LeafletError
from leaflet.templates import describe_sets, init_set, resolve_set
from leaflet.theme import PAPER_SIZES

INTERNAL_ERROR = 3


def _parser() -> argparse.ArgumentParser:
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
                           help="PDF to write (default: CONTENT's name with .pdf, in the "
                                "current directory)")
    build_cmd.add_argument("--template", default="default",
                           help="template set: a built-in name or a folder (default: default)")
    build_cmd.add_argument("--paper", choices=sorted(PAPER_SIZES),
                           help="paper size (default: the template's, A4)")
    build_cmd.add_argument("--strict", action="store_true",
                           help="check warnings stop the build too")
    build_cmd.add_argument("--debug", action="store_true", help="show tracebacks")
    _add_check_command(commands)

    _add_templates_command(commands)

    schema_cmd = commands.add_parser(
        "schema", help="print the content format as JSON Schema",
        description="Print the content format as JSON Schema, for editors to validate and "
                    "complete content files.")
    schema_cmd.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


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
    if args.action == "list":
        sets = describe_sets()
        width = max(len(name) for name, _ in sets)
        for name, description in sets:
            print(f"{name:<{width}}  {description}")
        return 0
    folder = init_set(args.source, args.folder)
    print(f"copied {args.source!r} to {folder}; build with --template {folder}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except LeafletError as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run again with --debug and "
              "report it)", file=sys.stderr)
        return INTERNAL_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        print(json_schema())
        return 0
    if args.command == "templates":
        return _run_templates(args)
    if args.command == "check":
        return _run_check(args)
    output = args.output or Path(args.content.stem + ".pdf")
    result = build(args.content, output, BuildOptions(template=args.template, paper=args.paper,
                                                      strict=args.strict))
    for finding in result.findings:
        if finding.severity is Severity.WARNING:
            print(f"warning: {finding}", file=sys.stderr)
    pages = "page" if result.pages == 1 else "pages"
    print(f"wrote {output} ({result.pages} {pages})")
    return 0


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
    checker = Checker(resolve_set(args.template), date.today())
    reports = [checker.check(path) for path in args.content]
    if args.strict:
        reports = [report.strict() for report in reports]
    targets = checker.config.readability
    if args.format == "json":
        print(json.dumps(report_json(reports, targets, args.strict), indent=2,
                         ensure_ascii=False))
    else:
        print(report_text(reports, targets))
    return 0 if all(report.passed for report in reports) else 1
