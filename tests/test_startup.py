"""The grader starts fast: a command imports what it runs, suites load on demand, and the
worker's parent starts before the grader's own imports of numpy, suites and references, so the two overlap.
"""

import importlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.grade import grade
from autograder.sandbox import Limits, Sandbox
from autograder.spawn import WORKER_FILES
from autograder.suites import SUITES, Suites
from submissions import REFERENCE, ROOT, SEED

pytestmark = pytest.mark.engine

DRAWING = {"matplotlib", "nbformat", "rich", "torch"}  # figures, notebooks, colour, the tests' oracle
SUITE_MODULES = sorted(path.stem for path in (ROOT / "autograder" / "suites").glob("*.py") if path.name != "__init__.py")


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (which must not print)."""
    finished = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert finished.returncode == 0, finished.stderr
    return set(json.loads(finished.stdout.splitlines()[-1]))


def tops(modules: set[str]) -> set[str]:
    """The top-level packages of ``modules``."""
    return {name.split(".")[0] for name in modules}


def test_importing_the_command_line_imports_no_suite_and_nothing_heavy():
    """`import autograder.cli`, and listing the suites' names, import no suite module, no numpy, matplotlib, nbformat, rich or torch."""
    modules = imported_after("import autograder.cli\nfrom autograder.suites import SUITES\n"
                             "assert 'backprop' in SUITES and len(list(SUITES)) == len(SUITES) > 10")
    assert not {name for name in modules if name.startswith("autograder.suites.")}
    assert not tops(modules) & (DRAWING | {"numpy"})


def test_grading_one_assignment_imports_its_suite_alone_and_no_drawing_or_colour():
    """`dlgrade grade backprop.py -a backprop` to a pipe imports the backprop suite only, and no matplotlib, nbformat, rich or torch."""
    modules = imported_after("import contextlib, io\nfrom autograder.cli import main\n"
                             "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
                             "    assert main(['grade', 'solutions/backprop.py', '-a', 'backprop', '--seed', '1']) == 0")
    assert {name for name in modules if name.startswith("autograder.suites.")} == {"autograder.suites.backprop"}
    assert not tops(modules) & DRAWING


def test_grading_one_submission_launches_the_workers_parent_before_importing_numpy():
    """`dlgrade grade` launches the zygote (whose Python then imports numpy beside the grader)
    before the grader itself has imported numpy, the engine or a suite; the zygote module and
    what launching needs import none of them."""
    code = ("import contextlib, io, json, sys\nimport autograder.zygote as zygote\nlaunch, seen = zygote.Zygote.launch, []\n"
            "def spy(self):\n    seen.append(sorted(sys.modules))\n    launch(self)\n"
            "zygote.Zygote.launch = spy\nfrom autograder.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            "    assert main(['grade', 'solutions/backprop.py', '-a', 'backprop', '--seed', '1']) == 0\n"
            "print(json.dumps(seen))")
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert finished.returncode == 0, finished.stderr
    launched = set(json.loads(finished.stdout)[0])  # the first launch: grade_one's, ahead of need
    assert "autograder.zygote" in launched and "autograder.spawn" in launched
    assert not {name for name in launched if name == "numpy" or name.startswith(("numpy.", "autograder.suites."))}
    assert not launched & {"autograder.grade", "autograder.sandbox", "autograder.wire", "dataclasses"}


def test_suites_lists_every_assignment_and_gives_each_module_s_suite():
    """SUITES names every module of autograder/suites, in order, and SUITES[name] is that module's own SUITE."""
    assert list(SUITES) == SUITE_MODULES and len(SUITES) == len(SUITE_MODULES)
    for name in SUITE_MODULES:
        assert name in SUITES
        assert SUITES[name] is importlib.import_module(f"autograder.suites.{name}").SUITE
        assert SUITES[name].assignment == name
    assert dict(SUITES.items()) == {name: SUITES[name] for name in SUITE_MODULES}
    assert "nope" not in SUITES
    with pytest.raises(KeyError, match="nope"):
        SUITES["nope"]


def test_a_suite_registered_under_another_name_is_refused(monkeypatch):
    """A module whose SUITE names another assignment is an error naming both, not a suite under the wrong key."""
    monkeypatch.setitem(sys.modules, "autograder.suites.misnamed", type(sys)("autograder.suites.misnamed"))
    sys.modules["autograder.suites.misnamed"].SUITE = SUITES["backprop"]
    with pytest.raises(LookupError, match="autograder.suites.misnamed defines the suite of 'backprop'"):
        Suites(["misnamed"])["misnamed"]


# prepended to a reference: on import, it writes to $CHILDREN the command lines of the grader's children
CHILDREN_AT_IMPORT = """
import os as _os
def _children():
    found = []
    for pid in filter(str.isdigit, _os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline") as cmdline:
                if stat.read().rsplit(")", 1)[1].split()[1] == str(_os.getpid()):
                    found.append(cmdline.read().replace("\\0", " "))
        except OSError:  # gone meanwhile
            pass
    return found
open(_os.environ["CHILDREN"], "w").write("\\n".join(_children()))
"""


def test_the_worker_is_running_before_the_reference_is_imported(tmp_path, monkeypatch):
    """grade() starts the worker first: while the reference is imported, worker.py already runs as a child."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "backprop.py").write_text(CHILDREN_AT_IMPORT + REFERENCE)
    (tmp_path / "backprop.py").write_text(REFERENCE)
    monkeypatch.setenv("CHILDREN", str(tmp_path / "children"))
    result = grade(tmp_path / "backprop.py", ["backprop"], SEED, solutions=solutions)
    assert result.score == SUITES["backprop"].max_score
    assert "worker.py" in (tmp_path / "children").read_text()


def test_a_started_worker_is_waited_for_by_the_first_request_only(tmp_path):
    """start() returns before the worker is ready; it counts as started, with its isolation known, once asked to do something."""
    (tmp_path / "backprop.py").write_text(REFERENCE)
    with Sandbox({"backprop": tmp_path / "backprop.py"}, Limits()) as sandbox:
        sandbox.start()
        first = sandbox._process
        assert first.poll() is None and not sandbox.started and sandbox.isolation == {}
        sandbox.start()  # one worker, not two
        assert sandbox._process is first
        assert sandbox.load("backprop").status == "ok"
        assert sandbox._process is first and sandbox.started and sandbox.isolation


def test_a_grading_without_files_starts_no_worker(tmp_path):
    """A submission with none of the files: no worker process, no isolation line."""
    (tmp_path / "notes.txt").write_text("nothing to grade")
    result = grade(tmp_path, ["backprop"], SEED)
    assert result.score == 0 and result.isolation == ""


# in a fresh process on the install's autograder: for each bytecode file in a sandbox's engine
# folder, its mode, the source mtime and size its header records, and its copied source's
ENGINE_BYTECODE = """
import json
from autograder.sandbox import Sandbox

def stamp(path):
    status = path.stat()
    return list(int(status.st_mtime).to_bytes(4, "little") + status.st_size.to_bytes(4, "little"))

with Sandbox({}) as sandbox:
    sandbox.start()
    engine = sandbox.folder / "engine"
    print(json.dumps({path.name: [path.stat().st_mode & 0o777, list(path.read_bytes()[8:16]),
                                  stamp(engine / (path.name.split(".")[0] + ".py"))]
                      for path in (engine / "__pycache__").iterdir()}))
"""


def test_the_worker_gets_the_engine_s_bytecode_where_the_install_has_it(tmp_path):
    """From a compiled install, the worker's folder holds each module's bytecode, valid for its copy
    (Python checks the source's mtime and size) and readable by all, though the install's is private."""
    install = tmp_path / "install"
    shutil.copytree(ROOT / "autograder", install / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(install / "autograder")], check=True)
    for path in (install / "autograder").rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)  # as setup.sh leaves the Gradescope image's source
    finished = subprocess.run([sys.executable, "-c", ENGINE_BYTECODE], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(install)}, cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    cached = json.loads(finished.stdout)
    assert set(cached) == {f"{name[:-3]}.{sys.implementation.cache_tag}.pyc" for name in WORKER_FILES}
    for mode, header, source in cached.values():
        assert mode & 0o004 and header == source
