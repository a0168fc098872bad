"""The worker: the only process that runs student code.

Started by :mod:`autograder.sandbox` as
``python -I -S -B -u engine/worker.py REQUEST_FD RESPONSE_FD MEMORY_BYTES OUTPUT_BYTES PROCESSES CPU_SECONDS CONFINEMENT``
(under root, possibly already as an unprivileged user) in the sandbox's ``work/`` folder, which
holds the student's files; ``engine/`` holds this file, :mod:`wire`, :mod:`plan`, :mod:`probes`,
:mod:`confine` and ``lib/numpy``, nothing else: neither the reference solutions, the suites nor
the installed ``autograder`` package are on its path. Once numpy is imported and its limits are
set, it confines itself (:func:`confine.confine`) and says which layers are in effect in its
first frame, ``{"id": 0, "isolation": {...}}``; with CONFINEMENT ``required`` it exits with
status 77 instead, before any student code runs, if Landlock or seccomp could not be applied.
It answers requests one at a time, on its own
pipes:

- ``{"id": N, "op": "load", "module": NAME}``: import ``NAME.py`` from the folder;
  one answer;
- ``{"id": N, "op": "run", "module": NAME, "plans": [PLAN, ...]}``: execute the plans on that
  module one after another, answering each as soon as it is done (its answer also carries
  ``"case": K``, the plan's position). Before each call it writes an 8-byte
  :func:`wire.marker` ``(K, STEP)``, no frame, so that the grader knows which call hung
  when it times out.

Every answer echoes the request's ``id`` and is ``{"ok": True, ...}`` or
``{"ok": False, "error": {...}}``, plain data only. The grader enforces the wall-clock
timeout of each plan by killing this process; the worker limits its own memory (an oversized
allocation raises ``MemoryError`` in the student's code), what the student may print, its
CPU time and (when ``PROCESSES`` > 0) how many processes its user may have. 0 means no limit.

In class mode the worker is not started but forked, by :mod:`zygote_worker`, which has run
:func:`prepare` once; the fork takes on the sandbox's folder, environment and pipes and calls
:func:`serve`, so limits, confinement and the hello frame are the same as above.
"""

import importlib.util
import io
import os
import resource
import signal
import sys
import traceback
import warnings

ENGINE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.getcwd()  # work/: the student's files
UNCONFINED_EXIT = 77  # sandbox.UNCONFINED_EXIT: this file cannot import the grader's modules


class CappedOutput(io.TextIOBase):
    """stdout and stderr for student code: the first ``budget[0]`` bytes are kept, the rest dropped.

    Dropping, not raising: a student who prints a lot loses nothing but the printout.
    """

    def __init__(self, fd: int, budget: list):
        self.fd, self.budget = fd, budget

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = str(text).encode("utf-8", "replace")[: max(self.budget[0], 0)]
        if data:
            self.budget[0] -= len(data)
            try:
                os.write(self.fd, data)
            except OSError:
                self.budget[0] = 0
        return len(text)


def main() -> None:
    prepare(ENGINE)
    serve(*(int(arg) for arg in sys.argv[1:7]), sys.argv[7])


def prepare(engine: str) -> None:
    """Import what every worker needs, from ``engine`` and its ``lib/numpy`` (started with -S:
    no site-packages). Before the limits: numpy's own start-up is not the student's budget.
    A resident parent (:mod:`zygote_worker`) does this once for the workers it forks."""
    sys.path[:0] = [engine, os.path.join(engine, "lib")]
    import numpy  # noqa: F401

    import confine  # noqa: F401
    import plan  # noqa: F401
    import probes  # noqa: F401
    import wire  # noqa: F401


def serve(request_fd: int, response_fd: int, memory: int, output: int, processes: int, cpu_seconds: int, confinement: str) -> None:
    """Set the limits, confine this process to ``ENGINE`` and ``FOLDER``, say hello and answer
    requests until the grader closes the request pipe (after :func:`prepare`)."""
    import numpy as np

    import confine
    import plan
    import probes
    import wire

    sys.path.insert(0, FOLDER)  # the student's modules may import each other

    budget = [output]
    sys.stdout, sys.stderr = CappedOutput(1, budget), CappedOutput(2, budget)
    # writes past the file-size limit fail with EFBIG instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (output + (1 << 20), output + (1 << 20)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if processes > 0:  # a fork bomb fails with an error instead of filling the machine
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if cpu_seconds > 0:  # SIGXCPU at the soft limit, SIGKILL a second later; inherited by children
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    layers = {} if confinement == "none" else confine.confine(ENGINE, FOLDER)
    if confinement == "required" and not {"landlock", "seccomp"} <= layers.keys():
        os.write(2, f"dlgrade worker: refusing to run student code unconfined: {layers.get('missing')}\n".encode())
        os._exit(UNCONFINED_EXIT)
    wire.send(response_fd, wire.encode({"id": 0, "isolation": layers}))
    modules = {}
    while True:
        try:
            request = wire.decode(wire.receive(request_fd))
        except EOFError:
            return
        number = request["id"]
        if request["op"] == "load":
            answer(response_fd, {"id": number}, lambda: load(request["module"], modules), wire)
            continue
        for case, the_plan in enumerate(request["plans"]):
            def started(step, case=case):
                os.write(response_fd, wire.marker(case, step))

            answer(response_fd, {"id": number, "case": case},
                   lambda: run(request["module"], the_plan, modules, plan, probes, np, started), wire)


def answer(response_fd: int, label: dict, work, wire) -> None:
    """Send the answer ``work()`` gives, with ``label`` (the request's id, the plan's position),
    whatever student code broke on the way: answer rather than die."""
    try:
        result = work()
    except BaseException as error:
        result = {"ok": False, "error": describe(error, note="The grader's worker failed while handling your code's results.")}
    try:
        payload = wire.encode({**result, **label})
    except BaseException as error:  # a returned value that cannot even be described
        payload = wire.encode({"ok": False, **label, "error": describe(error, note="Your results could not be sent back to the grader.")})
    wire.send(response_fd, payload)


def load(name: str, modules: dict) -> dict:
    """Import the student's ``NAME.py``; report the error the way the student would see it."""
    path = os.path.join(FOLDER, name + ".py")
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        return {"ok": False, "error": describe(error)}
    modules[name] = module
    return {"ok": True}


def run(name: str, the_plan, modules: dict, plan, probes, np, started) -> dict:
    """Execute a plan against a loaded module, recording the warnings it raises;
    ``started(step)`` is called as each call begins."""
    module = modules[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # numpy's default error handling, whatever the student's module set at import
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            try:
                outputs, seconds = plan.execute(the_plan, module, probes, catch=BaseException, before_call=started)
            except plan.StepError as error:
                return {"ok": False, "step": error.step, "function": error.function, "kind": error.kind, "error": describe(error.__cause__)}
    seen = []
    for warning in caught:
        text = str(warning.message)
        if _is_students(os.path.abspath(warning.filename)):
            text += f" ({os.path.basename(warning.filename)}, line {warning.lineno})"
        if [warning.category.__name__, text] not in seen:
            seen.append([warning.category.__name__, text])
    return {"ok": True, "outputs": outputs, "seconds": seconds, "warnings": seen}


def describe(error: BaseException, note: str = "") -> dict:
    """Plain-data description of an exception: its type, message and the student's frames."""
    kind = type(error)
    try:
        message = str(error)
    except BaseException:
        message = "<the exception's message could not be printed>"
    if isinstance(error, SyntaxError):
        lines = traceback.format_exception_only(kind, error)
        text = "".join(lines).replace(FOLDER + os.sep, "")
    else:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_students(frame.filename)]
        for frame in frames:
            frame.filename = os.path.basename(frame.filename)
        if isinstance(error, MemoryError) and not message:  # Python's own MemoryError says nothing
            message = _memory_explained(frames)
        text = "".join(traceback.format_list(frames[-4:]))
        text += f"{kind.__name__}: {message}" if message else kind.__name__
    return {"type": kind.__name__, "mro": [base.__name__ for base in kind.__mro__], "message": message[:2000], "traceback": text[-4000:], "note": note}


def _memory_explained(frames: list) -> str:
    """What a bare MemoryError means, and where the student's code was when it happened."""
    where = f" (at {frames[-1].filename} line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
    return (f"it asked for more memory than that{where}. Look for an array far larger than the inputs, "
            "such as an (N, N) product where (N,) was meant, or a list that keeps growing in a loop")


def _is_students(filename: str) -> bool:
    """Whether a traceback frame is in the student's own files (not the worker's, not numpy's)."""
    return os.path.dirname(filename) == FOLDER


if __name__ == "__main__":
    main()
