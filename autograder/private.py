"""What the grader keeps to itself: its memory, and the files and folders it writes.

- :func:`not_dumpable` makes the calling process non-dumpable (Linux ``PR_SET_DUMPABLE`` 0):
  a process of the same uid without ``CAP_SYS_PTRACE`` (student code in the worker, which
  runs as the caller outside Gradescope) can then neither ptrace it nor open its
  ``/proc/<pid>/mem``, ``environ``, ``fd`` and the like, which the kernel hands to root.
  A process that execs a program is dumpable again, so the worker is unaffected.
- :func:`private_folder`, :func:`write_private` and :func:`private_file` create folders 0700
  and files 0600 from the start, whatever the umask: references, the course secret, grades
  and feedback are never readable by other users, not even while they are written.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

_PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 3, 4


def _prctl(option: int, value: int = 0) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    answer = libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    if answer < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl({option}): {os.strerror(error)}")
    return answer


def not_dumpable() -> None:
    """Make this process non-dumpable (Linux); elsewhere do nothing. Raises ``OSError`` if prctl fails."""
    if sys.platform.startswith("linux"):
        _prctl(_PR_SET_DUMPABLE, 0)


def dumpable() -> bool | None:
    """Whether this process is dumpable (Linux); ``None`` elsewhere."""
    return bool(_prctl(_PR_GET_DUMPABLE)) if sys.platform.startswith("linux") else None


def private_folder(path: Path) -> None:
    """Create ``path`` (and missing parents) with mode 0700; an existing folder of ours is made 0700.

    A folder owned by someone else is left as it is (it is not ours to change). Raises
    ``OSError`` when ``path`` cannot be made a folder (a file is in the way, no permission).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from None
    status = os.stat(path)
    if status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) != 0o700:
        os.chmod(path, 0o700)


@contextmanager
def private_file(path: Path):
    """Yield a binary file open for writing at ``path``, created (or truncated) with mode 0600.

    The mode is set on the open descriptor before anything is written, so no other user can
    open the file even for an instant; a symlink at ``path`` is refused (``OSError``).
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT; the umask may have narrowed a new one
        stream = os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        yield stream


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, so that a reader (or a killed run) never sees half of it."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with private_file(partial) as stream:
            stream.write(data.encode() if isinstance(data, str) else data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
