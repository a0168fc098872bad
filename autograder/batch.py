"""Grading a whole class: every submission of a roster, in parallel, resumable.

Each finished submission is stored at once as ``OUTDIR/results/<student>.json`` with a
fingerprint of what produced it (the submission's files, the grader and references, the
student's seed, the assignments graded). A run that is interrupted, even killed, picks up
where it stopped: a stored result whose fingerprint still matches is reused, so a
submission is graded again only when its files (or the grader) changed, or with ``force``.

Each student's hidden inputs come from a seed derived from the course secret and the
student's id: the same for a regrade, different across students. The secret is kept in
``OUTDIR/secret`` (created on the first run) unless given explicitly.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .grade import SOLUTIONS, grade, not_graded
from .results import AssignmentResult, CaseResult, SubmissionResult
from .roster import Submission
from .sandbox import Limits
from .suites import SUITES

ENGINE = Path(__file__).resolve().parent
STOP_SECONDS = 5  # after Ctrl-C, what a grading process gets to close its sandbox before the exit goes on


@dataclass(frozen=True)
class Graded:
    """A student's result; ``reused`` when it came from an earlier run."""

    submission: Submission
    result: SubmissionResult
    reused: bool = False


def course_secret(out: Path, secret: int | None = None) -> int:
    """The course secret: ``secret`` if given, else the one kept in ``out/secret``, else a new one kept there."""
    if secret is not None:
        return secret
    kept = Path(out) / "secret"
    if kept.exists():
        return int(kept.read_text().strip())
    value = secrets.randbits(63)
    kept.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(kept, f"{value}\n")
    kept.chmod(0o600)
    return value


def student_seed(secret: int, student: str) -> int:
    """The seed of ``student``'s hidden inputs: a hash of the course secret and the id."""
    return int.from_bytes(hashlib.sha256(f"{secret}:{student}".encode()).digest()[:4], "big")


def grade_class(submissions: list[Submission], out: Path, jobs: int, force: bool, assignments: list[str],
                secret: int | None = None, limits: Limits = Limits(), progress=None) -> list[Graded]:
    """Grade ``assignments`` in ``submissions`` with ``jobs`` processes, storing each result under ``out/results``.

    A submission without an assignment's file scores 0 on it; ``progress(done, total)``
    is called after each submission. Results are returned in the order of ``submissions``.
    A submission that cannot be graded at all (unreadable files) gets score 0 and the reason.
    """
    out = Path(out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    secret = course_secret(out, secret)
    grader = _grader_digest()
    names = tuple(assignments)
    graded, todo = {}, []
    for submission in submissions:
        seed = student_seed(secret, submission.student)
        fingerprint = _fingerprint(submission.path, grader, seed, names)
        stored = None if force else _load(out, submission.student, fingerprint)
        if stored is not None:
            graded[submission.student] = Graded(submission, stored, reused=True)
        else:
            todo.append((submission, seed, fingerprint))
    if progress:
        progress(len(graded), len(submissions))

    def finish(submission, fingerprint, result):
        _store(out, submission.student, fingerprint, result)
        graded[submission.student] = Graded(submission, result)
        if progress:
            progress(len(graded), len(submissions))

    if jobs <= 1 or len(todo) <= 1:
        for submission, seed, fingerprint in todo:
            finish(submission, fingerprint, _grade_one(submission.path, names, seed, limits))
    else:
        context = multiprocessing.get_context("forkserver")
        pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_pool_worker)
        futures = {pool.submit(_grade_one, submission.path, names, seed, limits): (submission, fingerprint)
                   for submission, seed, fingerprint in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                finish(*futures[future], future.result())
        except BaseException:  # Ctrl-C: stop handing out work and what runs now, at once; what finished is stored
            pool.shutdown(wait=False, cancel_futures=True)
            running = multiprocessing.active_children()
            for process in running:
                process.terminate()  # _pool_worker's handler: the grading in progress unwinds, its sandbox is closed
            for process in running:
                process.join(STOP_SECONDS)
            raise
        pool.shutdown()
    return [graded[submission.student] for submission in submissions]


class _Stopped(SystemExit):
    """The parent stopped the pool (Ctrl-C). A SystemExit, so that an idle process exits quietly."""


def _pool_worker() -> None:
    """Signals in a grading process: Ctrl-C is the parent's to handle (it stops the pool), and
    SIGTERM, the parent's stop, unwinds the grading in progress (closing its sandbox, removing
    its temporary folders; :func:`_grade_one` then exits) instead of killing the process outright."""
    def stop(number, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not interrupt the clean-up
        raise _Stopped(128 + number)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)


def _grade_one(path: Path, assignments: tuple, seed: int, limits: Limits) -> SubmissionResult:
    """grade(), except that nothing escapes: an unreadable submission scores 0 with the reason."""
    try:
        return grade(path, list(assignments), seed=seed, limits=limits)
    except _Stopped as stopped:  # unwound: exit now, or the pool would hand this process the next submission
        os._exit(stopped.code)
    except Exception as error:  # noqa: BLE001 - one bad submission never stops the batch
        reason = f"Your submission could not be graded: {type(error).__name__}: {error}."
        return SubmissionResult(tuple(not_graded(SUITES[name], reason) for name in assignments), seed)


# -- the store ------------------------------------------------------------------------------

def file_name(student: str) -> str:
    """A file name for ``student``'s outputs: safe characters only, unique per id."""
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", student).lstrip(".") or "_"
    if safe != student:
        safe += "-" + hashlib.sha256(student.encode()).hexdigest()[:8]
    return safe


def _store(out: Path, student: str, fingerprint: str, result: SubmissionResult) -> None:
    record = {"student": student, "fingerprint": fingerprint, "result": asdict(result)}
    _write_atomic(out / "results" / f"{file_name(student)}.json", json.dumps(record, indent=1, default=_plain))


def _load(out: Path, student: str, fingerprint: str) -> SubmissionResult | None:
    """The stored result of ``student`` if it was made from the same inputs, else ``None``."""
    try:
        record = json.loads((out / "results" / f"{file_name(student)}.json").read_text())
        if record["fingerprint"] != fingerprint:
            return None
        return result_from_dict(record["result"])
    except (OSError, ValueError, KeyError, TypeError):  # missing, half-written by an old version: grade again
        return None


def result_from_dict(data: dict) -> SubmissionResult:
    """The inverse of ``dataclasses.asdict`` on a :class:`SubmissionResult`."""
    assignments = tuple(
        AssignmentResult(**{**assignment, "cases": tuple(CaseResult(**case) for case in assignment["cases"])})
        for assignment in data["assignments"]
    )
    return SubmissionResult(**{**data, "assignments": assignments, "staff": tuple(data["staff"])})


def _plain(value):
    """JSON for the numpy scalars a result may hold."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a killed run) never sees half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    os.replace(partial, path)


# -- fingerprints ---------------------------------------------------------------------------

def _digest_files(paths, root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _grader_digest() -> str:
    """A digest of the engine, the suites and the references: a change to any regrades."""
    engine = _digest_files(ENGINE.rglob("*.py"), ENGINE)
    references = _digest_files(Path(SOLUTIONS).glob("*.py"), Path(SOLUTIONS))
    return hashlib.sha256(f"{engine}:{references}".encode()).hexdigest()


def _fingerprint(path: Path, grader: str, seed: int, assignments: tuple) -> str:
    try:
        files = _digest_files((p for p in path.rglob("*") if p.is_file()), path) if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:  # unreadable: grade (and report) it every time
        files = f"unreadable {error} {time.time()}"
    return hashlib.sha256(f"{files}:{grader}:{seed}:{','.join(assignments)}".encode()).hexdigest()


class Progress:
    """Progress on ``stream``: rich's live bar on a terminal; elsewhere (a log, CI) a plain line per tenth."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width, self.start, self.shown = width, time.perf_counter(), -1
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.stream.isatty():
            self._live(done, total)
            return
        if done == total or 10 * done // max(total, 1) > self.shown:
            self.shown = 10 * done // max(total, 1)
            elapsed = time.perf_counter() - self.start
            rate = done / elapsed if elapsed > 0 else 0.0
            filled = self.width * done // max(total, 1)
            self.stream.write(f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} submissions  {rate:.1f}/s\n")
            self.stream.flush()

    def _live(self, done: int, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

        if self.bar is None:
            self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("submissions"), TimeRemainingColumn(),
                           console=Console(file=self.stream), transient=False)
            self.task = self.bar.add_task("grading", total=total)
            self.bar.start()
        self.bar.update(self.task, completed=done, total=total)
        if done >= total:
            self.bar.stop()

    def close(self) -> None:
        """Stop the live bar, if one is drawn (an interrupted run)."""
        if self.bar is not None:
            self.bar.stop()
