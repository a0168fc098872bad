"""What the grader takes from a submitted notebook: the definitions in its code cells.

A notebook submission is graded like the module it defines. From the code cells, in
order, the grader keeps what a module file would hold and leaves out everything that runs:

- cells tagged ``checks`` or ``experiment`` (the handout's tags), and cell magics (``%%...``)
  are skipped whole; IPython magic and shell lines (``%...``, ``!...``) are dropped;
- of the rest, the top-level statements kept are ``def`` and ``class`` (with decorators);
  ``import`` of numpy and the standard library only (not matplotlib, the checks harness,
  nor the assignment's own module); and assignments whose value calls nothing but numpy
  (and reads no file) and reads only names already kept (``EPS = 1e-5``,
  ``TABLE = np.arange(4)``). Check calls, plots, prints, loops and
  examples are left out, so an unfinished experiment never costs points.

A cell that does not parse is kept as it is, so the student sees their syntax error, as
with a ``.py`` file. The handout's README states the same rule for students.
"""

from __future__ import annotations

import ast
import builtins
import json
import sys
from pathlib import Path

SKIPPED_TAGS = {"checks", "experiment"}
ALLOWED_IMPORTS = (set(sys.stdlib_module_names) | {"numpy"}) - {"__future__"}  # a future import must come first: not after a cell
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
NUMPY_NAMES = {"np", "numpy"}
NUMPY_FILE_READERS = {"load", "loadtxt", "genfromtxt", "fromfile", "memmap"}
BUILTINS = set(dir(builtins))


class NotebookError(ValueError):
    """The file is not a readable Jupyter notebook."""


def code_cells(path: Path) -> list[tuple[int, str]]:
    """The (position, source) of each code cell of the notebook at ``path``, in order (positions from 1).

    Raises :class:`NotebookError` when the file is not notebook JSON.
    """
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = notebook["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
        code = []
        for position, cell in enumerate(cells, start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
            if isinstance(tags, list) and any(isinstance(tag, str) and tag in SKIPPED_TAGS for tag in tags):
                continue
            source = cell.get("source", "")
            code.append((position, "".join(source) if isinstance(source, list) else str(source)))  # TypeError: not all text
    # not JSON, JSON nested too deep to read, not a notebook's JSON, not text
    except (ValueError, RecursionError, KeyError, TypeError, UnicodeDecodeError):
        raise NotebookError(f"{Path(path).name} is not a readable Jupyter notebook") from None
    return code


def module_source(path: Path) -> str:
    """The module the notebook at ``path`` defines, as Python source (the rule above).

    Each kept cell starts with a ``# cell k of <notebook>`` comment, so a traceback's line
    can be traced back to the cell. Raises :class:`NotebookError` for an unreadable notebook.
    """
    parts, defined = [], set()
    for position, source in code_cells(path):
        if source.lstrip().startswith("%%"):
            continue
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        kept = definitions("\n".join(lines), defined)
        if kept.strip():
            parts.append(f"# cell {position} of {Path(path).name}\n{kept}")
    return "\n\n".join(parts) + "\n"


def definitions(source: str, defined: set | None = None) -> str:
    """The statements of ``source`` that define (see the module docstring); ``source`` itself if it does not parse.

    ``defined`` holds the names bound by the statements kept so far (updated in place): an
    assignment is kept only if every name it reads is one of them or a builtin, so leaving
    out an experiment never leaves a kept line reading a name that no longer exists.
    """
    defined = set() if defined is None else defined
    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError):  # nested too deep for the parser: the worker's import says so
        return source
    lines = source.splitlines()
    kept = []
    for statement in tree.body:
        if not _defines(statement, defined):
            continue
        defined |= _bound(statement)
        if isinstance(statement, DEFINITIONS):  # compound: starts its own line, at its first decorator
            first = min([statement.lineno] + [decorator.lineno for decorator in statement.decorator_list])
            kept.append("\n".join(lines[first - 1:statement.end_lineno]))
        else:  # may share its line with others: `x = 1; plt.plot(x)`
            kept.append(ast.get_source_segment(source, statement))
    return "\n".join(kept)


def _defines(statement: ast.stmt, defined: set) -> bool:
    if isinstance(statement, DEFINITIONS):
        return True
    if isinstance(statement, ast.Import):
        return all(alias.name.split(".")[0] in ALLOWED_IMPORTS for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return statement.level == 0 and statement.module.split(".")[0] in ALLOWED_IMPORTS
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        to_names = all(isinstance(node, (ast.Name, ast.Tuple, ast.List, ast.Starred, ast.Store)) for target in targets for node in ast.walk(target))
        nodes = list(ast.walk(statement.value))
        reads = {node.id for node in nodes if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        return to_names and all(_numpy_call(node) for node in nodes if isinstance(node, ast.Call)) and reads <= defined | BUILTINS
    return False


def _bound(statement: ast.stmt) -> set:
    """The names a kept statement binds at module level."""
    if isinstance(statement, DEFINITIONS):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def _numpy_call(call: ast.Call) -> bool:
    """A call of ``np.<...>`` or ``numpy.<...>`` that reads no file (the grader has only the notebook)."""
    function = call.func
    if isinstance(function, ast.Attribute) and function.attr in NUMPY_FILE_READERS:
        return False
    while isinstance(function, ast.Attribute):
        function = function.value
    return isinstance(function, ast.Name) and function.id in NUMPY_NAMES and function is not call.func
