"""Grading a whole class: every submission of a roster, in parallel, resumable.

Each finished submission is stored at once as ``OUTDIR/results/<student>.json`` with a
fingerprint of what produced it (the submission's files, the grader and references, the
student's seed, the assignments graded). A run that is interrupted, even killed, picks up
where it stopped: a stored result whose fingerprint still matches is reused, so a
submission is graded again only when its files (or the grader) changed, or with ``force``.

Each student's hidden inputs come from a seed derived from the course secret and the
student's id: the same for a regrade, different across students. The secret is kept in
``OUTDIR/secret`` (created on the first run) unless given explicitly.

Everything under ``OUTDIR`` is the instructor's alone (folders 0700, files 0600), and each
stored result carries an HMAC-SHA256 keyed by the course secret: a result edited after it
was written (by student code left running, say) is not reused but graded again, and the
run reports it.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import json
import multiprocessing
import os
import re
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import forkserver
from .grade import SOLUTIONS, grade, not_graded
from .private import not_dumpable, private_folder, write_private
from .results import AssignmentResult, CaseResult, Standing, SubmissionResult
from .roster import Submission
from .sandbox import Limits
from .suites import SUITES
from .threads import one_blas_thread
from .zygote import Zygote

ENGINE = Path(__file__).resolve().parent
STOP_SECONDS = 5  # after Ctrl-C, what a grading process gets to close its sandbox before the exit goes on


@dataclass(frozen=True)
class Graded:
    """A student's result; ``reused`` when it came from an earlier run; ``problem`` a grader
    problem met on the way, for staff (a stored result that failed its integrity check)."""

    submission: Submission
    result: SubmissionResult
    reused: bool = False
    problem: str = ""


class SecretError(ValueError):
    """``OUTDIR/secret`` exists but does not hold a course secret (or cannot be read)."""


def course_secret(out: Path, secret: int | None = None) -> int:
    """The course secret: ``secret`` if given, else the one kept in ``out/secret``, else a new
    one kept there (mode 0600). Raises :class:`SecretError` for a kept secret that is not a
    non-negative integer or cannot be read."""
    if secret is not None:
        return secret
    kept = Path(out) / "secret"
    if kept.exists() or kept.is_symlink():
        try:
            text = kept.read_text().strip()
            wrong = "" if text.isascii() and text.isdigit() else "does not hold a course secret (one non-negative integer)"
        except (OSError, UnicodeDecodeError) as error:
            wrong = f"cannot be read ({getattr(error, 'strerror', None) or error})"
        if not wrong:
            return int(text)
        raise SecretError(f"{kept} {wrong}: delete it to start over with a new secret (every submission is then graded again), "
                          "or pass the course's secret with --seed")
    value = secrets.randbits(63)
    private_folder(kept.parent)
    write_private(kept, f"{value}\n")
    return value


def student_seed(secret: int, student: str) -> int:
    """The seed of ``student``'s hidden inputs: a hash of the course secret and the id."""
    return int.from_bytes(hashlib.sha256(f"{secret}:{student}".encode()).digest()[:4], "big")


def grade_class(submissions: list[Submission], out: Path, jobs: int, force: bool, assignments: list[str],
                secret: int | None = None, limits: Limits = Limits(), progress=None) -> list[Graded]:
    """Grade ``assignments`` in ``submissions`` with ``jobs`` processes, storing each result under ``out/results``.

    Each grading process (this one at ``jobs`` 1) forks the workers from its own
    :class:`autograder.zygote.Zygote`, stores the results it makes, and runs one BLAS thread,
    as this process does from here on. A submission without an assignment's file scores 0
    on it; ``progress(done, total)`` is called after each submission. Results are returned in the order of ``submissions``.
    A submission that cannot be graded at all (unreadable files) gets score 0 and the reason.
    Raises :class:`SecretError` for a bad ``out/secret``, ``OSError`` when ``out`` cannot be
    written.
    """
    out = Path(out)
    private_folder(out)
    private_folder(out / "results")
    secret = course_secret(out, secret)
    key = _result_key(secret)
    grader = _grader_digest()
    names = tuple(assignments)
    graded, todo = {}, []
    for submission in submissions:
        seed = student_seed(secret, submission.student)
        fingerprint = _fingerprint(submission.path, grader, seed, names)
        stored, problem = (None, "") if force else _load(out, submission.student, fingerprint, key)
        if stored is not None:
            graded[submission.student] = Graded(submission, stored, reused=True)
        else:
            todo.append((submission, seed, fingerprint, problem))
    if progress:
        progress(len(graded), len(submissions))

    def finish(submission, problem, result):
        graded[submission.student] = Graded(submission, result, problem=problem)
        if progress:
            progress(len(graded), len(submissions))

    one_blas_thread()
    if jobs <= 1 or len(todo) <= 1:
        zygote, kept = Zygote(), {}  # kept: grade()'s cache of the visible cases, for this class only
        try:
            for submission, seed, fingerprint, problem in todo:
                finish(submission, problem, _grade_and_store(out, submission, names, seed, fingerprint, limits, key, zygote, kept))
        finally:
            zygote.close()
    else:
        workers = pool(jobs)
        futures = {workers.submit(_grade_and_store, out, submission, names, seed, fingerprint, limits, key): (submission, problem)
                   for submission, seed, fingerprint, problem in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                finish(*futures[future], future.result())
        except BaseException:  # Ctrl-C: stop handing out work and what runs now, at once; what finished is stored
            workers.shutdown(wait=False, cancel_futures=True)
            running = multiprocessing.active_children()
            for process in running:
                process.terminate()  # _pool_worker's handler: the grading in progress unwinds, its sandbox is closed
            for process in running:
                process.join(STOP_SECONDS)
            raise
        workers.shutdown()
    return [graded[submission.student] for submission in submissions]


def pool(jobs: int) -> concurrent.futures.ProcessPoolExecutor:
    """The class's grading processes, forked by a fork server: the server and each process
    non-dumpable, like the grader (student code of the same uid can neither read their
    memory nor ptrace them, nor write into their pipes through /proc). The server makes
    itself so as it starts (its preload); the initializer covers a server started earlier."""
    return concurrent.futures.ProcessPoolExecutor(jobs, mp_context=forkserver.context(), initializer=_pool_worker)


class _Stopped(SystemExit):
    """The parent stopped the pool (Ctrl-C). A SystemExit, so that an idle process exits quietly."""


def _pool_worker() -> None:
    """A grading process starts non-dumpable; Ctrl-C is the parent's to handle (it stops the
    pool), and SIGTERM, the parent's stop, unwinds the grading in progress (closing its sandbox,
    removing its temporary folders; :func:`_grade_one` then exits) instead of killing the process outright."""
    def stop(number, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not interrupt the clean-up
        raise _Stopped(128 + number)

    global _resident
    not_dumpable()
    one_blas_thread()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    _resident = Zygote()


# a grading process's zygote, which forks the workers of every submission it grades (made by
# _pool_worker; its zygote process ends with the grading process)
_resident: Zygote | None = None
_KEPT: dict = {}  # a pool process's cache of the visible cases: the process, and so the cache, lives for one class


def _grade_and_store(out: Path, submission: Submission, assignments: tuple, seed: int, fingerprint: str, limits: Limits,
                     key: bytes, zygote: Zygote | None = None, kept: dict | None = None) -> SubmissionResult:
    """Grade a submission with workers forked by ``zygote`` and grade()'s cache ``kept`` (by
    default, this grading process's) and store its signed result, in the process that graded
    it: the parent only collects."""
    result = _grade_one(submission.path, assignments, seed, limits, zygote or _resident, _KEPT if kept is None else kept)
    _store(out, submission.student, fingerprint, result, key)
    return result


def _grade_one(path: Path, assignments: tuple, seed: int, limits: Limits, zygote: Zygote, kept: dict) -> SubmissionResult:
    """grade(), except that nothing escapes: an unreadable submission scores 0 with the reason."""
    try:
        return grade(path, list(assignments), seed=seed, limits=limits, spawner=zygote, cache=kept)
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


def _result_key(secret: int) -> bytes:
    """The HMAC key of stored results: the course secret, kept apart from the students' seeds."""
    return hashlib.sha256(f"dlgrade stored result:{secret}".encode()).digest()


def _mac(key: bytes, record: dict) -> str:
    """HMAC-SHA256 of a record (without its ``hmac``) as JSON gives it back, in a canonical
    form: the same before it is stored and after it is read back."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _store(out: Path, student: str, fingerprint: str, result: SubmissionResult, key: bytes) -> None:
    record = json.loads(json.dumps({"student": student, "fingerprint": fingerprint, "result": result_to_dict(result)}, default=_plain))
    record["hmac"] = _mac(key, record)
    write_private(out / "results" / f"{file_name(student)}.json", json.dumps(record))


def _load(out: Path, student: str, fingerprint: str, key: bytes) -> tuple[SubmissionResult | None, str]:
    """``(result, "")`` for ``student``'s stored result if it was made from the same inputs and
    its HMAC holds; ``(None, "")`` if there is none, or it was made from other inputs;
    ``(None, problem)`` if it fails its integrity check (unreadable, edited, forged)."""
    path = out / "results" / f"{file_name(student)}.json"
    problem = f"results/{path.name} failed its integrity check: regraded"
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError):  # truncated, garbled, unreadable
        return None, problem
    if not isinstance(record, dict):
        return None, problem
    if record.get("fingerprint") != fingerprint:  # other files, grader or seed: graded again anyway
        return None, ""
    mac = record.pop("hmac", None)
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(key, record)) or record.get("student") != student:
        return None, problem
    try:
        return result_from_dict(record["result"]), ""
    except (KeyError, TypeError, AttributeError):  # signed with the course's key, yet not a result
        return None, problem


def result_to_dict(value):
    """``dataclasses.asdict(value)`` without its deep copy of every leaf (a result's are
    immutable, or plain numbers): dataclasses as dicts of their fields, tuples as lists."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: result_to_dict(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, (tuple, list)):
        return [result_to_dict(item) for item in value]
    if isinstance(value, dict):
        return {key: result_to_dict(item) for key, item in value.items()}
    return value


def result_from_dict(data: dict) -> SubmissionResult:
    """The inverse of :func:`result_to_dict` on a :class:`SubmissionResult`."""
    assignments = tuple(
        AssignmentResult(**{**assignment, "cases": tuple(CaseResult(**case) for case in assignment["cases"]),
                            "leaderboard": tuple(Standing(**standing) for standing in assignment.get("leaderboard", ()))})
        for assignment in data["assignments"]
    )
    return SubmissionResult(**{**data, "assignments": assignments, "staff": tuple(data["staff"])})


def _plain(value):
    """JSON for the numpy scalars a result may hold."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


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
