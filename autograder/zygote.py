"""Class mode's workers, forked from a resident parent instead of started one by one.

A worker's start is mostly Python's and numpy's (about 90 ms, numpy 55 ms of it). A
:class:`Zygote` keeps one process that has done that once (``zygote_worker.py``, started like
a worker: ``python -I -S -B``, the worker's stripped environment, a folder of its own holding
only the worker's files and numpy's link, no student code ever) and asks it, over a UNIX
socket, to fork each submission's worker. The fork then applies everything per submission
before any student code runs: its own session, descriptors, folder, environment, limits,
Landlock (its own ``engine/`` and ``work/``) and seccomp (its own pid), and sends the same
hello frame as a spawned worker, so every guarantee of :mod:`autograder.confine` holds
alike. It is a :class:`autograder.sandbox.Sandbox` ``spawner``.

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

from .sandbox import Limits, install_engine, worker_arguments, worker_environment

ANSWER_SECONDS = 30.0  # the zygote answers at once; this bounds a zygote that hangs


class ZygoteError(OSError):
    """The zygote could not be started or stopped answering."""


class Zygote:
    """A resident parent that forks workers; started on first use, replaced if it dies.

    Not for a worker that runs as another user (``Limits.user``): the zygote runs as the
    grader (class mode). Call :meth:`close` when done (it also ends when this process does).
    """

    def __init__(self):
        self._process = None
        self._channel = None
        self.folder = None  # the running zygote's
        self._retired = []  # every zygote's folder, for close()

    def start(self, engine: Path, work: Path, limits: Limits, printed) -> ForkedWorker:
        """Fork a worker for ``engine/`` and ``work/`` under ``limits``, its output to the file
        ``printed`` (the :class:`autograder.sandbox.Spawner` interface). A zygote that
        stopped answering is replaced once; ``ZygoteError`` if the new one fails too."""
        if limits.user is not None:
            raise ValueError("a zygote's workers run as the grader's user: spawn workers that switch users")
        for attempt in range(2):
            if self._channel is None or self._process.poll() is not None:
                self._launch()
            request_read, request_fd = os.pipe()
            response_fd, response_write = os.pipe()
            try:
                answer, fds = self.ask({"op": "fork", "engine": str(engine), "work": str(work),
                                        "environment": worker_environment(home=work), "arguments": worker_arguments(limits)},
                                       [request_read, response_write, printed.fileno()])
            except ZygoteError:
                os.close(request_fd)
                os.close(response_fd)
                if attempt:
                    raise
                continue
            finally:
                os.close(request_read)
                os.close(response_write)
            return ForkedWorker(self, self._process, answer["pid"], fds[0], request_fd, response_fd)

    def ask(self, request: dict, fds: list = ()) -> tuple[dict, list]:
        """Send ``request`` (with ``fds``), return the zygote's answer and the descriptors it
        sent; ``ZygoteError`` if it is gone, silent or answers with an error."""
        if self._channel is None:
            raise ZygoteError("the zygote is not running")
        try:
            socket.send_fds(self._channel, [json.dumps(request).encode()], list(fds))
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

    def close(self) -> None:
        """Stop the zygote (it kills the workers it still has) and remove its folders."""
        self._retire()
        for folder in self._retired:
            shutil.rmtree(folder, ignore_errors=True)
        self._retired = []

    def _retire(self) -> None:
        """Stop the zygote, which kills its workers and removes its folder as it exits. The
        folder of a zygote that died (killed) is left to :meth:`close`: a worker it forked may
        still be running, and reaches numpy through that folder."""
        if self._channel is not None:
            self._channel.close()  # the zygote's cue to kill its workers, remove its folder and exit
            self._channel = None
        if self._process is not None:
            try:
                self._process.wait(ANSWER_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def _launch(self) -> None:
        self._retire()
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
    """A worker forked by a :class:`Zygote`: the ``subprocess.Popen`` interface the sandbox uses."""

    def __init__(self, zygote: Zygote, parent: subprocess.Popen, pid: int, pidfd: int, request_fd: int, response_fd: int):
        self.zygote, self.parent, self.pid, self.pidfd = zygote, parent, pid, pidfd
        self.request_fd, self.response_fd = request_fd, response_fd
        self.returncode = None

    def poll(self) -> int | None:
        """The exit status if the worker ended (negative: killed by that signal), else ``None``."""
        if self.returncode is None and select.select([self.pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the worker to end; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        if self.returncode is None:
            if not select.select([self.pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            self._ended()
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the worker's process group and the worker; the zygote reaps it."""
        if self.pidfd < 0:
            return
        try:
            answer, _ = self._ask("kill")
            self.returncode = answer["code"]
        except ZygoteError:  # the zygote died: the pidfd still names this worker, and no other
            if not select.select([self.pidfd], [], [], 0)[0]:  # alive, so its group is still its own
                _ignore_gone(os.killpg, self.pid)
            _ignore_gone(signal.pidfd_send_signal, self.pidfd)
            select.select([self.pidfd], [], [])
            if self.returncode is None:
                self.returncode = -signal.SIGKILL
        os.close(self.pidfd)
        self.pidfd = -1

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
