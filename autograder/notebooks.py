"""Assignment notebooks, built from sources that read well in a diff.

A source is ``assignments/notebooks/<assignment>.py`` in a strict subset of jupytext's
"percent" format (``assignments/notebooks/README.md`` states it): ``# %%`` starts a code
cell, ``# %% [markdown]`` a markdown cell whose lines are ``# text``; a marker may carry
``tags=["checks"]``; IPython magics are written commented (``# %autoreload 2``).

The API, for ``dlgrade release`` and the tests::

    sources(folder)          -> {assignment: Path}   every notebook source in a folder
    parse(text)              -> [Cell]               the cells of a source, or SourceError
    build(source)            -> nbformat.NotebookNode, deterministic
    write(notebook, path)    writes it (validated; the same bytes for the same source)

The output is deterministic: cell ids are ``cell-<position>``, no outputs or execution
counts, and fixed notebook metadata with the ``python3`` kernelspec.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
METADATA = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
_MARKER = re.compile(r"# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?")
_MAGIC = re.compile(r"^(\s*)# (%[A-Za-z])")  # a commented IPython magic: "# %autoreload 2"


class SourceError(ValueError):
    """A notebook source breaks the format; the message names the line."""


@dataclass(frozen=True)
class Cell:
    """One cell: ``kind`` is "code" or "markdown", ``source`` its text as the notebook shows it."""

    kind: str
    source: str
    tags: tuple = ()


def sources(folder: Path) -> dict[str, Path]:
    """Every notebook source in ``folder``, by assignment name (the file's stem), sorted."""
    return {path.stem: path for path in sorted(Path(folder).glob("*.py"))}


def parse(text: str, name: str = "<source>") -> list[Cell]:
    """Split a percent-format source into cells.

    Raises :class:`SourceError` (with ``name`` and the line number) when the text does not
    start with a marker, a marker line has anything but ``[markdown]`` and ``tags=[...]``,
    a markdown line is not a ``#`` comment, or a cell is empty.
    """
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# %%"):
        raise SourceError(f"{name}:1: a notebook source starts with a cell marker ('# %%' or '# %% [markdown]')")
    starts = [number for number, line in enumerate(lines) if line.startswith("# %%")]
    cells = []
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        kind, tags = _marker(lines[start], f"{name}:{start + 1}")
        body = lines[start + 1:end]
        text = _markdown(body, name, start + 2) if kind == "markdown" else "\n".join(_MAGIC.sub(r"\1\2", line) for line in body)
        text = text.strip("\n")
        if not text.strip():
            raise SourceError(f"{name}:{start + 1}: empty cell")
        cells.append(Cell(kind, text, tags))
    return cells


def _marker(line: str, where: str) -> tuple[str, tuple]:
    match = _MARKER.fullmatch(line.rstrip())
    if match is None:
        raise SourceError(f"{where}: a cell marker is '# %%' or '# %% [markdown]', optionally followed by tags=[...], not {line!r}")
    tags = ()
    if match["tags"]:
        try:
            tags = tuple(json.loads(match["tags"]))
        except json.JSONDecodeError:
            tags = None
        if tags is None or not all(isinstance(tag, str) for tag in tags):
            raise SourceError(f"{where}: tags must be a JSON list of strings, like tags=[\"checks\"]")
    return ("markdown" if match["markdown"] else "code"), tags


def _markdown(body: list[str], name: str, first: int) -> str:
    """The text of markdown lines: '# ' removed, a bare '#' or a blank line an empty line."""
    text = []
    for number, line in enumerate(body, first):
        if line.strip() == "" or line.rstrip() == "#":
            text.append("")
        elif line.startswith("# "):
            text.append(line[2:].rstrip())
        else:
            raise SourceError(f"{name}:{number}: a markdown line must start with '# ' (or be a bare '#'), not {line!r}")
    return "\n".join(text)


def build(source: Path) -> nbformat.NotebookNode:
    """The nbformat v4 notebook of a source file: no outputs, stable ids, python3 kernelspec.

    Raises :class:`SourceError` for a malformed source, ``OSError`` when it cannot be read.
    """
    source = Path(source)
    notebook = nbformat.v4.new_notebook(metadata=json.loads(json.dumps(METADATA)))
    for position, cell in enumerate(parse(source.read_text(encoding="utf-8"), source.name)):
        metadata = {"tags": list(cell.tags)} if cell.tags else {}
        make = nbformat.v4.new_code_cell if cell.kind == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.append(make(cell.source, metadata=metadata, id=f"cell-{position}"))
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Validate ``notebook`` and write it to ``path`` (parents created), one byte string per notebook."""
    path = Path(path)
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


if __name__ == "__main__":  # python -m autograder.notebooks SOURCE OUT.ipynb
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m autograder.notebooks SOURCE.py OUT.ipynb")
    write(build(Path(sys.argv[1])), Path(sys.argv[2]))
