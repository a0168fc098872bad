"""Gradescope: build ``autograder.zip``, and grade one submission inside Gradescope's container.

**Build** (:func:`build`, ``dlgrade gradescope build``) writes a zip laid out as Gradescope's
autograder specification asks: ``setup.sh`` and ``run_autograder`` at its root, beside the
engine (``autograder/``, with only the graded assignments' suites), their references
(``solutions/``), the data files those suites read (``assignments/data/``),
``requirements.txt`` (numpy pinned), the checked settings (``settings.json``, from the
instructor's TOML file) and ``secret_seed``, a random secret drawn at build time. Gradescope
unpacks the zip into ``/autograder/source``.

**Setup** (``setup.sh``, once per image, as root): installs Python >= 3.11 and the pinned
numpy into ``/autograder/venv`` (readable by everyone: the worker runs that Python),
compiles ``/autograder/source`` (every submission's container starts from the image, so
bytecode written at run time would be thrown away each time), and creates the worker's
user. The engine is not installed into site-packages: it runs from ``/autograder/source``,
which only root may read.

**Run** (:func:`run`, ``run_autograder``, once per submission, as root): locks
``/autograder`` (everything but the venv) away from the worker's user, snapshots the
submission (regular files only: no symlinks to the references, no FIFOs), derives the
hidden inputs' seed from the secret and the submission's bytes (so regrading a submission
reproduces its inputs, a changed submission gets fresh ones, and no one without the secret
can compute them), grades it with the worker dropped to that user, kills whatever the
worker left running, and only then writes ``results/results.json``. Whatever goes wrong,
a valid results.json is written: a grader error gives score 0 and a message for the
student, with the details on stdout, which Gradescope shows to staff only. The root
``/autograder`` can be moved with ``DLGRADE_AUTOGRADER_ROOT`` (tests, staff trying a zip).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import stat
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from . import report
from .gradescope_config import Settings, load
from .locate import MAX_UNZIPPED_BYTES
from .private import not_dumpable, private_file
from .results import SubmissionResult
from .sandbox import WorkerUser

HERE = Path(__file__).resolve().parent
FILES = HERE / "gradescope_files"
PROJECT = HERE.parent
DEFAULT_CONFIG = PROJECT / "gradescope.toml"
HANDOUT_REQUIREMENTS = PROJECT / "assignments" / "scaffold" / "requirements.txt"  # the numpy students are told to use
DEFAULT_ROOT = "/autograder"
SETTINGS, SEED = "settings.json", "secret_seed"
NOBODY = WorkerUser(65534, 65534, dedicated=False)
GRADER_FAILED = ("The autograder could not grade your submission because of an error in the grader itself, "
                 "not in your code. Course staff can see the details; please let them know. Your score is 0 for now.")


# -- build ----------------------------------------------------------------------------------

def build(out: Path, config: Path | None = None, assignments=None, suites=None, solutions=None) -> Settings:
    """Write ``autograder.zip`` to ``out`` and return the settings baked into it.

    ``config`` is the instructor's TOML file (``None``: ``gradescope.toml`` at the project
    root if it exists, else every default); ``assignments`` overrides its list of graded
    assignments. numpy is pinned to the handout's version unless the config says otherwise.
    Raises :class:`~autograder.gradescope_config.ConfigError` for a bad config and
    ``FileNotFoundError`` when a graded assignment has no reference solution.
    """
    import numpy

    from .grade import SOLUTIONS
    from .suite import DATA
    from .suites import SUITES

    suites = SUITES if suites is None else suites
    solutions = Path(SOLUTIONS if solutions is None else solutions)
    if config is None and DEFAULT_CONFIG.exists():
        config = DEFAULT_CONFIG
    settings = load(config, suites, handout_numpy() or numpy.__version__, assignments)
    for name in settings.assignments:
        if not (solutions / f"{name}.py").is_file():
            raise FileNotFoundError(f"no reference solution for {name}: {solutions / f'{name}.py'} does not exist")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:  # 0600 from its first byte: the zip holds the references and the secret
        with private_file(partial) as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add(bundle, "setup.sh", (FILES / "setup.sh").read_text().replace("@WORKER_USER@", str(settings.worker_user)), executable=True)
            _add(bundle, "run_autograder", (FILES / "run_autograder").read_text(), executable=True)
            _add(bundle, "requirements.txt", f"numpy=={settings.numpy}\n")
            _add(bundle, SETTINGS, settings.to_json() + "\n")
            _add(bundle, SEED, secrets.token_hex(32) + "\n")
            for path in _engine_files(settings.assignments):
                _add(bundle, f"autograder/{path.relative_to(HERE).as_posix()}", path.read_bytes())
            for name in settings.assignments:
                _add(bundle, f"solutions/{name}.py", (solutions / f"{name}.py").read_bytes())
            for name in sorted({file for assignment in settings.assignments for file in suites[assignment].data}):
                _add(bundle, f"assignments/data/{name}", (DATA / name).read_bytes())  # where data_file() looks, beside the engine
        partial.replace(out)
    except BaseException:  # Ctrl-C included: no half-built zip of references is left behind
        partial.unlink(missing_ok=True)
        raise
    return settings


def handout_numpy(requirements: Path = HANDOUT_REQUIREMENTS) -> str | None:
    """The numpy version the handout pins (``numpy==X`` in its requirements.txt), if it pins one."""
    if requirements.exists():
        for line in requirements.read_text().splitlines():
            name, _, version = line.partition("==")
            if name.strip().lower() == "numpy" and version.strip():
                return version.split("#")[0].strip()
    return None


def _engine_files(assignments) -> list[Path]:
    """The engine's sources: every module, and the suites of the graded assignments only (with
    the suites they import helpers from)."""
    suites = _suites_used(assignments)
    files = []
    for path in sorted(HERE.rglob("*")):
        relative = path.relative_to(HERE)
        if not path.is_file() or "__pycache__" in relative.parts or relative.parts[0] == FILES.name:
            continue
        if relative.parts[0] == "suites" and path.name != "__init__.py" and path.stem not in suites:
            continue
        files.append(path)
    return files


def _suites_used(assignments) -> set[str]:
    """The graded assignments' suites and, transitively, the suites they import (``from .initialization import ...``)."""
    import ast

    used, todo = set(), list(assignments)
    while todo:
        name = todo.pop()
        path = HERE / "suites" / f"{name}.py"
        if name in used or not path.exists():
            continue
        used.add(name)
        todo += [node.module for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module]
    return used


def _add(bundle: zipfile.ZipFile, name: str, data, executable: bool = False) -> None:
    """Add ``data`` as ``name``, with Unix permissions (unzip keeps them: run_autograder must be executable)."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    bundle.writestr(info, data)


# -- run --------------------------------------------------------------------------------------

def run(root: Path) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; return what was written.

    Never raises: any error becomes a zero-score results.json, its details printed for staff.
    """
    start = time.perf_counter()
    root = Path(root)
    stdout_visibility = "hidden"
    try:
        source = root / "source"
        settings = Settings.from_json((source / SETTINGS).read_text())
        stdout_visibility = settings.stdout_visibility
        secret = (source / SEED).read_text().strip()
        user = None
        if os.geteuid() == 0:
            lock(root)
            user = worker_user(settings.worker_user)
            print(f"dlgrade: the worker runs as uid {user.uid}" + ("" if user.dedicated else f" (no user {settings.worker_user!r}: run setup.sh)"))
        with snapshot(root / "submission") as (submission, digest):
            seed = derive_seed(secret, digest)
            result = grade_submission(submission, settings, seed, user, source / "solutions")
        results = report.gradescope(result, visibility=lambda case: settings.gradescope_visibility(case.assignment, case.name, case.visibility),
                                    stdout_visibility=stdout_visibility)
        print(report.table(result))
        if result.isolation:
            print(f"dlgrade: {result.isolation}")
        for line in result.staff:
            print(f"dlgrade: staff: {line}")
    except BaseException as error:  # noqa: BLE001 (students must get a results.json, whatever happened)
        print("dlgrade: the grader failed:\n" + "".join(traceback.format_exception(error)), flush=True)
        results = failed_results(GRADER_FAILED, time.perf_counter() - start, stdout_visibility)
    write_results(root / "results", results)
    return results


def grade_submission(submission: Path, settings: Settings, seed: int, user: WorkerUser | None, solutions: Path) -> SubmissionResult:
    """Grade the settings' assignments; those with the same limits share one worker."""
    from .grade import grade
    from .suites import SUITES

    suites = {name: settings.suite(SUITES[name]) for name in settings.assignments}
    groups = {}
    for name in settings.assignments:
        groups.setdefault(settings.limits_for(name, user), []).append(name)
    parts = [grade(submission, names, seed, limits, suites, solutions) for limits, names in groups.items()]
    order = {name: index for index, name in enumerate(settings.assignments)}
    assignments = sorted((a for part in parts for a in part.assignments), key=lambda a: order[a.assignment])
    return SubmissionResult(tuple(assignments), seed, sum(p.seconds for p in parts), sum(p.student_seconds for p in parts),
                            "".join(p.printed for p in parts), tuple(line for p in parts for line in p.staff),
                            isolation=next((p.isolation for p in parts if p.isolation), ""))


def worker_user(name: str | int) -> WorkerUser:
    """The configured user (a name, or a uid with no entry), dedicated to the worker; else
    ``nobody``, also when the name is root's: the worker never runs as root. ``nobody`` is
    never dedicated (other programs run as it), so its processes are not all killed."""
    try:
        entry = pwd.getpwuid(name) if isinstance(name, int) else pwd.getpwnam(name)
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        if not isinstance(name, int):
            return NOBODY
        uid, gid = name, name
    return NOBODY if uid in (0, NOBODY.uid) else WorkerUser(uid, gid, dedicated=True)


def lock(root: Path) -> None:
    """Make everything under ``root`` but the venv private to root: sources, references, the
    seed, the submission, Gradescope's metadata. ``root`` itself stays traversable, for the venv."""
    (root / "results").mkdir(exist_ok=True)
    for entry in root.iterdir():
        if entry.name == "venv" or entry.is_symlink():
            continue
        os.chown(entry, 0, 0)
        os.chmod(entry, 0o700 if entry.is_dir() else stat.S_IMODE(entry.stat().st_mode) & 0o700)
    for folder, _, files in os.walk(root / "source"):  # a second guard, should the folder be opened up
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                os.chmod(path, stat.S_IMODE(path.stat().st_mode) & 0o700)


@contextmanager
def snapshot(submission: Path):
    """Yield ``(zip, digest)``: the submission's regular files packed into a private zip, and
    a hash of their names and bytes.

    Symlinks, FIFOs and devices are left out (a symlink named ``backprop.py`` could point at
    the reference). Packing as a zip lets :func:`~autograder.locate.opened` unpack zips inside
    it (a zip of a zip); files past its size budget are left out.
    """
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-gradescope-"))
    packed, digest, budget = folder / "submission.zip", hashlib.sha256(), MAX_UNZIPPED_BYTES
    try:
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as bundle:
            for path in _regular_files(Path(submission)):
                size = path.lstat().st_size
                if size > budget:  # never read a huge file into memory; what fits is graded
                    continue
                budget -= size
                name = path.relative_to(submission).as_posix()
                data = path.read_bytes()
                digest.update(f"{name}\0{len(data)}\0".encode())
                digest.update(data)
                bundle.writestr(name, data)
        yield packed, digest.hexdigest()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _regular_files(folder: Path) -> list[Path]:
    """Regular files below ``folder`` (not following symlinks), shallowest first."""
    found = []
    for parent, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            path = Path(parent) / name
            if stat.S_ISREG(path.lstat().st_mode):
                found.append(path)
    return sorted(found, key=lambda path: (len(path.relative_to(folder).parts), str(path)))


def derive_seed(secret: str, digest: str) -> int:
    """The hidden inputs' seed of one submission: a hash of the build's secret and the submission."""
    return int.from_bytes(hashlib.sha256(f"{secret}:{digest}".encode()).digest()[:4], "big")


def failed_results(message: str, seconds: float, stdout_visibility: str = "hidden") -> dict:
    """A results.json for a submission the grader could not grade: score 0 and ``message``."""
    return {"score": 0.0, "execution_time": int(seconds) + 1, "output": message, "visibility": "visible",
            "stdout_visibility": stdout_visibility, "tests": []}


def write_results(folder: Path, results: dict) -> None:
    """Write results.json in one step (a temporary file renamed), so it is never half written."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "results.json.partial"
    partial.write_text(json.dumps(results, indent=2, allow_nan=False))
    partial.replace(folder / "results.json")


# -- trying a zip locally ----------------------------------------------------------------------

def install(zip_path: Path, root: Path) -> None:
    """Lay ``zip_path`` out in ``root`` as Gradescope would, with an offline stand-in for setup.sh.

    ``root/source`` gets the zip's contents (permissions kept), ``root/run_autograder`` its
    copy, ``root/submission`` is made empty, and ``root/venv`` is a venv of an interpreter of
    this Python's version with this machine's numpy linked in, instead of downloads. Under
    root, the worker's user must be able to run that interpreter: ``root`` is made
    searchable by everyone, and ``RuntimeError`` is raised if no such interpreter exists.
    Then ``DLGRADE_AUTOGRADER_ROOT=root bash root/run_autograder`` grades ``root/submission``.
    """
    import subprocess

    import numpy

    python = shared_python()
    if python is None:
        raise RuntimeError(f"no python{sys.version_info.major}.{sys.version_info.minor} that other users may run: "
                           "under root the worker could not start (Gradescope's setup.sh installs one)")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the worker's user runs the venv inside; otherwise the root stays as private as it was made
        os.chmod(root, 0o755)
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root / "source")
        for info in bundle.infolist():  # unzip keeps the permissions; zipfile does not
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir(exist_ok=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = next((root / "venv" / "lib").glob("python3*")) / "site-packages"
    numpy_site = Path(numpy.__file__).resolve().parent.parent
    for name in ("numpy", "numpy.libs"):
        if (numpy_site / name).exists():
            if os.geteuid() == 0:  # the worker's user may not reach the original: hard links (or copies)
                shutil.copytree(numpy_site / name, site / name, copy_function=_link_or_copy)
            else:
                (site / name).symlink_to(numpy_site / name)


def try_zip(zip_path: Path, submission: Path, keep: Path | None = None) -> tuple[dict, str]:
    """Grade ``submission`` (a folder, or one file such as a .zip) with ``zip_path`` as Gradescope would.

    The zip is installed (:func:`install`) in ``keep`` (default: a temporary folder, removed
    afterwards; see :func:`install_root`) and its own run_autograder is run. Returns
    results.json and run_autograder's output (what Gradescope shows staff).
    ``FileNotFoundError`` if either path is missing; ``ValueError`` if ``zip_path`` is not an
    intact autograder.zip or ``keep`` is a file or a folder with something in it.
    """
    import subprocess

    for path in (zip_path, submission):
        if not Path(path).exists():
            raise FileNotFoundError(f"{path} does not exist")
    check_autograder(zip_path)
    root = install_root(keep)
    try:
        install(zip_path, root)
        if Path(submission).is_dir():
            shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
        else:
            shutil.copy2(submission, root / "submission")
        finished = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, cwd=root,
                                  env={**os.environ, "DLGRADE_AUTOGRADER_ROOT": str(root)})
        return json.loads((root / "results" / "results.json").read_text()), finished.stdout + finished.stderr
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


AUTOGRADER_FILES = ("setup.sh", "run_autograder", SETTINGS, SEED, "autograder/gradescope.py")


def check_autograder(zip_path: Path) -> None:
    """Raise ``ValueError`` unless ``zip_path`` is an intact zip with an autograder's files."""
    advice = "give the autograder.zip that `dlgrade gradescope build` writes"
    try:
        with zipfile.ZipFile(zip_path) as bundle:
            names = set(bundle.namelist())
            broken = bundle.testzip()  # reads every member: a damaged one fails here, not halfway through installing
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise ValueError(f"{zip_path} is not an intact zip file ({getattr(error, 'strerror', None) or error}): {advice}") from None
    if broken is not None:
        raise ValueError(f"{zip_path} is not an intact zip file ({broken} fails its checksum): {advice}")
    missing = [name for name in AUTOGRADER_FILES if name not in names]
    if missing:
        raise ValueError(f"{zip_path} is not an autograder (it has no {', '.join(missing)}; a student's submission?): {advice}")


def install_root(keep: Path | None) -> Path:
    """The folder :func:`try_zip` installs in: ``keep`` (created if missing; it must not be a
    file or hold anything) or a fresh temporary folder; private (0700) either way, until
    :func:`install` opens it to the worker's user under root. Raises ``ValueError`` for an
    unusable ``keep``."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="dlgrade-autograder-"))  # 0700, whoever runs it
    keep = Path(keep)
    if keep.exists() and not keep.is_dir():
        raise ValueError(f"--keep {keep} is a file: give a new folder (or an empty one) to install the autograder in")
    if keep.is_dir() and any(keep.iterdir()):
        raise ValueError(f"--keep {keep} is a folder with files in it: give a new folder (or an empty one); "
                         "delete it first to reuse it")
    keep.mkdir(parents=True, exist_ok=True)
    os.chmod(keep, 0o700)
    return keep


def shared_python() -> str | None:
    """An interpreter of this Python's version that the worker's user can run (any, when not root)."""
    if os.geteuid() != 0:
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, getattr(sys, "_base_executable", ""), f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if candidate and Path(candidate).exists() and _everyone_can_run(Path(candidate)):
            return candidate
    return None


def _everyone_can_run(path: Path) -> bool:
    """Whether any user may run ``path``: every folder on the way searchable, the file readable."""
    for candidate in {path, path.resolve()}:
        if not all(os.stat(folder).st_mode & 0o001 for folder in candidate.parents):
            return False
        if os.stat(candidate).st_mode & 0o005 != 0o005:
            return False
    return True


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def main(argv=None) -> int:
    """``python -m autograder.gradescope [--root DIR]``: what run_autograder runs. Always exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope", description=run.__doc__)
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("DLGRADE_AUTOGRADER_ROOT") or DEFAULT_ROOT))
    not_dumpable()  # under `gradescope try` by a non-root user, the worker shares this uid
    run(parser.parse_args(argv).root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
