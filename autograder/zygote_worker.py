"""The resident parent of class mode's workers: numpy imported once, each worker forked from it.

Started by :class:`autograder.zygote.Zygote` like a worker (``python -I -S -B -u
engine/zygote_worker.py SOCKET_FD``, the worker's stripped environment, in a folder of its own
that holds only the worker's files and ``lib/numpy``) and never imports student code. It does
once what every worker would do alike: import numpy and the worker's modules
(:func:`worker.prepare`) and ``numpy.random`` (reseeded in each worker), drop every
capability, set no-new-privileges and work out what Landlock lets every worker read
(:func:`confine.readable_roots`); it then freezes the garbage collector's view of all that,
so a worker's collections do not copy the pages it shares. Then it answers the
grader on the UNIX socket ``SOCKET_FD`` (``SOCK_SEQPACKET``: one JSON message per request,
descriptors passed with ``SCM_RIGHTS``), one request at a time:

- ``{"op": "fork", "work", "environment", "arguments"}`` with three descriptors
  (the worker's request pipe to read, its response pipe to write, the file its output goes
  to): forks a worker for that sandbox and answers ``{"pid": PID}`` with a pidfd of it. The
  worker applies everything per submission itself, before any student code runs: a new
  session, stdin /dev/null and stdout/stderr the output file, every other descriptor closed
  (this socket too), the sandbox's ``work/`` as its folder, the sandbox's environment, then
  :func:`worker.serve` (limits, Landlock and seccomp for this process's ``engine/``, which it
  reads, and its own ``work/``, the hello frame) exactly as a spawned worker does;
- ``{"op": "status", "pid"}`` (asked once the pidfd says the worker ended): ``{"code": C}``,
  its exit status as ``subprocess`` gives it (negative: killed by that signal), not reaped;
- ``{"op": "kill", "pid"}``: SIGKILL its process group and it, answer ``{"code": C}`` (its
  exit status if it had ended, else -SIGKILL), then reap it before reading the next request
  (the grader need not wait for the exit). A worker is reaped only here, so its pid, and the
  group it leads, cannot be reused while the grader may still signal them.

When the grader's end closes, every worker still running is killed, the folder removed, and
this process exits. This module uses only the standard library and the worker's files.
"""

import gc
import json
import os
import shutil
import signal
import socket
import sys
import traceback

ENGINE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ENGINE)  # started with -I: the script's own folder is not on the path
import worker  # noqa: E402


def main() -> None:
    channel = socket.socket(fileno=int(sys.argv[1]))
    worker.prepare(ENGINE)
    import numpy.random  # noqa: F401 - imported on demand, by every plan with a random generator: once, here

    import confine

    confine.drop_capabilities()  # inherited by every worker (each drops them again, to report it)
    confine.no_new_privileges()
    confine.readable_roots()  # the same for every worker: found once, here, inherited with the rest
    gc.freeze()  # what is here lives as long as every worker: no collection needs to walk it
    workers = set()
    try:
        while True:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 16, 3)
            if not message:  # the grader is gone
                return
            request = json.loads(message)
            try:
                answer, handed = answer_request(request, fds, channel, workers)
            finally:
                for fd in fds:
                    os.close(fd)
            socket.send_fds(channel, [json.dumps(answer).encode()], handed)
            for fd in handed:
                os.close(fd)
            if request["op"] == "kill" and "error" not in answer:
                os.waitpid(request["pid"], 0)
    finally:
        for pid in workers:
            _kill(pid)
            os.waitpid(pid, 0)
        shutil.rmtree(os.path.dirname(ENGINE), ignore_errors=True)


def answer_request(request: dict, fds: list, channel: socket.socket, workers: set) -> tuple[dict, list]:
    """The answer to one request and the descriptors that go with it."""
    if request["op"] == "fork":
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the worker)
            _become_worker(request, fds, channel)
        workers.add(pid)
        return {"pid": pid}, [os.pidfd_open(pid)]
    pid = request["pid"]
    if pid not in workers:
        return {"error": f"{pid} is not a worker of this process"}, []
    if request["op"] == "status":
        return {"code": _status(pid, 0)}, []
    workers.discard(pid)
    code = _status(pid, os.WNOHANG)
    _kill(pid)
    return {"code": -signal.SIGKILL if code is None else code}, []


def _status(pid: int, flags: int) -> int | None:
    """The exit status of worker ``pid`` as ``subprocess`` gives it (negative: killed by that
    signal), not reaped; waits for its end unless ``flags`` has ``WNOHANG`` (then None if it runs)."""
    ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | flags)
    if ended is None:
        return None
    return ended.si_status if ended.si_code == os.CLD_EXITED else -ended.si_status


def _kill(pid: int) -> None:
    """SIGKILL the worker's group (what it started) and the worker (a group not yet made)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _become_worker(request: dict, fds: list, channel: socket.socket) -> None:
    """In the forked child: take on the submission's session, descriptors, folder and
    environment, then serve as its worker. Never returns."""
    try:
        os.setsid()
        request_fd, response_fd, printed = fds
        channel.detach()  # closed below with the rest; the object must not close a reused number later
        os.dup2(printed, 1)
        os.dup2(printed, 2)
        low = 3
        for keep in sorted((request_fd, response_fd)):
            os.closerange(low, keep)
            low = keep + 1
        os.closerange(low, os.sysconf("SC_OPEN_MAX"))
        work = request["work"]
        os.chdir(work)
        os.environ.clear()
        os.environ.update(request["environment"])
        sys.argv = [os.path.join(ENGINE, "worker.py"), str(request_fd), str(response_fd), *map(str, request["arguments"])]
        sys.path[:] = [ENGINE, os.path.join(ENGINE, "lib"), *(p for p in sys.path if not p.startswith(os.path.dirname(ENGINE) + os.sep))]
        worker.FOLDER = work
        sys.modules["numpy"].random.seed()  # numpy's global generator: the worker's own, not the zygote's stream
        *limits, confinement = request["arguments"]
        worker.serve(request_fd, response_fd, *limits, confinement)
        code = 0
    except BaseException:
        traceback.print_exc()
        code = 1
    os._exit(code)


if __name__ == "__main__":
    main()
