"""Class mode's forked workers (autograder/zygote.py, autograder/zygote_worker.py).

A forked worker must be what a spawned one is: the same isolation layers, environment, folder
and descriptors; it must not reach the zygote that forked it nor a classmate's worker forked
beside it; and a zygote that dies must cost no submission its grade. The escape table of
test_confine.py runs on forked workers too; the attack corpus (test_attacks.py) grades its
class with --jobs 2, whose workers are forked.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
import time
from pathlib import Path

import pytest

from autograder import batch
from autograder.grade import grade
from autograder.plan import Call, Plan
from autograder.sandbox import Limits, Sandbox
from autograder.zygote import Zygote
from submissions import REFERENCE

pytestmark = [pytest.mark.engine, pytest.mark.classgrade]

PROBE = '''
import os, stat, sys
import numpy as np


def describe():
    """What a worker can tell about itself."""
    kinds = {}
    for fd in range(256):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        kinds[fd] = "fifo" if stat.S_ISFIFO(mode) else "file" if stat.S_ISREG(mode) else "char" if stat.S_ISCHR(mode) else "other"
    return {"pid": os.getpid(), "parent": os.getppid(), "session": os.getsid(0) == os.getpid(), "cwd": os.getcwd(),
            "environment": dict(os.environ), "path": sys.path[:3], "descriptors": sorted(kinds.values()),
            "zygote": sys.modules["__main__"].__file__, "random": float(np.random.rand())}


def attempt(table):
    outcomes = {}
    for label, expression in table.items():
        try:
            outcomes[label] = "ok: " + repr(eval(expression))[:100]
        except BaseException as error:
            outcomes[label] = type(error).__name__
    return outcomes


def wait():
    import time
    time.sleep(60)
'''


@pytest.fixture
def zygote():
    resident = Zygote()
    yield resident
    resident.close()


def student(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name / "probe.py"
    path.parent.mkdir()
    path.write_text(PROBE)
    return path


def call(sandbox: Sandbox, function: str, *args):
    """The value ``probe.function(*args)`` returned in the sandbox's worker."""
    step = Call(function, *args)
    outcome = sandbox.run("probe", Plan([step], {"out": step.out}))
    assert outcome.status == "ok", outcome
    return outcome.value["outputs"]["out"]


def ended(pid: int) -> bool:
    """Whether process ``pid`` has ended: gone, or a zombie (an orphan whose new parent, this
    container's first process, may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_forked_worker_is_what_a_spawned_one_is(tmp_path, zygote):
    """The same layers, environment (its own folder as HOME), session, folder, path and
    descriptors (stdin, its output file twice, its two pipes); its parent is the zygote."""
    seen = {}
    for how, spawner in (("spawned", None), ("forked", zygote)):
        with Sandbox({"probe": student(tmp_path, how)}, Limits(confinement="required"), spawner) as sandbox:
            seen[how] = call(sandbox, "describe"), sandbox.isolation, sandbox.work
    (spawned, spawned_layers, spawned_work), (forked, forked_layers, forked_work) = seen["spawned"], seen["forked"]
    assert forked_layers == spawned_layers and {"landlock", "seccomp", "capabilities"} <= forked_layers.keys()
    assert "missing" not in forked_layers
    assert forked["cwd"] == str(forked_work) and spawned["cwd"] == str(spawned_work)
    assert forked["environment"] == {**spawned["environment"], "HOME": str(forked_work), "TMPDIR": str(forked_work)}
    assert forked["path"] == [str(forked_work), str(zygote.folder / "engine"), str(zygote.folder / "engine" / "lib")]
    assert spawned["path"] == [str(spawned_work), str(spawned_work.parent / "engine"), str(spawned_work.parent / "engine" / "lib")]
    assert forked["descriptors"] == spawned["descriptors"] == ["char", "fifo", "fifo", "file", "file"]
    assert forked["session"] and spawned["session"]
    assert forked["parent"] == zygote._process.pid and spawned["parent"] == os.getpid()


def test_forked_workers_draw_their_own_random_numbers(tmp_path, zygote):
    """numpy's global generator is seeded in each worker, not inherited from the zygote."""
    draws = set()
    for number in range(3):
        with Sandbox({"probe": student(tmp_path, f"s{number}")}, Limits(), zygote) as sandbox:
            draws.add(call(sandbox, "describe")["random"])
    assert len(draws) == 3


def test_a_forked_worker_reaches_neither_the_zygote_nor_a_classmate(tmp_path, zygote):
    """Two workers forked side by side: neither lists the zygote's folder, changes the engine
    they run from (the zygote's, which they may read), reads or writes the other's work/, nor
    signals or traces the zygote or the other."""
    with Sandbox({"probe": student(tmp_path, "ada")}, Limits(confinement="required"), zygote) as ada, \
            Sandbox({"probe": student(tmp_path, "alan")}, Limits(confinement="required"), zygote) as alan:
        classmate = call(alan, "describe")
        zygote_file = Path(call(ada, "describe")["zygote"])
        assert zygote_file.parent.parent == zygote.folder and zygote_file.exists()
        table = {
            "change the zygote's files": f"open({str(zygote_file)!r}, 'a').write('#')",
            "take the zygote's files": f"os.replace({str(zygote_file)!r}, 'taken.py')",  # into its own work/
            "add to the zygote's engine": f"open({str(zygote_file.parent / 'numpy.py')!r}, 'w').write('#')",
            "list the zygote's folder": f"os.listdir({str(zygote.folder)!r})",
            "read the zygote's environment": f"open('/proc/{classmate['parent']}/environ').read(1)",
            "read a classmate's file": f"open({str(alan.work / 'probe.py')!r}).read(1)",
            "list a classmate's folder": f"os.listdir({str(alan.work)!r})",
            "write a classmate's file": f"open({str(alan.work / 'probe.py')!r}, 'a').write('#')",
            "signal the zygote": "os.kill(os.getppid(), 0)",
            "kill the zygote": "os.kill(os.getppid(), 9)",
            "signal a classmate": f"os.kill({classmate['pid']}, 0)",
            "kill a classmate's group": f"os.killpg({classmate['pid']}, 9)",
            "trace the zygote": "__import__('ctypes').CDLL(None).syscall(101, 16, os.getppid(), 0, 0)",  # PTRACE_ATTACH
        }
        outcomes = call(ada, "attempt", table)
        assert outcomes.pop("trace the zygote") == "ok: -1"
        assert {label: outcome for label, outcome in outcomes.items() if outcome != "PermissionError"} == {}
        assert call(alan, "describe")["pid"] == classmate["pid"]  # alive, and still answering
    assert zygote._process.poll() is None


def test_a_zygote_that_dies_is_replaced_and_its_worker_is_still_killed(tmp_path, zygote):
    """Killed while its worker runs: that worker goes on answering and is killed on close (through
    its pidfd); the next submission gets a new zygote and is graded in full."""
    with Sandbox({"probe": student(tmp_path, "ada")}, Limits(), zygote) as sandbox:
        worker = call(sandbox, "describe")["pid"]
        first = zygote._process.pid
        os.kill(first, signal.SIGKILL)
        zygote._process.wait()
        assert call(sandbox, "describe")["pid"] == worker
    assert ended(worker)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "backprop.py").write_text(REFERENCE)
    result = grade(tmp_path / "bob", ["backprop"], seed=1, limits=Limits(confinement="required"), spawner=zygote)
    assert result.assignments[0].score == 60 and "confined (" in result.isolation
    assert zygote._process.pid != first


def test_a_forked_worker_that_hangs_or_dies_is_told_apart(tmp_path, zygote):
    """A timeout kills the forked worker (and the next request gets a fresh one, forked once the
    zygote has reaped the old); an exit and a signal are reported as for a spawned worker, from
    the status the zygote reaped."""
    path = student(tmp_path, "ada")
    path.write_text(PROBE + "\ndef leave(code):\n    os._exit(code)\n\ndef crash():\n    import ctypes\n    ctypes.string_at(0)\n")
    with Sandbox({"probe": path}, Limits(), zygote) as sandbox:
        hung = call(sandbox, "describe")["pid"]
        step = Call("wait")
        timed_out = sandbox.run("probe", Plan([step], {"out": step.out}), seconds=0.5)
        assert timed_out.status == "timeout"
        outcomes = {}
        for function, args in (("leave", (3,)), ("crash", ())):
            step = Call(function, *args)
            outcomes[function] = sandbox.run("probe", Plan([step], {"out": step.out}))
            assert ended(hung)  # killed, and reaped before the zygote forked the next worker
    assert outcomes["leave"].status == "crashed" and "exited with code 3" in outcomes["leave"].detail
    assert outcomes["crash"].status == "crashed" and "SIGSEGV" in outcomes["crash"].detail


def test_a_closed_zygote_leaves_no_process_and_no_folder(tmp_path):
    """close() ends the zygote and the workers it still had, and removes its folder."""
    zygote = Zygote()
    sandbox = Sandbox({"probe": student(tmp_path, "ada")}, Limits(), zygote)
    worker = call(sandbox, "describe")["pid"]
    process, folder = zygote._process, zygote.folder
    zygote.close()
    assert process.poll() is not None and not folder.exists()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not ended(worker):
        time.sleep(0.05)
    assert ended(worker)
    sandbox.close()


def test_a_fork_the_zygote_cannot_make_costs_nothing_and_two_in_a_row_fall_back_to_spawning(tmp_path, monkeypatch):
    """A zygote that dies before it answers a fork leaves a worker that has ended, which the
    sandbox replaces without blaming the student; after two such forks in a row, workers are
    spawned, and the submission still scores full marks."""
    zygote = Zygote()
    launches = []

    def doomed(self=zygote, launch=Zygote._launch):
        launch(self)
        launches.append(self._process.pid)
        self._process.kill()  # dies at once: it never answers
        self._process.wait()

    monkeypatch.setattr(zygote, "_launch", doomed)
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "backprop.py").write_text(REFERENCE)
    try:
        result = grade(tmp_path / "ada", ["backprop"], seed=1, spawner=zygote)
        assert result.assignments[0].score == 60, result.assignments[0].cases[0].message
        assert len(launches) == 2 and zygote._failures >= 2
        with Sandbox({"probe": student(tmp_path, "bob")}, Limits(), zygote) as sandbox:
            described = call(sandbox, "describe")
        assert described["parent"] == os.getpid()  # spawned by this process, not forked by a zygote
    finally:
        zygote.close()
    assert not any(Path(f"/proc/{pid}").exists() and not ended(pid) for pid in launches)


def test_asking_for_a_worker_does_not_wait_for_the_zygote(tmp_path, zygote):
    """start() sends the fork request and returns; the worker's pid is read from the zygote's
    answer when first needed, and answers owed are read in the order asked."""
    first = zygote.start(tmp_path / "w1", Limits(), open(os.devnull, "wb"))
    assert first.pid is None and zygote._owed == [first]
    with Sandbox({"probe": student(tmp_path, "ada")}, Limits(), zygote) as sandbox:
        described = call(sandbox, "describe")  # asks for a second fork, then reads both answers
        assert first.pid is not None and first.pid != described["pid"]
    first.kill()
    assert first.returncode is not None and zygote._live == 0


def test_a_zygote_with_no_worker_left_is_killed_at_close(tmp_path):
    """Once its workers are killed, close() kills the zygote outright (no wait for its exit)
    and still removes its folder; a zygote launched and never asked for a worker likewise."""
    for asked in (True, False):
        zygote = Zygote()
        zygote.launch()
        if asked:
            with Sandbox({"probe": student(tmp_path, f"ada{asked}")}, Limits(), zygote) as sandbox:
                call(sandbox, "describe")
        process, folder = zygote._process, zygote.folder
        zygote.close()
        assert process.returncode == -signal.SIGKILL and not folder.exists()


def test_a_zygote_refuses_a_worker_user(tmp_path, zygote):
    """Workers that run as another user (Gradescope under root) are spawned, never forked."""
    from autograder.sandbox import WorkerUser

    with pytest.raises(ValueError, match="spawn workers that switch users"):
        zygote.start(tmp_path, Limits(user=WorkerUser(65534, 65534)), None)


def _blas_threads() -> int:
    """OpenBLAS's thread count in this process (numpy's wheels bundle scipy-openblas)."""
    with open("/proc/self/maps") as maps:
        library = next(line.split(maxsplit=5)[5].strip() for line in maps if "openblas" in line.lower())
    return ctypes.CDLL(library).scipy_openblas_get_num_threads64_()


def test_class_grading_stores_each_result_in_the_process_that_graded_it(tmp_path, monkeypatch):
    """With 2 jobs, the pool's processes write (and sign) the stored results, 0600 in a 0700
    folder, and run one BLAS thread, as the grader does from then on; a second run reuses them all."""
    from autograder.roster import roster

    for name in ("ada", "alan", "bob"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "backprop.py").write_text(REFERENCE)
    writers = []
    stored = batch._store
    monkeypatch.setattr(batch, "_store", lambda *args: (writers.append(os.getpid()), stored(*args)))
    submissions = roster(tmp_path / "class")
    graded = batch.grade_class(submissions, tmp_path / "out", jobs=2, force=False, assignments=["backprop"], secret=1)
    assert [entry.result.assignments[0].score for entry in graded] == [60, 60, 60]
    assert writers == []  # not this process: the pool's (whose _store is the module's own)
    results = tmp_path / "out" / "results"
    assert stat.S_IMODE(results.stat().st_mode) == 0o700
    assert sorted(path.name for path in results.iterdir()) == ["ada.json", "alan.json", "bob.json"]
    assert {stat.S_IMODE(path.stat().st_mode) for path in results.iterdir()} == {0o600}
    assert _blas_threads() == 1
    with batch.pool(2) as workers:
        assert {workers.submit(_blas_threads).result() for _ in range(4)} == {1}
    again = batch.grade_class(submissions, tmp_path / "out", jobs=2, force=False, assignments=["backprop"], secret=1)
    assert all(entry.reused for entry in again)
