"""Workers forked from a resident parent instead of started one by one.

A worker's start is mostly Python's and numpy's (about 90 ms, numpy 55 ms of it, on a fast
machine; 150 ms and more on a slow one). Class mode forks every submission's workers from
one parent per grading process; ``dlgrade grade`` launches its parent before it imports
numpy and the engine itself, so that the two start-ups overlap. A
:class:`Zygote` keeps one process that has done that once (``zygote_worker.py``, started like
a worker: ``python -I -S -B``, the worker's stripped environment, a folder of its own holding
only the worker's files and numpy's link, no student code ever) and asks it, over a UNIX
socket, to fork each submission's worker. The fork then applies everything per submission
before any student code runs: its own session, descriptors, folder, environment, limits,
Landlock (the zygote's ``engine/`` to read, its own ``work/``) and seccomp (its own pid), and
sends the same hello frame as a spawned worker, so every guarantee of :mod:`autograder.confine`
holds alike. It is a :class:`autograder.sandbox.Sandbox` ``spawner``. Its workers run from
the zygote's own ``engine/`` (a spawned worker, from a copy in its sandbox): no copy to make
and remove per submission, which on ext4 cost a third of class mode's CPU.

The zygote reaps a worker only when the grader kills it (:meth:`ForkedWorker.kill`), so its
pid and process group stay the worker's while the grader may signal them; the grader learns
that a worker ended from a pidfd the zygote hands over. A zygote that died is replaced at
the next start; its workers still running are killed through their pidfds.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .spawn import SPAWN, Spawner, install_engine, worker_arguments, worker_environment

if TYPE_CHECKING:  # the sandbox imports numpy, which this module must not: see the docstring
    from .sandbox import Limits

ANSWER_SECONDS = 30.0  # the zygote answers at once; this bounds a zygote that hangs


class ZygoteError(OSError):
    """The zygote could not be started or stopped answering."""


class Zygote:
    """A resident parent that forks workers; started by :meth:`launch` or on first use,
    replaced if it dies. After two forks in a row that fail (the zygote could not start, died
    or refused), workers are spawned instead, one process each (``fallback``): only slower.

    Not for a worker that runs as another user (``Limits.user``): the zygote runs as the
    grader. Call :meth:`close` when done (it also ends when this process does).
    """

    def __init__(self, fallback: Spawner = SPAWN):
        self._process = None
        self._channel = None
        self.folder = None  # the running zygote's
        self._retired = []  # every zygote's folder, for close()
        self._live = 0  # the running zygote's workers (asked for) not yet killed through it
        self._owed = []  # workers asked for whose answer is still to be read, in the order asked
        self._failures = 0  # forks that failed in a row
        self.fallback = fallback

    def launch(self) -> None:
        """Start the zygote now, unless it runs, without waiting for it: its Python and numpy
        start-up then overlaps whatever this process does next."""
        if self._channel is None or self._process.poll() is not None:
            self._launch()

    def start(self, work: Path, limits: Limits, printed):
        """Ask for a worker for the sandbox folder ``work/`` under ``limits``, its output to the
        file ``printed`` (the :class:`autograder.spawn.Spawner` interface), without waiting: the
        handle reads the zygote's answer when first used, so the fork (and a zygote's start-up)
        overlaps what the grader does meanwhile. The worker runs from the zygote's ``engine/``,
        which it may read, never change. A fork that fails leaves a handle whose worker
        has ended, which the sandbox replaces; after two in a row, ``fallback`` starts this
        worker and every later one."""
        if limits.user is not None:
            raise ValueError("a zygote's workers run as the grader's user: spawn workers that switch users")
        if self._failures >= 2:
            return self.fallback.start(work, limits, printed)
        self.launch()
        request_read, request_fd = os.pipe()
        response_fd, response_write = os.pipe()
        worker = ForkedWorker(self, self._process, request_fd, response_fd)
        try:  # answers come in the order asked: one still owed to an earlier worker is read first, when needed
            self._send({"op": "fork", "work": str(work),
                        "environment": worker_environment(home=work), "arguments": worker_arguments(limits)},
                       [request_read, response_write, printed.fileno()])
            self._owed.append(worker)
            self._live += 1
        except ZygoteError:
            worker.failed()
            self._failures += 1
        finally:
            os.close(request_read)
            os.close(response_write)
        return worker

    def ask(self, request: dict, fds: list = ()) -> tuple[dict, list]:
        """Send ``request`` (with ``fds``), return the zygote's answer and the descriptors it
        sent; ``ZygoteError`` if it is gone, silent or answers with an error."""
        self._settle()
        self._send(request, fds)
        return self._receive()

    def close(self) -> None:
        """Stop the zygote (it kills the workers it still has) and remove its folders."""
        self._retire()
        for folder in self._retired:
            shutil.rmtree(folder, ignore_errors=True)
        self._retired = []

    def _settle(self, worker: ForkedWorker | None = None) -> None:
        """Read the answers owed to fork requests, in order, up to ``worker``'s (all by default)."""
        while self._owed:
            owed = self._owed.pop(0)
            try:
                answer, fds = self._receive()
            except ZygoteError:  # refused, or the zygote is gone (then every answer still owed is)
                owed.failed()
                self._live -= 1
                self._failures += 1
            else:
                owed.forked(answer["pid"], fds[0])
                self._failures = 0
            if owed is worker:
                return

    def _send(self, request: dict, fds: list) -> None:
        if self._channel is None:
            raise ZygoteError("the zygote is not running")
        try:
            socket.send_fds(self._channel, [json.dumps(request).encode()], list(fds))
        except OSError as error:
            self._retire()
            raise ZygoteError(f"the zygote did not take a request: {error}") from error

    def _receive(self) -> tuple[dict, list]:
        try:
            message, received, _, _ = socket.recv_fds(self._channel, 1 << 16, 1)
        except OSError as error:  # a broken socket, or no answer in time: no later answer can be trusted to match
            self._retire()
            raise ZygoteError(f"the zygote did not answer: {error}") from error
        if not message:
            self._retire()
            raise ZygoteError("the zygote is gone")
        answer = json.loads(message)
        if "error" in answer:
            for fd in received:
                os.close(fd)
            raise ZygoteError(answer["error"])
        return answer, received

    def _retire(self) -> None:
        """Stop the zygote, which kills its workers and removes its folder as it exits. The
        folder of a zygote that died (killed) is left to :meth:`close`: a worker it forked may
        still be running, and reaches numpy through that folder. A zygote with no worker left
        is killed outright: nothing to wait for (the end of its start-up, its exit), and
        :meth:`close` removes its folder. A fork it still owes an answer fails."""
        for owed in self._owed:
            owed.failed()
        self._owed = []
        if self._channel is not None:
            self._channel.close()  # the zygote's cue to kill its workers, remove its folder and exit
            self._channel = None
        if self._process is not None and not self._live:
            self._process.kill()
        if self._process is not None:
            try:
                self._process.wait(ANSWER_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def _launch(self) -> None:
        self._retire()
        self._live = 0
        self.folder = Path(tempfile.mkdtemp(prefix="dlgrade-zygote-"))
        self._retired.append(self.folder)
        engine = self.folder / "engine"
        engine.mkdir()
        install_engine(engine)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", "-u", str(engine / "zygote_worker.py"), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                cwd=self.folder, env=worker_environment(home=self.folder), start_new_session=True)
        ours.settimeout(ANSWER_SECONDS)
        self._channel = ours


class ForkedWorker:
    """A worker asked of a :class:`Zygote`: the ``subprocess.Popen`` interface the sandbox uses.

    Its ``pid`` is known once the zygote's answer is read (by the first :meth:`poll`,
    :meth:`wait` or :meth:`kill`); a worker that could not be forked has ended then, with
    status -SIGKILL, and was never anything to kill.
    """

    def __init__(self, zygote: Zygote, parent: subprocess.Popen, request_fd: int, response_fd: int):
        self.zygote, self.parent = zygote, parent
        self.request_fd, self.response_fd = request_fd, response_fd
        self.pid, self.pidfd, self.returncode = None, -1, None
        self._answered = False

    def forked(self, pid: int, pidfd: int) -> None:
        """The zygote's answer: the worker runs as ``pid``, and ``pidfd`` refers to it."""
        self.pid, self.pidfd, self._answered = pid, pidfd, True

    def failed(self) -> None:
        """The zygote's answer: no worker (the zygote refused or died)."""
        self.returncode, self._answered = -signal.SIGKILL, True

    def poll(self) -> int | None:
        """The exit status if the worker ended (negative: killed by that signal), else ``None``."""
        if self._forked() and self.returncode is None and select.select([self.pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the worker to end; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        if self._forked() and self.returncode is None:
            if not select.select([self.pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            self._ended()
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the worker's process group and the worker; the zygote reaps it."""
        if not self._forked() or self.pidfd < 0:
            return
        try:
            answer, _ = self._ask("kill")
            self.returncode = answer["code"]
            self.zygote._live -= 1
        except ZygoteError:  # the zygote died: the pidfd still names this worker, and no other
            if not select.select([self.pidfd], [], [], 0)[0]:  # alive, so its group is still its own
                _ignore_gone(os.killpg, self.pid)
            _ignore_gone(signal.pidfd_send_signal, self.pidfd)
            select.select([self.pidfd], [], [])
            if self.returncode is None:
                self.returncode = -signal.SIGKILL
        os.close(self.pidfd)
        self.pidfd = -1

    def _forked(self) -> bool:
        """Whether the zygote forked this worker, its answer read now if still owed."""
        if not self._answered:
            self.zygote._settle(self)
        return self.pid is not None

    def _ended(self) -> None:
        try:
            self.returncode = self._ask("status")[0]["code"]
        except ZygoteError:  # its parent died with its status: say how it ended, as far as known
            self.returncode = -signal.SIGKILL

    def _ask(self, op: str) -> tuple[dict, list]:
        """Ask this worker's zygote about it; ``ZygoteError`` once that zygote was replaced
        (its successor's workers may come to hold the same pid)."""
        if self.zygote._process is not self.parent:
            raise ZygoteError("the zygote that forked this worker is gone")
        return self.zygote.ask({"op": op, "pid": self.pid})


def _ignore_gone(kill, target: int) -> None:
    """SIGKILL ``target`` with ``kill``; a process already gone is no error."""
    try:
        kill(target, signal.SIGKILL)
    except ProcessLookupError:
        pass
