"""How many wrong variants of each reference its suite catches: a mutation score per suite.

Every reference (``solutions/NAME.py``) is mutated automatically with :mod:`ast`, one change
per mutant, inside the functions the student writes (those the stub defines): an operator
swapped (``+ -``, ``* /``, ``//`` to ``/``, ``**`` to ``*``), a comparison loosened or
tightened (``< <=``, ``> >=``, ``== !=``), a constant moved (an int + 1 and - 1, a float
doubled, 0.0 to 1.0), an axis moved (``axis=k`` to another axis), ``keepdims`` flipped, a
term dropped (``a + b`` to ``a``, ``a - b`` to ``a``), a sign dropped (``-a`` to ``a``), a
slice bound moved, ``and`` and ``or`` swapped.

A differential oracle, which knows nothing of the judges, decides which mutants are really
wrong: it runs the reference and the mutant side by side, in this process, on the calls the
suite's plans make (at ``--seeds`` secret seeds) and on variants of them whose float arrays
are redrawn independently (fresh normals; integers in -2..2, for ties and exact zeros;
magnitudes of 1e3), and calls a mutant wrong when any call's result differs (type, shape,
dtype, a relative error above 1e-9, NaN against a number) or one raises where the other does
not. Random-output functions draw from seeded generators on both sides, so a mutant that
draws its mask another way but from the same law counts as wrong here: its survival is
listed and is not a gap (read the list). Mutants that run longer than 5 s on the oracle's
calls count as wrong (a hang).

The wrong mutants are then graded with the suite by :func:`autograder.grade.grade`, the
grader's own path (worker, judges, points for substance), at seed 1. A mutant is caught when
it loses any point. Printed: per suite, the mutants made, those the oracle finds equivalent,
the wrong ones, the caught ones and the score caught / wrong; then each surviving wrong
mutant with its line and change.

    python benchmarks/mutation_score.py                 # every assignment (minutes per suite)
    python benchmarks/mutation_score.py conv dropout    # some of them
    python benchmarks/mutation_score.py conv --limit 40 # the first 40 mutants of each
"""

from __future__ import annotations

import argparse
import ast
import copy
import signal
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder import probes, wire
from autograder.grade import grade
from autograder.judge import relative_error
from autograder.plan import Call, Plan, execute
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parents[1]
SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div, ast.Pow: ast.Mult,
         ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
         ast.And: ast.Or, ast.Or: ast.And}
TOLERANCE = 1e-9
HANG_SECONDS = 5


@dataclass
class Mutant:
    line: int
    change: str
    source: str


# -- making mutants ---------------------------------------------------------------------------

def _changes(node: ast.AST):
    """(description, the node's mutated copies) for one node: each a single change."""
    if isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
        swapped = copy.copy(node)
        swapped.op = SWAPS[type(node.op)]()
        yield f"{type(node.op).__name__} -> {type(swapped.op).__name__}", swapped
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield f"dropped the {type(node.op).__name__} term", node.left
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
        swapped = copy.copy(node)
        swapped.ops = [SWAPS[type(node.ops[0])]()]
        yield f"{type(node.ops[0]).__name__} -> {type(swapped.ops[0]).__name__}", swapped
    elif isinstance(node, ast.BoolOp):
        swapped = copy.copy(node)
        swapped.op = SWAPS[type(node.op)]()
        yield f"{type(node.op).__name__} -> {type(swapped.op).__name__}", swapped
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "dropped a minus sign", node.operand
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if type(node.value) is int:
            for new in (node.value + 1, node.value - 1):
                yield f"constant {node.value} -> {new}", ast.Constant(new)
        else:
            new = 1.0 if node.value == 0 else node.value * 2
            yield f"constant {node.value!r} -> {new!r}", ast.Constant(new)
    elif isinstance(node, ast.keyword) and node.arg == "axis" and isinstance(node.value, (ast.Constant, ast.UnaryOp, ast.Tuple)):
        for new in ("0", "-1", "None"):
            if ast.unparse(node.value) != new:
                yield f"axis={ast.unparse(node.value)} -> axis={new}", ast.keyword("axis", ast.parse(new, mode="eval").body)
    elif isinstance(node, ast.keyword) and node.arg == "keepdims" and isinstance(node.value, ast.Constant):
        yield f"keepdims={node.value.value} -> {not node.value.value}", ast.keyword("keepdims", ast.Constant(not node.value.value))
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            value = getattr(node, bound)
            if value is not None:
                moved = copy.copy(node)
                setattr(moved, bound, ast.BinOp(value, ast.Add(), ast.Constant(1)))
                yield f"slice {bound} bound + 1", moved
        if node.step is not None:
            stepless = copy.copy(node)
            stepless.step = None
            yield "slice step dropped", stepless


def mutants(source: str, functions: set) -> list[Mutant]:
    """Every single-change mutant of the bodies of ``functions`` in ``source``."""
    tree = ast.parse(source)
    targets = []
    for top in tree.body:
        if isinstance(top, ast.FunctionDef) and top.name in functions:
            body = top.body[1:] if ast.get_docstring(top) is not None else top.body
            for statement in body:
                targets.extend(ast.walk(statement))
    made = []
    for index, node in enumerate(targets):
        for change, replacement in _changes(node):
            mutated = _ReplaceNth(node, replacement).visit(copy.deepcopy(tree))
            ast.fix_missing_locations(mutated)
            try:
                text = ast.unparse(mutated)
                compile(text, "mutant", "exec")
            except (SyntaxError, ValueError):
                continue
            made.append(Mutant(getattr(node, "lineno", 0), change, text))
    return made


class _ReplaceNth(ast.NodeTransformer):
    """Replaces the node at the position of ``target`` in the original tree (by a walk-order
    match of its location and dump) with ``replacement``."""

    def __init__(self, target, replacement):
        self.key = (getattr(target, "lineno", None), getattr(target, "col_offset", None), ast.dump(target))
        self.replacement, self.done = replacement, False

    def generic_visit(self, node):
        if not self.done and (getattr(node, "lineno", None), getattr(node, "col_offset", None), ast.dump(node)) == self.key:
            self.done = True
            return copy.deepcopy(self.replacement)
        return super().generic_visit(node)


# -- the differential oracle ------------------------------------------------------------------

def module_from(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)
    return module


def redrawn(value, rng, kind):
    """``value`` with every float array redrawn by ``kind``: "normal", "integers" or "large"."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        if kind == "normal":
            return rng.standard_normal(value.shape)
        if kind == "integers":
            return rng.integers(-2, 3, size=value.shape).astype(np.float64)
        return 1e3 * rng.standard_normal(value.shape)
    if isinstance(value, (list, tuple)):
        return type(value)(redrawn(item, rng, kind) for item in value)
    if isinstance(value, dict):
        return {key: redrawn(item, rng, kind) for key, item in value.items()}
    return value


def oracle_plans(suite, seeds: int) -> list[Plan]:
    """The suite's plans at ``seeds`` seeds, each also with its float arrays redrawn three ways;
    every call's whole result is compared, not only what the case judges."""
    plans, rng = [], np.random.default_rng(20261201)
    for seed in range(seeds):
        for case in suite.cases:
            plan = case.build(case.rng(seed))
            variants = [plan]
            for kind in ("normal", "integers", "large"):
                # a Ref to an earlier call names its position, the same in the variant
                variants.append(Plan([Call(call.function, *redrawn(call.args, rng, kind), **redrawn(call.kwargs, rng, kind)) for call in plan.calls]))
            for variant in variants:
                variant.outputs = {f"result {call.step}": call.out for call in variant.calls}
                plans.append(variant)
    return plans


def outcome(plan, module):
    """What the plan's calls give on ``module``: ("ok", outputs), ("raised", type name) or ("hang", None)."""
    def alarm(signum, frame):
        raise TimeoutError
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG_SECONDS)
    try:
        with np.errstate(all="ignore"):
            return "ok", execute(wire.copied(plan), module, probes)[0]
    except TimeoutError:
        return "hang", None
    except Exception as error:  # noqa: BLE001 - any error is an outcome to compare
        cause = error.__cause__ or error
        return "raised", type(cause).__name__
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def differs(a, b) -> bool:
    """Whether two results differ beyond rounding: types, shapes, dtypes, values."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape or a.dtype != b.dtype:
            return True
        if a.dtype.kind in "biuf" and a.size:
            return bool(relative_error(a, b).max() > TOLERANCE)
        return not np.array_equal(a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is not type(b) or len(a) != len(b) or any(differs(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() != b.keys() or any(differs(a[k], b[k]) for k in a)
    if isinstance(a, (int, float, np.number, bool, np.bool_)) and isinstance(b, (int, float, np.number, bool, np.bool_)):
        if type(a) is not type(b) and not (isinstance(a, float) and isinstance(b, float)):
            return True
        return bool(relative_error(np.float64(a), np.float64(b)) > TOLERANCE)
    if isinstance(a, (types.FunctionType, types.ModuleType)) or a is None or isinstance(a, str):
        return a != b if isinstance(a, str) or a is None else False
    return False  # caches of other kinds are the implementation's own


def really_wrong(mutant_module, reference_module, plans, expected) -> bool:
    for plan, want in zip(plans, expected):
        got = outcome(plan, mutant_module)
        if got[0] != want[0] or (got[0] == "raised" and got[1] != want[1]):
            return True
        if got[0] == "ok" and any(differs(got[1][name], want[1][name]) for name in want[1]):
            return True
    return False


# -- the score --------------------------------------------------------------------------------

def score(assignment: str, seeds: int, limit: int | None, folder: Path) -> tuple[dict, list]:
    source = (ROOT / "solutions" / f"{assignment}.py").read_text()
    stub = ast.parse((ROOT / "assignments" / f"{assignment}.py").read_text())
    functions = {node.name for node in stub.body if isinstance(node, ast.FunctionDef)}
    made = mutants(source, functions)[:limit]
    reference_module = module_from(source, f"reference_{assignment}")
    plans = oracle_plans(SUITES[assignment], seeds)
    expected = [outcome(plan, reference_module) for plan in plans]
    counts = {"mutants": len(made), "equivalent": 0, "wrong": 0, "caught": 0}
    survivors = []
    for number, mutant in enumerate(made):
        try:
            module = module_from(mutant.source, f"mutant_{assignment}_{number}")
        except Exception:  # noqa: BLE001 - a mutant that cannot even import is wrong, and caught
            counts["wrong"] += 1
            counts["caught"] += 1
            continue
        if not really_wrong(module, reference_module, plans, expected):
            counts["equivalent"] += 1
            continue
        counts["wrong"] += 1
        submission = folder / f"{assignment}-{number}"
        submission.mkdir()
        (submission / f"{assignment}.py").write_text(mutant.source)
        result = grade(submission, [assignment], seed=1)
        if result.score < result.max_score:
            counts["caught"] += 1
        else:
            survivors.append(mutant)
    return counts, survivors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=sorted(SUITES), help="assignments to mutate (default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the suite's plans the oracle runs (default 3)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many mutants per assignment")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.assignments if name not in SUITES]
    if unknown:
        parser.error(f"unknown assignments: {', '.join(unknown)}")
    print(f"# {' '.join(sys.argv)}")
    print(f"{'assignment':<16}{'mutants':>9}{'equivalent':>12}{'wrong':>8}{'caught':>8}{'score':>9}{'seconds':>9}")
    reports = []
    with tempfile.TemporaryDirectory(prefix="mutants") as folder:
        for assignment in arguments.assignments:
            start = time.perf_counter()
            counts, survivors = score(assignment, arguments.seeds, arguments.limit, Path(folder))
            rate = counts["caught"] / counts["wrong"] if counts["wrong"] else 1.0
            print(f"{assignment:<16}{counts['mutants']:>9}{counts['equivalent']:>12}{counts['wrong']:>8}{counts['caught']:>8}"
                  f"{rate:>9.1%}{time.perf_counter() - start:>9.0f}", flush=True)
            reports.append((assignment, survivors))
    for assignment, survivors in reports:
        for mutant in survivors:
            print(f"survivor {assignment}.py line {mutant.line}: {mutant.change}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
