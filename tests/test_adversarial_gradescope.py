"""Hostile submissions graded end to end by the unpacked autograder's run_autograder: none gains a
point, none breaks the run, results.json is always the grader's own and valid.

tests/test_hostile.py and tests/test_faults.py cover the in-process grader's defences
(forged frames, crashes, hangs, printing, writing into inputs); this module covers the
Gradescope path and what only it adds. To stay fast, many hostile functions share one
submission: each replaces one function of the reference, so the exact set of failed cases
shows that each cost only its own cases and gained nothing. The attacks that need root to
be defeated (reading the references by path, writing results.json, outliving grading) run
when the tests run as root, as CI and Gradescope do, with the worker dropped to a uid
dedicated to it; they are skipped, saying why, otherwise.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from autograder.suites import SUITES
from submissions import calling, reference_source, stub_source
from test_gradescope import ABSENT_USER, AS_ROOT, FAST, NEEDS_PYTHON, NO_USER, ROOT_ONLY, Autograder, built

pytestmark = [pytest.mark.gradescope, NEEDS_PYTHON]

REFERENCE = reference_source("backprop")
BACKPROP = SUITES["backprop"]


def free_uid() -> int:
    """A uid with no user and no process: dedicated to the worker, as setup.sh's user is."""
    used = {entry.pw_uid for entry in pwd.getpwall()}
    running = {os.stat(f"/proc/{pid}").st_uid for pid in os.listdir("/proc") if pid.isdigit() and os.path.exists(f"/proc/{pid}")}
    # drawn at random: two test runs at once must not sweep each other's workers
    return next(uid for uid in random.sample(range(61000, 65000), 4000) if uid not in used and uid not in running)


def processes_of(uid: int) -> list[int]:
    """Live (not zombie) processes running as ``uid``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
            found.append(int(pid))
    return found


@pytest.fixture(scope="module")
def uid():
    return free_uid() if AS_ROOT else None


@pytest.fixture(scope="module")
def autograder(tmp_path_factory, uid):
    """backprop's autograder with small limits; under root, the worker runs as a dedicated uid."""
    config = FAST + (f"\n[autograder]\nworker_user = {uid}\n" if uid else "")
    installed = Autograder(built(tmp_path_factory, config))
    yield installed
    installed.remove()
    if uid:  # should a test have failed halfway
        for pid in processes_of(uid):
            os.kill(pid, 9)


@pytest.fixture
def spy():
    """A folder every user may write to: where hostile code reports what it managed to do."""
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-spy-"))
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def expected_score(lost: set[str]) -> float:
    return BACKPROP.max_score - sum(case.points for case in BACKPROP.cases if case.name in lost)


def failed(results: dict) -> set[str]:
    return {test["name"].removeprefix("backprop: ") for test in results["tests"] if test["status"] == "failed"}


# -- many hostile functions in one submission, as root or not ----------------------------------

HOSTILE = '''

import builtins as _builtins
import ctypes as _ctypes
import os as _os
import signal as _signal
import sys as _sys
import time as _time

_SPY = {spy!r}


def _report(what):
    """Leave a note of who ran what (a grader that ran student code would show up here)."""
    with open(_os.path.join(_SPY, "ran"), "a") as notes:
        notes.write(f"{{what}} uid={{_os.getuid()}} argv0={{_os.path.basename(_sys.argv[0])}}\\n")


def affine_forward(x, w, b):
    # zero the inputs: a grader computing its expected values from these arrays would expect zeros
    x[...] = 0
    w[...] = 0
    b[...] = 0
    return np.zeros((x.shape[0], w.shape[1])), (x, w, b)


class _Liar:
    """Equal to everything; making it an array or pickling it runs code."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, *args, **kwargs):
        _report("__array__")
        return np.zeros(3)

    def __reduce__(self):
        _report("__reduce__")
        return (_os.system, ("true",))


def affine_backward(dout, cache):
    return _Liar(), _Liar(), _Liar()


class _Agreeable(np.ndarray):
    """An array that claims to be close to anything."""

    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    def __abs__(self):
        return np.zeros(self.shape)


def relu_forward(x):
    return (x + 1.0).view(_Agreeable), x


def relu_backward(dout, cache):
    _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
    _time.sleep(100)


def sigmoid(x):
    np.allclose = lambda *args, **kwargs: True
    np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
    np.array_equal = lambda *args, **kwargs: True
    np.testing.assert_allclose = lambda *args, **kwargs: None
    _builtins.abs = lambda value: 0 * value
    return np.zeros_like(x)


def softmax(x):
    _os._exit(0)


def softmax_cross_entropy(scores, y):
    _sys.exit(0)


def logistic_regression_loss(w, b, X, y):
    raise KeyboardInterrupt


def softmax_jacobian(s):
    _ctypes.string_at(0)  # a segmentation fault


def affine_jacobians(x, w):
    for _ in range(3):
        if _os.fork() == 0:
            _time.sleep(30)
            _os._exit(0)
    return np.zeros(1), np.zeros(1)


def chain_rule(J_L_f, J_f_W):
    hoard = []
    while True:
        hoard.append(np.ones(1 << 23))


_quiet_numerical_jacobian = numerical_jacobian


def numerical_jacobian(f, x, h=1e-5):
    # 100 MB of printing, then the right answer: printing costs nothing but the printout
    _sys.stdout.write("x" * 50_000_000)
    try:
        _os.write(1, b"y" * 50_000_000)
    except OSError:
        pass
    return _quiet_numerical_jacobian(f, x, h)
'''
HOSTILE_FUNCTIONS = ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "sigmoid", "softmax",
                     "softmax_cross_entropy", "logistic_regression_loss", "softmax_jacobian", "affine_jacobians", "chain_rule")


def test_hostile_functions_cost_only_their_own_cases(autograder, spy, uid):
    """Lying objects, an ndarray subclass, patched numpy and builtins, exits, a segfault, SIGTERM
    ignored while sleeping, forks, a memory bomb, writing into inputs, 100 MB of printing: each
    function loses exactly its cases, the printing one none; no grader ran student code."""
    autograder.submit({"backprop.py": REFERENCE + HOSTILE.format(spy=str(spy))})
    start = time.perf_counter()
    results, stdout = autograder.run()
    elapsed = time.perf_counter() - start
    # the lying relu_forward leaves x alone, yet computes nothing: that point is withheld too
    lost = calling(*HOSTILE_FUNCTIONS)
    assert failed(results) == lost
    assert calling("numerical_jacobian") - lost, "no case grades numerical_jacobian alone: the printing showed nothing"
    assert results["score"] == expected_score(lost)
    assert all(test["output"] for test in results["tests"] if test["status"] == "failed")
    assert elapsed < 30
    notes = (spy / "ran").read_text().splitlines() if (spy / "ran").exists() else []
    assert all(note.endswith("argv0=worker.py") for note in notes), notes
    if uid:
        assert all(f"uid={uid} " in note for note in notes), notes
        assert processes_of(uid) == [], "the forked children outlived grading"


# -- attacks at import, as root or not -----------------------------------------------------------

@pytest.mark.parametrize("source", [
    "import os\nos._exit(0)\n",
    "import sys\nsys.exit(0)\n",
    "raise SystemExit('bye')\n",
    "raise KeyboardInterrupt\n",
    "import ctypes\nctypes.string_at(0)\n",
], ids=["os._exit", "sys.exit", "SystemExit", "KeyboardInterrupt", "segfault"])
def test_leaving_at_import_scores_zero_and_says_so(autograder, source):
    """A module that exits, is interrupted or crashes at import scores 0, each case saying it could not be imported."""
    autograder.submit({"backprop.py": REFERENCE + "\n" + source})
    results, _ = autograder.run()
    assert results["score"] == 0 and len(results["tests"]) == len(BACKPROP.cases)
    assert all(test["output"].startswith("backprop.py could not be imported") for test in results["tests"])


def test_patching_numpy_and_builtins_at_import_gains_nothing(autograder):
    """The stubs with numpy's comparisons and builtins patched at import still score 0, "not implemented yet"."""
    patches = ("\nimport builtins\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
               "np.testing.assert_allclose = lambda *a, **k: None\nbuiltins.abs = lambda v: 0\nbuiltins.max = lambda *a, **k: 0\n")
    autograder.submit({"backprop.py": stub_source("backprop") + patches})
    results, _ = autograder.run()
    assert results["score"] == 0
    assert all("not implemented yet" in test["output"] for test in results["tests"])


# -- what only dropping privileges defeats (root) ----------------------------------------------

SNOOPING = '''

import importlib.util as _importlib_util
import json as _json
import os as _os
import resource as _resource
import signal as _signal
import time as _time

_ROOT = {root!r}
_REFERENCE = _ROOT + "/source/solutions/backprop.py"


_TRIED = set()


def _try(label, action):
    """Attempt ``action`` once; print what happened (the confined worker can write nowhere the test reads)."""
    if label in _TRIED:
        return
    _TRIED.add(label)
    try:
        outcome = "ok: " + repr(action())[:200]
    except BaseException as error:
        outcome = type(error).__name__
    print("SPY " + _json.dumps([label, outcome]))


def relu_forward(x):
    # cheat: run the reference, read from its file
    try:
        namespace = {{"__name__": "reference"}}
        exec(open(_REFERENCE).read(), namespace)
        return namespace["relu_forward"](x)
    except Exception:
        _try("read the reference", lambda: open(_REFERENCE).read())
        return np.zeros_like(x), x


def affine_jacobians(x, w):
    # cheat: import the reference as a module
    spec = _importlib_util.spec_from_file_location("reference", _REFERENCE)
    try:
        module = _importlib_util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.affine_jacobians(x, w)
    except Exception:
        _try("import the reference", lambda: spec.loader.exec_module(_importlib_util.module_from_spec(spec)))
        return np.zeros(1), np.zeros(1)


def _fork_bomb():
    """Fork until refused; the children wait, holding their place in the process count."""
    children = 0
    try:
        while children < 1000:
            if _os.fork() == 0:
                _time.sleep(60)
                _os._exit(0)
            children += 1
    except OSError as error:
        return f"{{type(error).__name__}} after {{children}}"
    return f"{{children}} children"


def chain_rule(J_L_f, J_f_W):
    grader = _os.getppid()
    _try("uid", _os.getuid)
    _try("own session", lambda: _os.getsid(0) == _os.getpgid(0) == _os.getpid())
    _try("limits", lambda: [_resource.getrlimit(limit) for limit in (_resource.RLIMIT_AS, _resource.RLIMIT_NPROC, _resource.RLIMIT_CPU, _resource.RLIMIT_FSIZE)])
    _try("fork bomb", _fork_bomb)
    _try("read a hidden suite", lambda: open(_ROOT + "/source/autograder/suites/backprop.py").read())
    _try("read the secret seed", lambda: open(_ROOT + "/source/secret_seed").read())
    _try("read the settings", lambda: open(_ROOT + "/source/settings.json").read())
    _try("list the sources", lambda: _os.listdir(_ROOT + "/source"))
    _try("list the submission", lambda: _os.listdir(_ROOT + "/submission"))
    _try("read Gradescope's metadata", lambda: open(_ROOT + "/submission_metadata.json").read())
    _try("write results.json", lambda: open(_ROOT + "/results/results.json", "w").write('{{"score": 1000}}'))
    _try("read the grader's environment", lambda: open(f"/proc/{{grader}}/environ").read())
    _try("list the grader's folder", lambda: _os.listdir(f"/proc/{{grader}}/cwd"))
    _try("read the grader's memory", lambda: open(f"/proc/{{grader}}/mem", "rb").read(1))
    _try("kill the grader", lambda: _os.kill(grader, _signal.SIGKILL))
    return J_L_f @ J_f_W + 1.0


def _background():
    """A process that outlives the call, the worker and grading, overwriting results.json for 5 s."""
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            end = _time.time() + 5
            while _time.time() < end:
                try:
                    with open(_ROOT + "/results/results.json", "w") as forged:
                        forged.write('{{"score": 1000, "tests": []}}')
                except OSError:
                    pass
                _time.sleep(0.01)
        _os._exit(0)


def affine_forward(x, w, b):
    _try("start a background process", _background)
    return x @ w + b, (x, w, b)  # right: the background process is the attack
'''
DENIED = {"read the reference", "import the reference", "read a hidden suite", "read the secret seed", "read the settings",
          "list the sources", "list the submission", "read Gradescope's metadata", "write results.json",
          "read the grader's environment", "list the grader's folder", "read the grader's memory", "kill the grader",
          "start a background process"}


@ROOT_ONLY
def test_worker_cannot_read_the_autograder_write_results_or_outlive_grading(autograder, uid):
    """As a dedicated uid, in its own session, with its limits and confined (seccomp refuses even the first
    fork of a fork bomb), the worker can read neither references, suites, seed nor metadata, cannot touch
    the grader or results.json, and cannot start a background process."""
    (autograder.root / "submission_metadata.json").write_text('{"users": [{"email": "student@example.edu"}]}')
    autograder.submit({"backprop.py": REFERENCE + SNOOPING.format(root=str(autograder.root))})
    results, stdout = autograder.run()
    time.sleep(0.3)  # a background process would write within 10 ms
    written = json.loads((autograder.root / "results" / "results.json").read_text())
    log = dict(json.loads(line) for line in re.findall(r"^  \| SPY (.*)$", stdout, re.MULTILINE))
    assert log.pop("uid") == f"ok: {uid}"
    assert log.pop("own session") == "ok: True"
    memory, output = 512 << 20, (64 << 10) + (1 << 20)  # FAST's memory_mb; output_kb's default plus the worker's slack
    assert log.pop("limits") == f"ok: {[(memory, memory), (32, 32), (601, 602), (output, output)]!r}"
    assert log.pop("fork bomb") == "ok: 'PermissionError after 0'", "seccomp did not refuse the first fork"
    assert set(log) == DENIED
    assert {label: outcome for label, outcome in log.items() if outcome not in ("PermissionError", "ProcessLookupError")} == {}, log
    assert written == results
    assert processes_of(uid) == []
    # relu_forward's zeros leave x unchanged but compute nothing: that point is withheld too
    lost = calling("relu_forward", "affine_jacobians", "chain_rule")
    assert failed(results) == lost
    assert results["score"] == expected_score(lost)


@ROOT_ONLY
def test_missing_worker_user_falls_back_to_nobody(tmp_path_factory):
    """Without setup.sh's user the worker runs as nobody (65534) in a folder it owns, and still grades the reference to full marks."""
    installed = Autograder(built(tmp_path_factory, FAST + "\n" + NO_USER))
    probe = '''

import os as _os


def _whoami():
    print(f"WHO {_os.getuid()} {_os.stat(_os.getcwd()).st_uid} {_os.access(_os.getcwd(), _os.W_OK)}")


_whoami()
'''
    try:
        installed.submit({"backprop.py": REFERENCE + probe})
        results, stdout = installed.run()
    finally:
        installed.remove()
    assert "  | WHO 65534 65534 True" in stdout
    assert f"the worker runs as uid 65534 (no user '{ABSENT_USER}': run setup.sh)" in stdout
    assert results["score"] == BACKPROP.max_score
