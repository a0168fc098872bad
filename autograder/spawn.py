"""How a worker process comes to be: the engine files its folder holds, its environment and
arguments (from its :class:`autograder.sandbox.Limits`), and the plain way to start one, a
fresh process per worker.

Imports neither numpy nor the rest of the engine (nor dataclasses, whose import is slow), so
that ``dlgrade grade`` can start the workers' parent (:mod:`autograder.zygote`) before this
process imports them itself. :mod:`autograder.sandbox` talks to the worker once it runs.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py", "plan.py", "probes.py", "confine.py", "zygote_worker.py")


def worker_environment(home: Path) -> dict:
    """The worker's whole environment: nothing of the grader's (no secrets), one BLAS thread."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home),  # the worker's own folder: under another user, /tmp may be all it could use
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


class Spawner:
    """How a :class:`Sandbox` starts its worker: a fresh ``python -I -S -B`` per worker.

    :meth:`start` is the whole interface (class mode forks workers from a resident parent
    instead: :class:`autograder.zygote.Zygote`).
    """

    def start(self, work: Path, limits, printed) -> SpawnedWorker:
        """Start a worker for the sandbox folder ``work/`` under ``limits``, its output going to
        the file ``printed``; the handle has ``pid``, ``poll``, ``wait``, ``kill`` and the
        grader's ends of its pipes, ``request_fd`` and ``response_fd``. (A spawner that may
        fail to make the worker, a zygote, answers ``pid`` None after ``poll``, which then
        says the worker ended.)

        The worker runs the engine's files from ``engine/`` beside ``work/``, installed for the
        sandbox's first worker (one that replaces it after a fault runs from there again)."""
        engine = work.parent / "engine"
        if not engine.is_dir():
            engine.mkdir()
            install_engine(engine)
        request_read, request_fd = os.pipe()
        response_fd, response_write = os.pipe()
        user = limits.user
        command = [sys.executable, "-I", "-S", "-B", "-u", str(engine / "worker.py"), str(request_read), str(response_write),
                   *map(str, worker_arguments(limits))]
        switch = {} if user is None else {"user": user.uid, "group": user.gid, "extra_groups": []}
        process = subprocess.Popen(
            command,
            pass_fds=(request_read, response_write),
            stdin=subprocess.DEVNULL,
            stdout=printed,
            stderr=printed,
            cwd=work,
            env=worker_environment(home=work),
            start_new_session=True,
            **switch,
        )
        os.close(request_read)
        os.close(response_write)
        return SpawnedWorker(process, request_fd, response_fd)


SPAWN = Spawner()


class SpawnedWorker:
    """A spawned worker: its ``subprocess.Popen``, whose :meth:`kill` takes its process group too."""

    def __init__(self, process: subprocess.Popen, request_fd: int, response_fd: int):
        self.process, self.pid, self.request_fd, self.response_fd = process, process.pid, request_fd, response_fd
        self.poll, self.wait = process.poll, process.wait

    def kill(self) -> None:
        """SIGKILL the worker's process group (the worker and what it started)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def worker_arguments(limits) -> list:
    """What the worker is told after its pipes: MEMORY_BYTES OUTPUT_BYTES PROCESSES CPU_SECONDS CONFINEMENT."""
    # RLIMIT_NPROC counts every process of the uid: meaningful only for a user of the worker's own
    processes = limits.processes if limits.user is not None else 0
    return [limits.memory_bytes, limits.output_bytes, processes, math.ceil(limits.submission_seconds) + 1, limits.confinement]


def install_engine(engine: Path) -> None:
    """Fill the empty folder ``engine`` with the worker's files and ``lib/numpy``."""
    for name in WORKER_FILES:
        _copy_with_bytecode(HERE / name, engine / name)
    _link_numpy(engine / "lib")


def _copy_with_bytecode(source: Path, target: Path) -> None:
    """Copy one of the worker's modules, and its compiled bytecode when this install has it
    (setup.sh compiles it in the Gradescope image, pip at install), so that a worker, which
    writes none (``-B``), need not compile it again at every start.

    The copy keeps the source's modification time, by which Python checks that the bytecode
    is the source's, but not its permissions: the worker's user must read it.
    """
    shutil.copyfile(source, target)
    status = source.stat()
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    compiled = Path(importlib.util.cache_from_source(str(source)))
    if compiled.is_file():  # where the worker (-I: no PYTHONPYCACHEPREFIX) looks for it
        (target.parent / "__pycache__").mkdir(exist_ok=True)
        shutil.copyfile(compiled, target.parent / "__pycache__" / compiled.name)


def _link_numpy(lib: Path) -> None:
    """Give the worker numpy and nothing else of site-packages.

    The worker runs with ``-S`` (no site-packages, no .pth files), so neither the installed
    ``autograder`` package nor an editable install's path hooks can be imported from student
    code; numpy (and the shared libraries its wheel bundles) is linked in on its own.
    """
    lib.mkdir()
    site = _numpy_site()
    for name in ("numpy", "numpy.libs"):
        if (site / name).exists():
            (lib / name).symlink_to(site / name)


@functools.lru_cache(maxsize=1)
def _numpy_site() -> Path:
    """The folder numpy is installed in: found once, without importing numpy (the grader may not have yet)."""
    return Path(importlib.util.find_spec("numpy").origin).resolve().parent.parent
