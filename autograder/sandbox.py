"""The grader's side of the worker: start it, ask it to run plans, survive whatever it does.

One :class:`Sandbox` serves one submission. Its worker process is started on first use and
reused for every call; after a timeout, a crash or a garbled answer it is killed and a
fresh one is started for the next request, and modules are re-imported as needed.
Every request ends in an :class:`Outcome`; nothing the worker does raises in the grader.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py", "plan.py", "probes.py")


@dataclass(frozen=True)
class Limits:
    """Resource limits for the worker: seconds per request, bytes of address space, output kept."""

    call_seconds: float = 10.0
    import_seconds: float = 20.0
    memory_bytes: int = 1 << 30
    output_bytes: int = 64 << 10


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


def worker_environment(home: Path) -> dict:
    """The worker's whole environment: nothing of the grader's (no secrets), one BLAS thread."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        # one thread per worker: class grading runs one worker per core
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # some CPUs here need them to run numpy
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class _Timeout(Exception):
    pass


class Sandbox:
    """A private folder with the student's files, and the worker process that imports them.

    ``files`` maps module names to the student's source files. Use as a context manager, or
    call :meth:`close`, which kills the worker and deletes the folder.
    """

    def __init__(self, files: dict[str, Path], limits: Limits = Limits()):
        self.limits = limits
        self.folder = Path(tempfile.mkdtemp(prefix="dlgrade-"))
        for name in WORKER_FILES:
            shutil.copyfile(HERE / name, self.folder / name)
        for module, source in files.items():
            shutil.copyfile(source, self.folder / f"{module}.py")
        _link_numpy(self.folder / "lib")
        self._process = None
        self._loaded: set[str] = set()
        self.output = bytearray()  # the start of what student code printed, for staff

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, module: str) -> Outcome:
        """Import the student's module in the worker (a fresh worker if needed)."""
        outcome = self._request({"op": "load", "module": module}, self.limits.import_seconds)
        if outcome.status == "ok":
            self._loaded.add(module)
        return outcome

    def run(self, module: str, plan, seconds: float | None = None) -> Outcome:
        """Execute a :class:`plan.Plan` on the student's module.

        The module is imported first if this worker has not imported it yet; an import
        failure is returned as the outcome.
        """
        if module not in self._loaded or self._process is None:
            loaded = self.load(module)
            if loaded.status != "ok":
                return loaded
        return self._request({"op": "run", "module": module, "plan": plan}, seconds or self.limits.call_seconds)

    def close(self) -> None:
        """Kill the worker and remove the folder."""
        self._kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- process management -------------------------------------------------------------

    def _start(self) -> None:
        request_read, self._request_fd = os.pipe()
        self._response_fd, response_write = os.pipe()
        env = worker_environment(home=self.folder)
        command = [sys.executable, "-I", "-S", "-u", str(self.folder / "worker.py"), str(request_read), str(response_write), str(self.limits.memory_bytes)]
        self._process = subprocess.Popen(
            command,
            pass_fds=(request_read, response_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            env=env,
            start_new_session=True,
        )
        os.close(request_read)
        os.close(response_write)
        self._loaded = set()
        threading.Thread(target=self._drain, args=(self._process.stdout,), daemon=True).start()

    def _drain(self, stream) -> None:
        """Keep the first ``output_bytes`` the student printed; read and drop the rest."""
        try:
            while chunk := stream.read1(1 << 16):
                room = self.limits.output_bytes - len(self.output)
                if room > 0:
                    self.output += chunk[:room]
        except (OSError, ValueError):
            pass

    def _kill(self) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()
        for fd in (self._request_fd, self._response_fd):
            os.close(fd)
        self._process.stdout.close()
        self._process = None

    def _request(self, message: dict, seconds: float) -> Outcome:
        if self._process is None:
            self._start()
        start = time.perf_counter()
        deadline = start + seconds

        def wait() -> None:
            left = deadline - time.perf_counter()
            if left <= 0 or not select.select([self._response_fd], [], [], left)[0]:
                raise _Timeout

        try:
            wire.send(self._request_fd, wire.encode(message))
            answer = wire.decode(wire.receive(self._response_fd, wait))
            if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
                raise wire.WireError("the answer is not a result")
        except _Timeout:
            self._kill()
            return Outcome("timeout", detail=f"no answer within {seconds:g} s", seconds=seconds)
        except (EOFError, BrokenPipeError):
            code = self._process.wait(timeout=5) if self._process else None
            self._kill()
            return Outcome("crashed", detail=_exit_reason(code), seconds=time.perf_counter() - start)
        except wire.WireError as error:
            self._kill()
            return Outcome("garbled", detail=str(error), seconds=time.perf_counter() - start)
        elapsed = time.perf_counter() - start
        return Outcome("ok" if answer["ok"] else "raised", answer, seconds=elapsed)


def _link_numpy(lib: Path) -> None:
    """Give the worker numpy and nothing else of site-packages.

    The worker runs with ``-S`` (no site-packages, no .pth files), so neither the installed
    ``autograder`` package nor an editable install's path hooks can be imported from student
    code; numpy (and the shared libraries its wheel bundles) is linked in on its own.
    """
    import numpy

    lib.mkdir()
    site = Path(numpy.__file__).resolve().parent.parent
    for name in ("numpy", "numpy.libs"):
        if (site / name).exists():
            (lib / name).symlink_to(site / name)


def _exit_reason(code) -> str:
    """Describe how the worker process ended, in the student's terms."""
    if code is None:
        return "the Python process running your code stopped answering"
    if code < 0:
        name = signal.Signals(-code).name
        extra = {"SIGSEGV": " (a segmentation fault)", "SIGKILL": " (killed, often for using too much memory)"}.get(name, "")
        return f"the Python process running your code was killed by {name}{extra}"
    return f"the Python process running your code exited with code {code} (os._exit or a crash)"
