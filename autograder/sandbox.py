"""The grader's side of the worker: start it, ask it to run plans, survive whatever it does.

One :class:`Sandbox` serves one submission. Its worker process is started ahead of need by
:meth:`Sandbox.start` (or else on first use) and reused for every call; after a timeout, a
crash or a garbled answer it is killed and a fresh one is started for the next request, and
modules are re-imported as needed.
Every request ends in an :class:`Outcome`; nothing the worker does raises in the grader.

Under root (on Gradescope) ``Limits.user`` names the unprivileged user the worker runs as:
its folder is handed to that user, it gets a cap on processes, and when the user is
dedicated to the worker every process it owns is killed with the worker, so nothing the
student started outlives grading.
"""

from __future__ import annotations

import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire
from .spawn import SPAWN

CONFINEMENT = ("required", "best", "none")
BATCH_BYTES = 16 << 20  # the plans of one request: a quarter of the largest frame either side reads
# the worker's exit status when confinement was required and a layer could not be applied
UNCONFINED_EXIT = 77


@dataclass(frozen=True)
class WorkerUser:
    """The unprivileged user the worker runs as when the grader is root.

    ``dedicated`` means no other process ever runs as ``uid`` (the user Gradescope's setup.sh
    creates), so every process of that uid is the worker's or its offspring's and is killed
    with it. A shared uid such as ``nobody`` is not dedicated: only the worker's process
    group is killed.
    """

    uid: int
    gid: int
    dedicated: bool = False


@dataclass(frozen=True)
class Limits:
    """Resource limits: seconds per case (call), per import, and for a whole submission;
    bytes of address space for the worker, and bytes of its printed output kept.

    ``user`` (only when the grader runs as root) is who the worker runs as; then it may have
    at most ``processes`` processes and threads. Its CPU time is capped at the submission's
    time budget either way. ``confinement`` is ``"best"`` (the worker applies every layer of
    :mod:`autograder.confine` the machine offers and grades either way) or ``"required"``
    (a worker that cannot apply Landlock and seccomp exits before any student code runs) or
    ``"none"`` (no confinement: what a machine without either gets; tests of the grader's own
    defences use it).
    """

    call_seconds: float = 10.0
    import_seconds: float = 20.0
    submission_seconds: float = 600.0
    memory_bytes: int = 1 << 30
    output_bytes: int = 64 << 10
    user: WorkerUser | None = None
    processes: int = 32
    confinement: str = "best"

    def __post_init__(self):
        if self.confinement not in CONFINEMENT:
            raise ValueError(f"confinement must be one of {CONFINEMENT}, not {self.confinement!r}")


@dataclass(frozen=True)
class Outcome:
    """What happened to one request.

    ``status`` is ``"ok"`` (``value`` holds the answer's fields), ``"raised"`` (the student's
    code raised: ``value["error"]`` describes it), ``"timeout"``, ``"crashed"`` (the process
    died: ``detail`` says how) or ``"garbled"`` (the answer was not a valid message).
    """

    status: str
    value: dict = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0


class _Timeout(Exception):
    pass


_FAULTS = (_Timeout, EOFError, BrokenPipeError, wire.WireError)  # what ends a request with a fault of the worker's


class Sandbox:
    """A private folder with the student's files, and the worker process that imports them.

    ``files`` maps module names to the student's source files; ``spawner`` starts each worker
    (default: :class:`autograder.spawn.Spawner`, a fresh process). Use as a context manager, or call
    :meth:`close`, which kills the worker and deletes the folder.
    """

    _reader: wire.Reader | None = None  # the answers of the worker _reader_of
    _reader_of = None
    _busy = False  # the worker is still answering a batch's plans

    def __init__(self, files: dict[str, Path], limits: Limits = Limits(), spawner=None):
        if limits.user is not None:
            _check_reachable(limits.user)
        self.limits = limits
        self.spawner = spawner or SPAWN
        self.folder = Path(tempfile.mkdtemp(prefix="dlgrade-"))
        # work/ is the student's; the spawner puts the worker's own code beside it if its
        # workers need a copy (a zygote's forks run from their parent's)
        self.work = self.folder / "work"
        self.work.mkdir(mode=0o700)
        for module, source in files.items():
            shutil.copyfile(source, self.work / f"{module}.py")
        self.folder.chmod(0o755)  # the worker user must reach an engine/ here (mkdtemp made it 0700)
        if limits.user is not None:
            _hand_over(self.work, limits.user)
        self.isolation: dict = {}  # the layers the last worker reported in effect
        self.started = False  # whether a worker was ever asked to do something
        # what student code prints goes to a file, not a pipe: nothing to drain, nothing that
        # a process escaping the worker could keep open to hang the grader
        self._printed = _output_file()
        self._process = None
        self._loaded: set[str] = set()
        self._requests = 0

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start a worker now, unless one is running, without waiting for it to be ready.

        Its start-up (Python, numpy, confinement) then overlaps whatever the grader does next;
        the first request waits for its hello, within that request's time limit.
        """
        if self._process is None:
            self._start()

    def load(self, module: str) -> Outcome:
        """Import the student's module in a worker (a fresh worker if the last one died)."""
        self._discard_dead_worker()
        start = time.perf_counter()
        seconds = self.limits.import_seconds
        try:
            number = self._send({"op": "load", "module": module}, start + seconds)
            answer = self._answer(number, None, 0, start + seconds, [None])
        except _FAULTS as error:
            return self._fault(error, None, seconds, start)
        if answer["ok"]:
            self._loaded.add(module)
        return Outcome("ok" if answer["ok"] else "raised", answer, seconds=time.perf_counter() - start)

    def run(self, module: str, plan, seconds: float | None = None) -> Outcome:
        """Execute a :class:`plan.Plan` on the student's module within ``seconds``: :meth:`run_batch` of one."""
        return next(self.run_batch(module, [plan], [seconds or self.limits.call_seconds]))

    def run_batch(self, module: str, plans: list, seconds: list, deadline: float = math.inf, encoded: list | None = None):
        """Execute :class:`plan.Plan` s on the student's module, many to a request: yield each
        plan's :class:`Outcome`, in order, as the worker answers it.

        Plan ``i`` has ``seconds[i]`` from the moment its outcome is asked for (the next step of
        the iteration), and none begins after ``deadline`` (a ``time.perf_counter()`` time), when
        the iteration ends. ``encoded[i]``, if given, is ``wire.encode(plans[i])``, made once by
        the caller (who decodes it again for a copy of its own). The module is imported first
        if this worker has not imported it yet; an import failure is yielded in place of the
        next plan's outcome and ends the iteration. So does a plan that timed out, crashed or
        garbled its answer (a timeout's ``value["step"]`` is the call that was running,
        ``None`` if none had started): the worker is killed, and what to run next is the
        caller's choice. Closing the iteration early kills a worker still busy with it.
        """
        encoded = [wire.encode(plan) for plan in plans] if encoded is None else encoded
        position, retried = 0, None
        try:
            while position < len(plans):
                self._discard_dead_worker()
                if module not in self._loaded:
                    loaded = self.load(module)
                    if loaded.status != "ok":
                        yield loaded
                        return
                first, end = position, _batch_end(encoded, position)
                for case in range(first, end):
                    start = time.perf_counter()
                    if start >= deadline:
                        return
                    limit, step = min(seconds[case], deadline - start), [None]
                    try:
                        if case == first:
                            number = self._send({"op": "run", "module": module, "plans": [wire.Encoded(payload) for payload in encoded[first:end]]},
                                                start + limit)
                            self._busy = True
                        answer = self._answer(number, case - first, len(plans[case].calls), start + limit, step)
                    except _FAULTS as error:
                        outcome = self._fault(error, step[0], limit, start)
                        # a worker that died before this plan's first call began (a background
                        # thread of an earlier plan dying) is not this plan's fault: it is run
                        # again once, with a fresh worker
                        if outcome.status == "crashed" and step[0] is None and retried != case:
                            retried = position = case
                            break
                        yield outcome
                        return
                    self._busy = case < end - 1
                    yield Outcome("ok" if answer["ok"] else "raised", answer, seconds=time.perf_counter() - start)
                    position = case + 1
        finally:
            if self._busy:  # abandoned half way: the worker would go on with plans nobody reads
                self._kill()
                self._busy = False

    def printed(self) -> str:
        """The start of what the student's code printed (at most ``limits.output_bytes``)."""
        self._printed.seek(0)
        return self._printed.read(self.limits.output_bytes).decode("utf-8", "replace")

    def close(self) -> None:
        """Kill the worker (and, for a dedicated user, everything it left running); remove the folder."""
        self._kill()
        self._sweep()
        self._printed.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- process management -------------------------------------------------------------

    def _start(self) -> None:
        self._process = self.spawner.start(self.work, self.limits, self._printed)
        self._request_fd, self._response_fd = self._process.request_fd, self._process.response_fd
        os.set_blocking(self._request_fd, False)  # sending, too, must respect the deadline
        self._greeted = False

    def _discard_dead_worker(self) -> None:
        """A worker that died between requests (a background thread, say) is replaced, not blamed."""
        if self._process is not None and self._process.poll() is not None:
            self._kill()

    def _kill(self) -> None:
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        os.close(self._request_fd)
        os.close(self._response_fd)
        self._process = None
        self._loaded = set()
        self._sweep()

    def _sweep(self) -> None:
        """Kill every process of a dedicated worker user: children that left the process group."""
        user = self.limits.user
        if user is not None and user.dedicated:
            kill_user(user.uid, user.gid)

    def _waiter(self, fd: int, deadline: float, writing: bool = False):
        """A ``wait()`` for :mod:`wire`: returns once ``fd`` is ready, raises ``_Timeout`` at ``deadline``."""
        def wait() -> None:
            left = deadline - time.perf_counter()
            if left <= 0:  # select() refuses a negative timeout: a deadline that has passed is a timeout
                raise _Timeout
            ready = select.select([], [fd], [], left) if writing else select.select([fd], [], [], left)
            if not any(ready):
                raise _Timeout

        return wait

    def _send(self, message: dict, deadline: float) -> int:
        """Send ``message`` to the worker (started, and its first frame read, if need be); its number."""
        if self._busy:  # still answering an abandoned batch
            self._kill()
            self._busy = False
        if self._process is None:
            self._start()
            for _ in range(2):  # a worker never made (a fork the zygote refused: no pid) is asked for again, not blamed
                self._process.poll()  # the spawner's answer, read now if still owed
                if self._process.pid is not None:
                    break
                self._kill()
                self._start()  # by the second, the spawner has fallen back to one that makes it
        self.started = True
        if self._reader_of is not self._process:  # nothing read from an earlier worker is kept
            self._reader, self._reader_of = wire.Reader(self._response_fd), self._process
        if not self._greeted:  # sent before any student code ran: the one frame trusted as is
            frame = self._reader.next(self._waiter(self._response_fd, deadline))
            hello = wire.decode(frame) if isinstance(frame, bytes) else None
            if not (isinstance(hello, dict) and hello.get("id") == 0 and isinstance(hello.get("isolation"), dict)):
                raise wire.WireError("the worker did not start as expected")
            self.isolation, self._greeted = {str(k): str(v) for k, v in hello["isolation"].items()}, True
        self._requests += 1
        wire.send(self._request_fd, wire.encode({**message, "id": self._requests}), self._waiter(self._request_fd, deadline, True))
        return self._requests

    def _answer(self, number: int, case: int | None, calls: int, deadline: float, step: list) -> dict:
        """The answer to request ``number``: to its plan ``case`` (of ``calls`` calls), or to a load
        (``case`` None), by ``deadline``. ``step[0]`` is kept at the call the worker last said it started.

        Student code runs in the worker and can write to its pipe: frames and markers left over
        from what was answered already are passed over, anything else out of turn is garbled.
        """
        wait = self._waiter(self._response_fd, deadline)
        while True:
            frame = self._reader.next(wait)
            if isinstance(frame, tuple):
                marked, started = frame
                if case is not None and marked < case:
                    continue
                if marked != case or not 0 <= started < calls:
                    raise wire.WireError("a progress report for a call the plan does not have")
                step[0] = started
                continue
            answer = wire.decode(frame)
            label = (answer.get("id"), answer.get("case", None)) if isinstance(answer, dict) else None
            if label is not None and type(label[0]) is int and (label[0] < number or (
                    label[0] == number and case is not None and type(label[1]) is int and label[1] < case)):
                continue
            if label is None or label[0] != number or not (label[1] is None if case is None else type(label[1]) is int and label[1] == case):
                raise wire.WireError("an answer to another request")
            if not _well_formed(answer, "load" if case is None else "run"):
                raise wire.WireError("the answer is not a well-formed result")
            return answer

    def _fault(self, error: Exception, step: int | None, seconds: float, start: float) -> Outcome:
        """The outcome of a request (or plan) that ``error`` cut short, after it had ``seconds``
        from ``start``; the worker is killed (the next request starts a fresh one)."""
        self._busy = False
        if isinstance(error, _Timeout):
            self._kill()
            return Outcome("timeout", {"step": step}, f"no answer within {seconds:g} s", seconds)
        if isinstance(error, (EOFError, BrokenPipeError)):
            try:
                code = self._process.wait(timeout=1)
            except subprocess.TimeoutExpired:  # it closed its pipe but lives on
                code = None
            self._kill()
            return Outcome("crashed", {"step": step}, _exit_reason(code), time.perf_counter() - start)
        self._kill()
        return Outcome("garbled", {"step": step}, str(error), time.perf_counter() - start)


def _output_file():
    """An empty file, open for reading and writing, that is gone once closed: in memory where
    the system allows (Linux's memfd, bounded like any file by the worker's RLIMIT_FSIZE), so
    that no file is made and removed on disk per sandbox; a temporary file elsewhere."""
    if hasattr(os, "memfd_create"):
        return open(os.memfd_create("dlgrade-printed", os.MFD_CLOEXEC), "w+b")
    return tempfile.TemporaryFile()


def _batch_end(encoded: list, first: int) -> int:
    """Where the request that starts with plan ``first`` ends: as many plans as fit in
    :data:`BATCH_BYTES`, one at least (a frame holds up to ``wire.MAX_FRAME``)."""
    end, size = first + 1, len(encoded[first])
    while end < len(encoded) and size + len(encoded[end]) <= BATCH_BYTES:
        size += len(encoded[end])
        end += 1
    return end


def isolation_line(layers: dict, limits: Limits) -> str:
    """One line on how the worker ran: its confinement layers (as the worker reported them) and limits."""
    confined = [layers[name] for name in ("landlock", "seccomp", "capabilities") if name in layers]
    who = f"as uid {limits.user.uid}, " if limits.user is not None else ""
    bounds = f"{limits.call_seconds:g} s per case, {limits.memory_bytes >> 20} MB"
    if "landlock" in layers and "seccomp" in layers:
        return f"Isolation: student code ran confined ({', '.join(confined)}), {who}in its own session and folder, {bounds}."
    missing = layers.get("missing", "no confinement asked for") if layers else "no confinement asked for"
    return (f"Isolation: student code ran NOT fully confined ({', '.join(confined) or 'no layer'} in effect; missing: {missing}), "
            f"{who}in its own session and folder, {bounds}: it could read what your user can read. "
            "Grade untrusted code on Linux 5.13+ with Landlock enabled (x86_64).")


def _well_formed(answer: dict, op: str) -> bool:
    """Whether an answer has the fields, of the types, that the grader reads.

    Student code runs in the worker and can write to its pipe: nothing is taken on trust.
    """
    if not isinstance(answer.get("ok"), bool):
        return False
    if answer["ok"]:
        if op == "load":
            return True
        seconds, warnings = answer.get("seconds"), answer.get("warnings")
        return (isinstance(answer.get("outputs"), dict) and isinstance(seconds, float) and 0 <= seconds < 1e9
                and isinstance(warnings, list) and all(isinstance(w, list) and len(w) == 2 and all(isinstance(t, str) for t in w) for w in warnings))
    error = answer.get("error")
    if not isinstance(error, dict) or not all(isinstance(error.get(key), str) for key in ("type", "message", "traceback", "note")):
        return False
    if not isinstance(error.get("mro"), list) or not all(isinstance(name, str) for name in error["mro"]):
        return False
    if "kind" in answer:
        return answer["kind"] in ("raised", "missing", "unpack", "probe") and isinstance(answer.get("step"), int) and isinstance(answer.get("function"), str)
    return True


def kill_user(uid: int, gid: int) -> None:
    """SIGKILL every process running as ``uid`` (the grader must be root; ``uid`` must not be 0).

    A child takes on ``uid`` and calls ``kill(-1, SIGKILL)``, which reaches every process that
    uid may signal, that is all of its own, in one system call: a fork bomb cannot outrun it.
    """
    if uid == 0:
        raise ValueError("refusing to kill every process of root")
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _allowed(path: Path, user: WorkerUser, bits: int) -> bool:
    """Whether ``user`` has the permission ``bits`` (4 read, 2 write, 1 execute) on ``path``."""
    status = os.stat(path)
    shift = 6 if status.st_uid == user.uid else 3 if status.st_gid == user.gid else 0
    return (status.st_mode >> shift) & bits == bits


def _check_reachable(user: WorkerUser) -> None:
    """Raise ``PermissionError`` unless ``user`` can run this Python and read its numpy.

    The worker runs the grader's own interpreter; on Gradescope that is setup.sh's
    /autograder/venv, which the worker user can read, while the grader's sources cannot be.
    """
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    needed = [Path(sys.executable), Path(sys.executable).resolve(), *(site / name for name in ("numpy", "numpy.libs") if (site / name).exists())]
    for path in needed:
        for folder in reversed(path.parents):
            if not _allowed(folder, user, 1):
                raise PermissionError(f"the worker runs as uid {user.uid}, which cannot enter {folder} to reach {path}: "
                                      "install Python and numpy where that user can read them (setup.sh uses /autograder/venv)")
        if not _allowed(path, user, 5):
            raise PermissionError(f"the worker runs as uid {user.uid}, which cannot read {path}")


def _hand_over(folder: Path, user: WorkerUser) -> None:
    """Make ``folder`` and everything in it the worker user's (its private working folder)."""
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, user.uid, user.gid)


def _exit_reason(code) -> str:
    """Describe how the worker process ended, in the student's terms."""
    if code is None:
        return "the Python process running your code stopped answering"
    if code < 0:
        name = signal.Signals(-code).name
        extra = {"SIGSEGV": " (a segmentation fault)", "SIGKILL": " (killed, often for using too much memory)",
                 "SIGXCPU": " (its CPU time limit)"}.get(name, "")
        return f"the Python process running your code was killed by {name}{extra}"
    if code == UNCONFINED_EXIT:
        return ("the grader could not confine the process that runs your code, so it did not run it "
                "(a problem of the grading machine, not of your code: course staff have been told)")
    return f"the Python process running your code exited with code {code} (os._exit or a crash)"
