"""The ``dlgrade`` command: each subcommand parses its arguments and hands off to one function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import report
from .grade import grade, new_seed
from .suites import SUITES


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be a non-negative integer, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"the seed must be a non-negative integer, not {value}")
    return value


def _assignment(text: str) -> str:
    name = text.removesuffix(".py")
    if name not in SUITES:
        raise argparse.ArgumentTypeError(f"unknown assignment {text!r} (known: {', '.join(SUITES)})")
    return name


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with where to look for help."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    main = _Parser(prog="dlgrade", description="Grade deep-learning exercises against hidden reference solutions.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    grading = commands.add_parser("grade", help="grade one submission (a folder, a .zip or a .py file)")
    grading.add_argument("path", type=Path, help="the submission")
    grading.add_argument("--assignment", "-a", type=_assignment, action="append", help="grade only this assignment (repeatable)")
    grading.add_argument("--json", type=Path, metavar="FILE", help="also write Gradescope's results.json to FILE")
    grading.add_argument("--seed", type=_seed, help="seed for the hidden inputs (default: $DLGRADE_SEED, else a fresh one)")
    return main


def main(argv=None) -> int:
    """Entry point. Exit status 0 whenever grading happened, whatever the score; 2 on a usage error."""
    arguments = parser().parse_args(argv)
    try:
        seed = new_seed() if arguments.seed is None else arguments.seed
        result = grade(arguments.path, arguments.assignment, seed)
    except (FileNotFoundError, ValueError) as error:  # grade() raises these for usage errors only
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        try:
            arguments.json.parent.mkdir(parents=True, exist_ok=True)
            arguments.json.write_text(report.gradescope_json(result))
        except OSError as error:
            print(f"dlgrade: error: cannot write {arguments.json}: {error.strerror or error}", file=sys.stderr)
            return 2
    try:
        print(report.table(result), flush=True)
    except BrokenPipeError:  # `dlgrade grade ... | head`: the reader left, grading is done
        sys.stdout = None
    for line in result.staff:
        print(f"dlgrade: staff: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
