"""The ``dlgrade`` command: each subcommand parses its arguments and hands off to one function."""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import sys
import threading
from pathlib import Path

from .private import not_dumpable
from .suites import SUITES

# Each command imports what it needs when it runs (numpy, the engine, multiprocessing for
# --class), so that `dlgrade --version` or a usage error costs no grading machinery.


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


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a positive integer, not {text!r}")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with where to look for help; examples (the epilog) kept as written."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _examples(*lines: str) -> str:
    """An epilog of example commands, each with what it does after two spaces (aligned here)."""
    pairs = [re.split(r"\s{2,}", line, maxsplit=1) + [""] for line in lines]
    width = max(len(command) for command, *_ in pairs)
    return "examples:\n" + "\n".join(f"  {command:<{width}}   {what}".rstrip() for command, what, *_ in pairs)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dlgrade")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs 30 ms)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help="show program's version number and exit"):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog} {_version()}")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    main = _Parser(prog="dlgrade", description="Grade deep-learning exercises against hidden reference solutions.",
                   epilog=_examples("dlgrade grade examples/demo_submission        grade one submission (the demo's four mistakes)",
                                    "dlgrade grade hw.zip -a backprop --json r.json   one assignment, also Gradescope's results.json",
                                    "dlgrade grade exports/ --class -a backprop     a whole class: report.html, grades.csv, feedback",
                                    "dlgrade gradescope build -a backprop           the autograder.zip for one Gradescope assignment",
                                    "dlgrade release                                rebuild the student handout"))
    main.add_argument("--version", action=_Version)
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    grading = commands.add_parser("grade", help="grade one submission (a folder, a .zip or a .py file), or a class with --class",
                                  epilog=_examples("dlgrade grade hw1/                          the assignments whose files hw1/ holds",
                                                   "dlgrade grade submission.zip -a backprop    backprop only (a missing file scores 0)",
                                                   "dlgrade grade hw1/ --seed 1234              the hidden inputs of an earlier run again",
                                                   "dlgrade grade hw1/ --json results.json      also write Gradescope's results.json",
                                                   "dlgrade grade export/ --class -a backprop --jobs 4 --out grading/"))
    grading.add_argument("path", type=Path, help="the submission")
    grading.add_argument("--assignment", "-a", type=_assignment, action="append", help="grade only this assignment (repeatable)")
    grading.add_argument("--json", type=Path, metavar="FILE", help="also write Gradescope's results.json to FILE")
    grading.add_argument("--seed", type=_seed, help="seed for the hidden inputs (default: $DLGRADE_SEED, else a fresh one); "
                         "with --class, the course secret each student's seed is derived from")
    grading.add_argument("--class", dest="whole_class", action="store_true",
                         help="PATH is a folder of submissions (one per student sub-folder or zip, or a Gradescope export): grade them all")
    grading.add_argument("--jobs", "-j", type=_jobs, default=os.cpu_count() or 1, help="with --class: submissions graded in parallel (default: all cores)")
    grading.add_argument("--out", type=Path, help="with --class: where report.html, grades.csv, feedback/ and the summary go (default: grading/ beside PATH)")
    grading.add_argument("--force", action="store_true", help="with --class: grade again submissions already graded")
    grading.add_argument("--allow-unconfined", action="store_true",
                         help="with --class: grade even where student code cannot be confined (no Landlock or seccomp here), "
                              "so that it runs with your rights")
    releasing = commands.add_parser("release", help="build the student handout (student_template/) from assignments/",
                                    epilog=_examples("dlgrade release                        rebuild student_template/ (commit it)",
                                                     "dlgrade release --out /tmp/handout     build it elsewhere, to look at it"))
    releasing.add_argument("--out", type=Path, default=None, help="the handout folder (default: student_template/ in the project)")
    gradescope = commands.add_parser("gradescope", help="the Gradescope autograder: build autograder.zip, or grade as run_autograder does",
                                     epilog=_examples("dlgrade gradescope build -a backprop",
                                                      "dlgrade gradescope try autograder.zip hw1/"))
    gradescope_commands = gradescope.add_subparsers(dest="gradescope_command", required=True, metavar="ACTION", parser_class=_Parser)
    building = gradescope_commands.add_parser("build", help="write autograder.zip (setup.sh, run_autograder, engine, references, hidden suites, secret seed)",
                                              epilog=_examples("dlgrade gradescope build -a backprop               one homework's autograder",
                                                               "dlgrade gradescope build --config hw3.toml        the assignments, points and limits of hw3.toml",
                                                               "dlgrade gradescope build -a conv --out conv.zip"))
    building.add_argument("--out", type=Path, default=Path("autograder.zip"), help="the zip to write (default: autograder.zip)")
    building.add_argument("--config", type=Path, help="the settings file (default: gradescope.toml in the project)")
    building.add_argument("--assignment", "-a", type=_assignment, action="append",
                          help="grade this assignment (repeatable; overrides the config's list; one of the two is required)")
    trying = gradescope_commands.add_parser("try", help="grade a submission with an autograder.zip here, as Gradescope would",
                                            epilog=_examples("dlgrade gradescope try autograder.zip hw1/",
                                                             "dlgrade gradescope try autograder.zip submission.zip --json results.json"))
    trying.add_argument("zip", type=Path, help="the autograder.zip")
    trying.add_argument("submission", type=Path, help="a folder, or one file (a .zip or a .py), as a student uploads it")
    trying.add_argument("--json", type=Path, metavar="FILE", help="also write the results.json to FILE")
    trying.add_argument("--keep", type=Path, metavar="DIR", help="install in DIR and keep it (default: a temporary folder)")
    running = gradescope_commands.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json, as run_autograder does",
                                             epilog=_examples("dlgrade gradescope run                       on Gradescope (run_autograder does this)",
                                                              "dlgrade gradescope run --root /tmp/autograder"))
    running.add_argument("--root", type=Path, default=Path(os.environ.get("DLGRADE_AUTOGRADER_ROOT") or "/autograder"),
                         help="the unpacked autograder (default: $DLGRADE_AUTOGRADER_ROOT, else /autograder)")
    nbgrader = commands.add_parser("nbgrader", help="nbgrader: export the assignments as an nbgrader course",
                                   epilog=_examples("dlgrade nbgrader export course/ -a backprop"))
    nbgrader_commands = nbgrader.add_subparsers(dest="nbgrader_command", required=True, metavar="ACTION", parser_class=_Parser)
    exporting = nbgrader_commands.add_parser("export", help="write DIR/nbgrader_config.py and DIR/source/<assignment>/<assignment>.ipynb",
                                             epilog=_examples("dlgrade nbgrader export course/ -a backprop     then, in course/: nbgrader generate_assignment backprop",
                                                              "dlgrade nbgrader export course/ --seed 7       every assignment, hidden tests drawn with seed 7"))
    exporting.add_argument("folder", type=Path, metavar="DIR", help="the course folder (created if missing)")
    exporting.add_argument("--assignment", "-a", type=_assignment, action="append", help="export only this assignment (repeatable)")
    exporting.add_argument("--seed", type=_seed, help="seed for the hidden tests' inputs (default: $DLGRADE_SEED, else a fresh one)")
    return main


def run() -> None:
    """The ``dlgrade`` command: :func:`main`, then the interpreter's exit without its last step.

    As Python's own exit, it waits for threads and runs the ``atexit`` handlers (multiprocessing
    removes its folder there), then flushes the output; it leaves out only the teardown of every
    module, tens of milliseconds for numpy and the engine, as multiprocessing's children do."""
    code = main()
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a reader that left (stdout is None after a broken pipe)
            pass
    os._exit(code)


def main(argv=None) -> int:
    """Entry point. Exit status 0 whenever grading happened, whatever the score; 2 on a usage error."""
    not_dumpable()  # before any reference is loaded: student code of our uid cannot read this process
    main_parser = parser()
    arguments = main_parser.parse_args(argv)
    if arguments.command == "release":
        return release_handout(arguments.out)
    if arguments.command == "gradescope":
        return gradescope_command(arguments)
    if arguments.command == "nbgrader":
        return nbgrader_export(arguments)
    if arguments.whole_class:
        if arguments.json:
            main_parser.error("--json grades one submission; with --class, results go to --out")
        return grade_whole_class(arguments)
    if arguments.out or arguments.force or arguments.allow_unconfined:
        main_parser.error("--out, --force and --allow-unconfined go with --class")
    return grade_one(arguments)


def grade_one(arguments) -> int:
    """``dlgrade grade PATH``: one submission, the report on stdout (``--json``: Gradescope's file too)."""
    from .zygote import Zygote  # imports no numpy

    zygote = Zygote()
    zygote.launch()  # the worker's parent imports numpy while this process imports it and the engine
    try:
        from . import report
        from .grade import grade, new_seed

        seed = new_seed() if arguments.seed is None else arguments.seed
        result = grade(arguments.path, arguments.assignment, seed, spawner=zygote)
    except (FileNotFoundError, ValueError) as error:  # grade() raises these for usage errors only
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    finally:
        zygote.close()
    if arguments.json and not _write(arguments.json, report.gradescope_json(result)):
        return 2
    try:
        show(result)
    except BrokenPipeError:  # `dlgrade grade ... | head`: the reader left, grading is done
        sys.stdout = None
    for line in result.staff:
        print(f"dlgrade: staff: {line}", file=sys.stderr)
    if result.isolation:
        print(f"dlgrade: {result.isolation}", file=sys.stderr)
    return 0


def show(result) -> None:
    """The report on stdout: on a terminal wrapped to its width and coloured (unless NO_COLOR
    is set); elsewhere plain, 100 columns, the same bytes every time."""
    from . import report

    if _maybe_terminal():
        from rich.console import Console

        console = Console(highlight=False)
        if console.is_terminal:
            console.print(report.coloured(report.table(result, width=max(60, console.width))), soft_wrap=True)
            return
    print(report.table(result), flush=True)


def _maybe_terminal() -> bool:
    """Whether rich might take stdout for a terminal (a tty, or one declared by FORCE_COLOR or
    TTY_COMPATIBLE=1); when not, the plain report needs no rich at all."""
    return sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR")) or os.environ.get("TTY_COMPATIBLE") == "1"


def _write(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` (parents created); ``False``, with the reason on stderr, when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as error:
        print(f"dlgrade: error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return False
    return True


def _cannot_write(path: Path, error: OSError) -> int:
    """Status 2, with one line naming the path and the system's reason."""
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    print(f"dlgrade: error: cannot write {path}{where}: {error.strerror or error}; give a folder you can write to", file=sys.stderr)
    return 2


def gradescope_command(arguments) -> int:
    """``dlgrade gradescope build|run``; a bad config or a missing reference is a usage error (status 2)."""
    from . import gradescope
    from .gradescope_config import ConfigError

    if arguments.gradescope_command == "run":
        results = gradescope.run(arguments.root)
        print(f"wrote {arguments.root / 'results' / 'results.json'} (score {results['score']:g})")
        return 0
    if arguments.gradescope_command == "try":
        try:
            results, output = gradescope.try_zip(arguments.zip, arguments.submission, arguments.keep)
        except (FileNotFoundError, RuntimeError, ValueError) as error:
            print(f"dlgrade: error: {error}", file=sys.stderr)
            return 2
        except OSError as error:
            print(f"dlgrade: error: cannot install {arguments.zip} in {arguments.keep or 'a temporary folder'}: {error.strerror or error}", file=sys.stderr)
            return 2
        print(output, end="")
        if arguments.json and not _write(arguments.json, json.dumps(results, indent=2)):
            return 2
        print(f"results.json: score {results['score']:g}" + (f", written to {arguments.json}" if arguments.json else ""))
        return 0
    try:
        settings = gradescope.build(arguments.out, arguments.config, arguments.assignment)
    except (ConfigError, FileNotFoundError) as error:
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"dlgrade: error: cannot write {arguments.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote {arguments.out} (grades {', '.join(settings.assignments)}; upload it as the assignment's autograder on Gradescope)")
    return 0


def nbgrader_export(arguments) -> int:
    """``dlgrade nbgrader export DIR``: write the nbgrader course; status 2 when it cannot be written."""
    from .grade import new_seed
    from .nbgrader_export import export

    try:
        seed = new_seed() if arguments.seed is None else arguments.seed
        written = export(arguments.folder, arguments.assignment, seed)
    except ValueError as error:
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"dlgrade: error: cannot write {arguments.folder}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote {arguments.folder} ({', '.join(path.stem for path in written)}); "
          f"next, in that folder: nbgrader generate_assignment <assignment>")
    return 0


def release_handout(out: Path | None) -> int:
    """``dlgrade release``: build the handout; exit status 2 with the reason when it cannot be built."""
    from .notebooks import SourceError
    from .release import HANDOUT, ReleaseError, release

    try:
        names = release(out or HANDOUT)
    except (ReleaseError, SourceError) as error:
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        return _cannot_write(out or HANDOUT, error)
    print(f"wrote {out or HANDOUT} ({', '.join(names)})")
    return 0


def grade_whole_class(arguments) -> int:
    """``dlgrade grade DIR --class``: grade every submission, write the class's reports."""
    if arguments.jobs > 1:
        from . import forkserver

        forkserver.start()  # the grading processes' server imports the engine while this process does
    from . import confine
    from .batch import Progress, SecretError, grade_class
    from .class_report import write_class_report
    from .figures import Drawer
    from .roster import roster
    from .sandbox import Limits

    folder = arguments.path
    out = arguments.out or folder.resolve().parent / "grading"
    assignments = arguments.assignment
    if not assignments:  # a class hands in one homework at a time: never a column for each of the others
        print(f"dlgrade: error: --class grades the assignments you name: add -a NAME (repeatable; known: {', '.join(SUITES)})", file=sys.stderr)
        return 2
    try:
        submissions = roster(folder, skip=(out,))
    except (FileNotFoundError, ValueError) as error:
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    if not submissions:
        print(f"dlgrade: error: {folder} holds no submissions (expected one sub-folder or .zip per student, or a Gradescope export)", file=sys.stderr)
        return 2
    offered = confine.available()
    confined = {"landlock", "seccomp"} <= offered.keys()
    if not confined and not arguments.allow_unconfined:
        print(f"dlgrade: error: class grading runs untrusted code, and this machine cannot confine it ({confine.unavailable_reason()}); "
              "grade on Linux 5.13+ with Landlock enabled (x86_64), or pass --allow-unconfined to let student code run with your rights",
              file=sys.stderr)
        return 2
    if not confined:
        print(f"dlgrade: warning: student code runs NOT confined ({confine.unavailable_reason()}): it can read what you can read", file=sys.stderr)
    limits = Limits(confinement="required" if confined else "best")
    progress = Progress()
    drawer = Drawer()  # the report's figures: matplotlib is imported while the class is graded
    try:
        graded = grade_class(submissions, out, arguments.jobs, arguments.force, assignments, arguments.seed, limits, progress=progress)
        for entry in graded:
            if entry.problem:
                print(f"dlgrade: staff: {entry.problem}", file=sys.stderr)
        write_class_report(graded, out, assignments, drawer)
    except KeyboardInterrupt:
        progress.close()
        print(f"\ndlgrade: interrupted; finished submissions are kept in {out}: run the same command again to go on", file=sys.stderr)
        return 130
    except SecretError as error:
        print(f"dlgrade: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # --out at a file, or a folder we may not write in
        return _cannot_write(out, error)
    finally:
        drawer.close()
    reused = sum(entry.reused for entry in graded)
    print(f"Graded {len(graded) - reused} submissions ({reused} unchanged since the last run, not graded again). "
          f"Report: {out / 'report.html'}; grades: {out / 'grades.csv'} (for gradebooks: gradebook_canvas.csv, gradebook_gradescope.csv); "
          f"feedback: {out / 'feedback'}; summary: {out / 'summary.md'}")
    failing = sum(bool(entry.result.staff) for entry in graded)
    if failing:
        print(f"dlgrade: staff: the grader itself failed on {failing} submissions; see 'Grader problems' in {out / 'report.html'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run()
