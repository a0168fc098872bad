"""The worker's confinement (autograder/confine.py): each layer refuses what it should, numpy keeps working.

Every check runs student-like code inside a real worker (a Sandbox), which reports each attempt's
outcome as its return value: the confined worker can write nowhere the test could read. Where a
layer is missing (a container whose seccomp profile refuses Landlock's system calls, simulated
here with a filter of our own), local grading says so in one line, class grading refuses unless
told, and Gradescope grades anyway, naming the layers in effect.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder import confine
from autograder.plan import Call, Plan
from autograder.sandbox import UNCONFINED_EXIT, Limits, Sandbox
from autograder.zygote import Zygote
from submissions import reference_source

pytestmark = pytest.mark.engine
REPO = Path(__file__).resolve().parent.parent

# each attempt: a label and an expression; the worker evaluates them and returns what happened
ATTEMPTS = {
    # what must work
    "numpy and BLAS": "float((np.linalg.inv(np.eye(50) + 1) @ np.ones(50)).sum())",
    "a thread": "(lambda t: (t.start(), t.join(), 'joined')[2])(__import__('threading').Thread(target=lambda: None))",
    "import a stdlib module not yet imported": "str(__import__('fractions').Fraction(1, 3))",
    "read its own file": "len(open('backprop.py').read()) > 0",
    "append to its own file": "open('backprop.py', 'a').write('')",
    "urandom": "len(__import__('os').urandom(8))",
    "signal itself": "__import__('os').kill(__import__('os').getpid(), 0)",
    # what must not
    "read the references": "open(SOLUTIONS).read(1)",
    "list /": "__import__('os').listdir('/')",
    "read the grader's environment": "open(f'/proc/{__import__(\"os\").getppid()}/environ').read(1)",
    "read the grader's memory": "open(f'/proc/{__import__(\"os\").getppid()}/mem', 'rb').read(1)",
    "read its own maps": "open('/proc/self/maps').read(1)",
    "create a file": "open('new.txt', 'w').write('x')",
    "write outside": "open(OUTSIDE, 'w').write('x')",
    "rewrite the worker": "open(__import__('sys').modules['wire'].__file__, 'a').write('#')",
    "fork": "__import__('os').fork()",
    "exec": "__import__('os').execv('/bin/true', ['true'])",
    "tcp socket": "__import__('socket').socket()",
    "udp socket": "__import__('socket').socket(__import__('socket').AF_INET, __import__('socket').SOCK_DGRAM)",
    "signal the grader": "__import__('os').kill(__import__('os').getppid(), 0)",
    "signal its group": "__import__('os').kill(0, 0)",
    "signal everyone": "__import__('os').kill(-1, 0)",
    "ptrace the grader": "ptrace(16, __import__('os').getppid())",  # PTRACE_ATTACH
    "TIOCSTI": "__import__('fcntl').ioctl(1, 0x5412, b'x')",
    "unshare": "syscall(272, 0x10000000)",  # CLONE_NEWUSER
    "io_uring_setup": "syscall(425, 1, 0)",
    "bpf": "syscall(321, 0, 0, 0)",
    "memfd_create": "syscall(319, b'x', 0)",
    "raise its memory limit": "__import__('resource').setrlimit(__import__('resource').RLIMIT_AS, (-1, -1))",
    "renice the grader": "__import__('os').setpriority(__import__('os').PRIO_PROCESS, __import__('os').getppid(), 19)",
    "open /dev/tty": "open('/dev/tty', 'w')",
}
WORKS = ["numpy and BLAS", "a thread", "import a stdlib module not yet imported", "read its own file",
         "append to its own file", "urandom", "signal itself"]

PROBE = '''
import ctypes as _ctypes

_libc = _ctypes.CDLL(None, use_errno=True)
SOLUTIONS = {solutions!r}
OUTSIDE = {outside!r}


def syscall(*args):
    result = _libc.syscall(*args)
    if result < 0:
        raise OSError(_ctypes.get_errno(), "refused")
    return result


def ptrace(request, pid):
    return syscall(101, request, pid, 0, 0)


def attempts(table):
    import numpy as np
    outcomes = {{}}
    for label, expression in table.items():
        try:
            outcomes[label] = "ok: " + repr(eval(expression, {{**globals(), "np": np}}))[:100]
        except BaseException as error:
            outcomes[label] = type(error).__name__ + ": " + str(error)[:100]
    return outcomes
'''


def attempt_all(tmp_path: Path, limits: Limits = Limits(), labels=tuple(ATTEMPTS), spawner=None, table=ATTEMPTS) -> tuple[dict, dict]:
    """Run the attempts ``labels`` of ``table`` in one worker (started by ``spawner``, default a
    fresh process); (outcome by label, the layers the worker reported)."""
    outside = tmp_path / "outside.txt"
    student = tmp_path / "backprop.py"
    student.write_text(PROBE.format(solutions=str(REPO / "solutions" / "backprop.py"), outside=str(outside)))
    call = Call("attempts", {label: table[label] for label in labels})
    with Sandbox({"backprop": student}, limits, spawner) as sandbox:
        outcome = sandbox.run("backprop", Plan([call], {"out": call.out}))
        layers = sandbox.isolation
    assert outcome.status == "ok", outcome
    assert not outside.exists()
    return outcome.value["outputs"]["out"], layers


@pytest.fixture(params=["spawned", "forked"])
def spawner(request):
    """How the worker starts: a fresh process (every path) or forked from a zygote (class mode)."""
    if request.param == "spawned":
        yield None
        return
    zygote = Zygote()
    yield zygote
    zygote.close()


def test_confined_worker_runs_numpy_and_refuses_every_escape(tmp_path, spawner):
    """numpy, threads, stdlib imports and its own files work; reading, writing, processes, sockets,
    signals, ptrace, TIOCSTI, namespaces and kernel interfaces beyond its own are refused, for a
    spawned worker and a forked one alike (whose parent is the zygote, not the grader: the grader is
    attacked by pid)."""
    grader = os.getpid()
    table = {**ATTEMPTS,
             "signal the grading process": f"__import__('os').kill({grader}, 0)",
             "read the grading process's environment": f"open('/proc/{grader}/environ').read(1)",
             "ptrace the grading process": f"ptrace(16, {grader})"}
    outcomes, layers = attempt_all(tmp_path, spawner=spawner, table=table, labels=tuple(table))
    assert {"landlock", "seccomp", "capabilities"} <= layers.keys() and "missing" not in layers, layers
    assert {label: outcome for label, outcome in outcomes.items() if label in WORKS and not outcome.startswith("ok")} == {}
    escaped = {label: outcome for label, outcome in outcomes.items()
               if label not in WORKS and not outcome.startswith(("PermissionError", "OSError: [Errno 1]", "ValueError: not allowed"))}
    assert escaped == {}, escaped


def test_unconfined_worker_is_what_the_layers_stop(tmp_path, spawner):
    """Without confinement (what a machine lacking both layers gets) the same attempts succeed:
    the confined test above shows the layers at work, not a sandbox that blocks anyway."""
    harmless = ("read the references", "list /", "read the grader's environment", "create a file", "tcp socket", "signal the grader")
    outcomes, layers = attempt_all(tmp_path, Limits(confinement="none"), harmless, spawner)
    assert layers == {}
    assert {label: outcome for label, outcome in outcomes.items() if not outcome.startswith("ok")} == {}


def test_clone3_answers_enosys_so_threads_fall_back():
    """clone3 cannot be inspected by a filter (its flags sit behind a pointer): the filter answers ENOSYS."""
    code = confine._bpf_filter(12345)
    program = [struct.unpack("=HBBI", code[i:i + 8]) for i in range(0, len(code), 8)]
    enosys = [i for i, (op, _, _, k) in enumerate(program) if op == 0x06 and k == confine.SECCOMP_RET_ERRNO | confine.ENOSYS]
    assert len(enosys) == 1 and program[enosys[0] - 1] == (0x15, 0, 1, confine.SYS_CLONE3)
    assert len(program) < 4096  # the kernel's limit for one filter


# -- where a layer is missing -------------------------------------------------------------------

# A parent that makes Landlock's system calls answer ENOSYS for itself and every process it starts,
# as a container's seccomp profile can, then runs the dlgrade command line.
WITHOUT_LANDLOCK = textwrap.dedent('''
    import struct, sys
    from autograder import confine
    LD, JEQ, RET = 0x20, 0x15, 0x06
    program = [(LD, 0, 0, 0)]
    for nr in (444, 445, 446):
        program += [(JEQ, 0, 1, nr), (RET, 0, 0, confine.SECCOMP_RET_ERRNO | confine.ENOSYS)]
    program.append((RET, 0, 0, confine.SECCOMP_RET_ALLOW))
    confine.install_seccomp(b"".join(struct.pack("=HBBI", *op) for op in program))
    assert confine.landlock_abi() == 0
    from autograder.cli import main
    sys.exit(main(sys.argv[1:]))
''')


def dlgrade_without_landlock(*arguments, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_LANDLOCK, *map(str, arguments)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def a_class(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    for student in ("ada", "alan"):
        (folder / student).mkdir(parents=True)
        (folder / student / "backprop.py").write_text(reference_source("backprop"))
    return folder


def test_local_grading_says_in_one_line_that_confinement_is_missing(tmp_path):
    """dlgrade grade still grades, and its isolation line names what is missing."""
    (tmp_path / "backprop.py").write_text(reference_source("backprop"))
    run = dlgrade_without_landlock("grade", tmp_path / "backprop.py", "--seed", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    isolation = [line for line in run.stderr.splitlines() if "Isolation:" in line]
    assert len(isolation) == 1 and "NOT fully confined" in isolation[0] and "landlock" in isolation[0], run.stderr
    assert "seccomp" in isolation[0]
    assert "Total: 60 / 60" in run.stdout


def test_class_grading_refuses_without_confinement_unless_told(tmp_path):
    """--class refuses (status 2, one line, the way out named); with --allow-unconfined it grades, warning."""
    folder = a_class(tmp_path)
    refused = dlgrade_without_landlock("grade", folder, "--class", "-a", "backprop", "--out", tmp_path / "out", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--allow-unconfined" in refused.stderr and "Landlock" in refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
    allowed = dlgrade_without_landlock("grade", folder, "--class", "-a", "backprop", "--out", tmp_path / "out",
                                       "--allow-unconfined", "--jobs", "1", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert "NOT confined" in allowed.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3 and all(row.endswith(",60") for row in rows[1:]), rows


@pytest.mark.parametrize("spawner", ["None", "Zygote()"], ids=["spawned", "forked"])
def test_required_confinement_fails_closed(tmp_path, spawner):
    """A worker told confinement is required, where a layer cannot be applied, runs no student code
    (spawned, or forked from a zygote, which applies no per-submission layer itself)."""
    (tmp_path / "backprop.py").write_text("open('ran', 'w').write('student code ran')\n" + reference_source("backprop"))
    script = WITHOUT_LANDLOCK.split("from autograder.cli import main")[0] + textwrap.dedent(f'''
        from pathlib import Path
        from autograder.sandbox import Limits, Sandbox
        from autograder.zygote import Zygote
        spawner = {spawner}
        with Sandbox({{"backprop": Path({str(tmp_path / "backprop.py")!r})}}, Limits(confinement="required"), spawner) as sandbox:
            outcome = sandbox.load("backprop")
            print(outcome.status, "|", outcome.detail)
        if spawner:
            spawner.close()
    ''')
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    status, detail = run.stdout.strip().split(" | ")
    assert status == "crashed" and "could not confine" in detail
    assert not (tmp_path / "ran").exists()
    assert UNCONFINED_EXIT == 77


def test_class_grading_requires_confinement_where_it_is_offered(tmp_path, monkeypatch):
    """Where both layers are offered, class grading asks every worker to fail closed without them."""
    import autograder.cli as cli

    seen = []  # the command imports these when it runs: replaced where it finds them
    monkeypatch.setattr("autograder.batch.grade_class", lambda *args, **kwargs: seen.append(args[6]) or [])
    monkeypatch.setattr("autograder.class_report.write_class_report", lambda *args: None)
    assert cli.main(["grade", str(a_class(tmp_path)), "--class", "-a", "backprop", "--out", str(tmp_path / "out")]) == 0
    assert seen == [Limits(confinement="required")]


def test_confinement_values_are_checked():
    """A Limits with an unknown confinement is a clear error."""
    with pytest.raises(ValueError, match="confinement must be one of"):
        Limits(confinement="maybe")
