"""Make the zip to upload to Gradescope: `python make_submission.py`.

Zips every assignment file of this folder (`<assignment>.py`) into submission.zip, and warns about functions that still raise
NotImplementedError and files that do not parse, so you see before uploading what would
score nothing. Your code is read, never run.

    python make_submission.py                 all assignments
    python make_submission.py backprop conv   only these
    python make_submission.py --notebook      <assignment>.ipynb instead of <assignment>.py,
                                              if you wrote your functions in the notebook
"""

import argparse
import ast
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSIGNMENTS = ('activations', 'attention', 'backprop', 'batchnorm', 'conv', 'detection', 'dropout', 'ensembles', 'initialization', 'optimizers', 'segmentation', 'word2vec')  # the handout's assignments
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the same files give the same zip, byte for byte


def unfinished(source: str) -> list:
    """The functions of a module's source that still raise NotImplementedError, as (name, line)."""
    stubs = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_raises_not_implemented(inner) for inner in ast.walk(node)):
            stubs.append((node.name, node.lineno))
    return stubs


def _raises_not_implemented(node) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    error = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(error, ast.Name) and error.id == "NotImplementedError"


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, joined, without IPython magics and shell lines."""
    lines = []
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if not source.lstrip().startswith("%%"):
                lines += [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def warnings_for(path: Path) -> list:
    """What would score nothing in ``path``: a syntax error, or functions that are still stubs."""
    source = notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    try:
        stubs = unfinished(source)
    except SyntaxError as error:
        return [f"{path.name} has a syntax error (line {error.lineno}{' of its code cells' if path.suffix == '.ipynb' else ''}): "
                f"{error.msg}. As it is, nothing in it can be graded."]
    return [f"{path.name}: {name} (line {line}) still raises NotImplementedError" for name, line in stubs]


def make_zip(files: list, out: Path) -> None:
    """Write ``files`` into the zip ``out``, by name, in order, with a fixed date."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            info = zipfile.ZipInfo(path.name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())


def main(argv=None) -> int:
    """Zip the chosen assignments; print the warnings and what was written. Exit 1 if a file is missing."""
    known = list(ASSIGNMENTS)
    parser = argparse.ArgumentParser(description="Make submission.zip for Gradescope.")
    parser.add_argument("names", nargs="*", metavar="ASSIGNMENT", help=f"assignments to include (default: all of {', '.join(known)})")
    parser.add_argument("--notebook", action="store_true", help="submit <assignment>.ipynb instead of <assignment>.py")
    parser.add_argument("--out", type=Path, default=HERE / "submission.zip", help="the zip to write (default: submission.zip)")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in known]
    if unknown:
        parser.error(f"unknown assignment {unknown[0]!r} (known: {', '.join(known)})")
    suffix = ".ipynb" if arguments.notebook else ".py"
    files = [HERE / f"{name}{suffix}" for name in arguments.names or known]
    missing = [path.name for path in files if not path.exists()]
    if missing:
        print(f"error: {', '.join(missing)} not found in {HERE}", file=sys.stderr)
        return 1
    warnings = [warning for path in files for warning in warnings_for(path)]
    for warning in warnings:
        print(f"warning: {warning}")
    make_zip(files, arguments.out)
    print(f"wrote {arguments.out} ({', '.join(path.name for path in files)})" + (f" with {len(warnings)} warnings: those functions score nothing yet" if warnings else ""))
    print("Upload it to Gradescope.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
