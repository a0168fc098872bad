"""Finding a class's submissions: who submitted what, in either layout course staff have.

- A plain folder: one entry per student, a sub-folder or a ``.zip`` whose name (without
  ``.zip``) is the student's id: ``submissions/alice/``, ``submissions/bob.zip``.
- Gradescope's "Export Submissions" folder: ``submission_metadata.yml`` maps each
  ``submission_<id>`` folder to its submitters (name, email, student id). Every submitter
  of a group submission gets their own row; the student's id is their email (else their
  student id, else the folder name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Submission:
    """One student's submission: ``student`` is the id used in grades.csv and file names."""

    student: str
    path: Path
    name: str = ""
    email: str = ""


def roster(folder: Path, skip: tuple = ()) -> list[Submission]:
    """The submissions in ``folder``, sorted by student; ``skip`` lists paths to leave out
    (the output folder, when it lies inside).

    Raises ``FileNotFoundError`` if ``folder`` is not a folder, ``ValueError`` for two
    entries with one student id or an unreadable ``submission_metadata.yml``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    found = _gradescope(folder) if (folder / METADATA).exists() else _plain(folder, {Path(path).resolve() for path in skip})
    seen = {}
    for submission in found:
        if submission.student in seen:
            raise ValueError(f"two submissions for student {submission.student!r}: {seen[submission.student].name} and {submission.path.name}; keep one")
        seen[submission.student] = submission.path
    return sorted(found, key=lambda submission: submission.student)


def _plain(folder: Path, skip: set) -> list[Submission]:
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.resolve() in skip:
            continue
        if path.is_dir():
            entries.append(Submission(path.name, path))
        elif path.suffix.lower() == ".zip":
            entries.append(Submission(path.stem, path))
    return entries


def _gradescope(folder: Path) -> list[Submission]:
    import yaml  # only this layout needs it

    try:
        metadata = yaml.safe_load((folder / METADATA).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{folder / METADATA} could not be read: {error}") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{folder / METADATA} is not a mapping of submission folders to their submitters")
    entries = []
    for key, record in metadata.items():
        path = folder / str(key)
        record = {} if record is None else record  # a folder with no submitters listed: named by the folder
        submitters = (record.get(":submitters") or [{}]) if isinstance(record, dict) else None
        if not isinstance(submitters, list) or not all(isinstance(person, dict) for person in submitters):
            raise ValueError(f"{folder / METADATA}: the submitters of {key} are not a list of records (:name, :email, :sid)")
        for person in submitters:
            email, sid = str(person.get(":email") or ""), str(person.get(":sid") or "")
            entries.append(Submission(email or sid or str(key), path, str(person.get(":name") or ""), email))
    return entries
