"""Finding a submission's files: by name, anywhere in a folder or a zip (zips inside zips too).

Gradescope and students nest uploads in folders of any depth, zip them twice, and save
``Backprop.py`` or ``backprop (1).py``. A missing file gets a message listing the expected
names and, when one exists, the near miss to rename. With no ``<assignment>.py``, the
notebook ``<assignment>.ipynb`` is graded: the module its code cells define
(:mod:`autograder.notebook_code`).
"""

from __future__ import annotations

import contextlib
import difflib
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .notebook_code import NotebookError, module_source

IGNORED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}
NAMED_SUFFIXES = (".py", ".txt", ".ipynb", "")  # files locate takes or suggests renaming (lower case)
COPIED_SUFFIXES = (*NAMED_SUFFIXES, ".zip")  # and zips, which may hold them
MAX_UNZIPPED_BYTES = 200 << 20
MAX_ZIP_DEPTH = 3
_COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|[\s_-]*(copy|final|v\d+|\d+))+$", re.IGNORECASE)


class SubmissionError(Exception):
    """The submission cannot be read at all (no such path, a corrupt or oversized zip)."""


@dataclass
class Found:
    """Where each assignment's file is, or why it is not there.

    ``files`` maps assignment names to files; ``problems`` maps the others to a message for
    the student; ``notes`` are remarks on files that were found (a duplicate was ignored).
    """

    files: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    near: dict = field(default_factory=dict)  # assignment -> the file that looks like its file misnamed
    unread: tuple = ()  # why zips in the submission were not unpacked (corrupt, nested too deep)

    def nothing(self, assignments: list[str]) -> str:
        """Why no assignment was graded, for a submission holding none of the ``assignments``' files."""
        expected = ", ".join(f"{name}.py" for name in assignments)
        return f"No assignment file in your submission (expected one of: {expected}; a notebook <name>.ipynb counts too).{_unread(self.unread)}"


@contextlib.contextmanager
def opened(path: Path):
    """Yield a folder holding the submission: ``path`` itself, or a temporary folder that
    :func:`locate` may write into: a zip unpacked, or a copy of the files :func:`locate` may
    use from a folder that holds a notebook.

    A single ``.py`` file is treated as a folder holding just that file.
    A folder holding zips or notebooks is copied, its zips unpacked in the copy, as a zip's are.
    Raises :class:`SubmissionError` when ``path`` is missing, an unreadable zip, or a folder
    with a notebook or zip larger than a zip may unpack to.
    """
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    if path.is_dir() and not any(_needs_a_copy(path)):
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-submission-"))
    try:
        if path.is_dir():
            _copy(path, folder)
            _unzip_inner(folder, depth=0, budget=[MAX_UNZIPPED_BYTES])
        elif zipfile.is_zipfile(path):
            _unzip(path, folder, depth=1, budget=[MAX_UNZIPPED_BYTES])
        elif path.suffix.lower() == ".zip":
            raise SubmissionError(f"{path.name} is not a readable zip file")
        elif path.suffix == ".py":
            shutil.copyfile(path, folder / path.name)
        else:
            raise SubmissionError(f"{path.name} is neither a folder, a .zip nor a .py file")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _needs_a_copy(folder: Path):
    """The notebooks and zips below ``folder`` that locate would consider: it writes beside them."""
    return (p for p in Path(folder).rglob("*") if p.suffix.lower() in (".ipynb", ".zip") and p.is_file() and not _ignored(p.relative_to(folder)))


def _copy(source: Path, folder: Path) -> None:
    """Copy into ``folder`` the files of the folder ``source`` that :func:`locate` may use, zips
    included (not data, nor ignored parts), within MAX_UNZIPPED_BYTES."""
    files = [p for p in sorted(source.rglob("*"))
             if p.suffix.lower() in COPIED_SUFFIXES and p.is_file() and not _ignored(p.relative_to(source))]
    if sum(p.stat().st_size for p in files) > MAX_UNZIPPED_BYTES:
        raise SubmissionError(f"{source.name} holds more than {MAX_UNZIPPED_BYTES / 2**20:g} MB")
    for path in files:
        target = folder / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _unzip(archive: Path, folder: Path, depth: int, budget: list) -> None:
    """Extract safely (no paths outside ``folder``, bounded size); unpack zips inside it too.

    ``budget`` holds the bytes still allowed, shared by the zips inside: they add up.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            budget[0] -= sum(m.file_size for m in members)
            if budget[0] < 0:
                raise SubmissionError(f"{archive.name} unpacks to more than {MAX_UNZIPPED_BYTES / 2**20:g} MB")
            for member in members:
                # zips made on Windows may separate folders with backslashes
                target = (folder / member.filename.replace("\\", "/")).resolve()
                if not target.is_relative_to(folder.resolve()):
                    continue  # an absolute path or ../ in a zip is never a submission file
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except SubmissionError:
        raise
    except Exception as error:  # BadZipFile, zlib.error, NotImplementedError (compression method), OSError, ...
        raise SubmissionError(f"{archive.name} is not a readable zip file ({error})") from None
    _unzip_inner(folder, depth, budget)


def _unzip_inner(folder: Path, depth: int, budget: list) -> None:
    """Unpack the zips below ``folder`` (itself ``depth`` zips deep) beside them, and remove them.

    A zip left in place is one that was not unpacked, corrupt or nested deeper than
    MAX_ZIP_DEPTH: :func:`locate` names it when a file is missing.
    """
    if depth >= MAX_ZIP_DEPTH:
        return
    for inner in sorted(folder.rglob("*.zip")):
        if zipfile.is_zipfile(inner):
            destination = inner.with_name(inner.stem + "_unzipped")
            if destination.exists() and not destination.is_dir():
                raise SubmissionError(f"{inner.name} cannot be unpacked beside the file {destination.name}: rename that file")
            destination.mkdir(exist_ok=True)
            _unzip(inner, destination, depth + 1, budget)
            inner.unlink()


def locate(folder: Path, assignments: list[str]) -> Found:
    """Find ``<assignment>.py``, else ``<assignment>.ipynb``, for each assignment anywhere below ``folder``.

    Of several files with the right name the shallowest is taken (ties: alphabetical) and a
    note says so. A notebook's module (:func:`notebook_code.module_source`) is written
    beside it as ``<assignment>.ipynb.py`` and that file is the one found: call this on a
    folder from :func:`opened`, which is a private copy whenever it holds a notebook.
    """
    candidates = sorted(
        (p for p in Path(folder).rglob("*") if p.is_file() and not _ignored(p.relative_to(folder))),
        key=lambda p: (len(p.relative_to(folder).parts), str(p)),
    )
    found = Found(unread=tuple(_why_not_unpacked(p, folder) for p in candidates if p.suffix.lower() == ".zip"))
    expected = ", ".join(f"{name}.py" for name in assignments)
    for name in assignments:
        matches = [p for p in candidates if p.name == f"{name}.py"] or [p for p in candidates if p.name == f"{name}.ipynb"]
        if matches:
            notes = [f"Graded {matches[0].relative_to(folder)}; also found {', '.join(str(p.relative_to(folder)) for p in matches[1:])}, which was ignored."] if len(matches) > 1 else []
            if matches[0].suffix == ".ipynb":
                try:
                    found.files[name] = _module_of(matches[0])
                except NotebookError as error:
                    found.problems[name] = f"No file named {name}.py in your submission, and {error}."
                    continue
                notes.append(f"No {name}.py: graded the functions, classes, imports and constants defined in the code cells of {matches[0].relative_to(folder)}.")
            else:
                found.files[name] = matches[0]
            if notes:
                found.notes[name] = " ".join(notes)
            continue
        message = f"No file named {name}.py in your submission (expected: {expected})."
        near = _near_miss(name, candidates)
        if near is not None:
            right = f"{name}.ipynb" if near.suffix.lower() == ".ipynb" else f"{name}.py"
            message += f" Found {str(near.relative_to(folder))!r}: rename it to {right} and submit again."
            found.near[name] = near
        found.problems[name] = message + _unread(found.unread)
    return found


def _why_not_unpacked(archive: Path, folder: Path) -> str:
    """Why the zip ``archive``, left in the opened ``folder``, was not unpacked."""
    where = archive.relative_to(folder).as_posix()
    if zipfile.is_zipfile(archive):
        return f"{where} is a zip inside {MAX_ZIP_DEPTH} zips, deeper than the grader unpacks: put your files in one zip"
    return f"{where} is not a readable zip file: make the zip again"


def _unread(reasons: tuple) -> str:
    return "".join(f" Found {reason}." for reason in reasons)


def _module_of(notebook: Path) -> Path:
    """Write the module that ``notebook`` defines beside it, as ``<name>.ipynb.py``; return its path."""
    module = notebook.with_name(notebook.name + ".py")
    module.write_text(module_source(notebook), encoding="utf-8")
    return module


def _ignored(relative: Path) -> bool:
    return any(part in IGNORED_PARTS or part.startswith(".") for part in relative.parts)


def _near_miss(name: str, candidates: list[Path]) -> Path | None:
    """A file whose name looks like ``name.py`` misspelt, re-cased or saved as a copy."""
    def normal(path: Path) -> str:
        stem = path.name.lower()
        for suffix in (".txt", ".py", ".ipynb"):
            stem = stem.removesuffix(suffix)
        return _COPY_SUFFIX.sub("", stem).strip()

    scored = [(difflib.SequenceMatcher(None, name, normal(path)).ratio(), path) for path in candidates if path.suffix.lower() in NAMED_SUFFIXES]
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return best[1] if best[0] >= 0.8 else None
