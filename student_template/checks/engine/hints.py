"""Misconception hints: when a case fails, say which known mistake the answer looks like.

A case may declare hints (:class:`Hint`), each a named wrong variant of its expected result.
They are tried only on the failing path, in the grader, after the verdict: a correct
submission never pays for them. A hint is offered only when the student's outputs match
the wrong variant within the case's tolerance *and* that variant differs from the right
answer on these inputs, so it is never guessed and never shown where the mistake and the
truth coincide (an average over a batch of one equals the sum).
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass
from typing import Callable

from . import probes, wire
from .judge import Compare, Mismatch, compare
from .plan import execute


@dataclass(frozen=True)
class Hint:
    """A known mistake and what to tell a student who made it.

    ``name`` identifies the misconception (staff summaries count students per name);
    ``text`` is the line the student reads: what their output looks like and the idea from
    the lecture. Exactly one way to recognise it:

    - ``wrong(expected, plan) -> {output: value}``: the wrong values, computed from the
      reference's outputs and the plan's inputs (``expected["db"] / n``, ``expected["J"].T``);
    - ``replace = {function: wrong_implementation}``: the plan is run in the grader on the
      reference with those functions swapped for the wrong ones (also inside the
      reference's other functions that call them);
    - ``test(outputs, plan) -> bool``: for property-judged cases, where there is no single
      expected value; it must be True only for outputs that show this mistake.
    """

    name: str
    text: str
    wrong: Callable | None = None
    replace: dict | None = None
    test: Callable | None = None

    def __post_init__(self):
        ways = [way for way in (self.wrong, self.replace, self.test) if way is not None]
        if len(ways) != 1:
            raise ValueError(f"hint {self.name!r}: give exactly one of wrong=, replace= or test=")


def diagnose(hints, outputs: dict, expected: dict | None, plan, solution, judge) -> Hint | None:
    """The first of ``hints`` whose wrong variant the student's ``outputs`` match, else ``None``.

    ``expected`` is the reference's outputs for ``plan`` (``None`` for property-judged
    cases), ``solution`` the reference module, ``judge`` the case's judge (its tolerance is
    the matching tolerance). A hint whose variant cannot be computed is skipped: a hint
    is advice, never a reason to fail or crash.
    """
    return recognised(candidates(hints, expected, plan, solution, judge), outputs, plan, judge)


def candidates(hints, expected: dict | None, plan, solution, judge) -> list[tuple[Hint, dict | None]]:
    """Each hint that could be recognised on ``plan``, with its wrong variant (``None`` for a
    ``test`` hint): the variants that could not be computed, or that equal the right answer
    on these inputs, are left out. Computed in the grader, with the reference; the public
    checks get these values recorded, never the hints' code."""
    tol = _tolerance(judge)
    found = []
    for hint in hints:
        if hint.test is not None:
            found.append((hint, None))
            continue
        try:
            variant = _variant(hint, expected, plan, solution)
            judged = [name for name in plan.outputs if name in variant and (expected is None or name in expected)]
            if judged and not _matches(expected, variant, judged, tol):
                found.append((hint, {name: variant[name] for name in judged}))
        except Exception:  # noqa: BLE001 - see diagnose
            continue
    return found


def recognised(candidates: list, outputs: dict, plan, judge) -> Hint | None:
    """The first hint of ``candidates`` (from :func:`candidates`) whose variant the student's
    ``outputs`` match within the judge's tolerance (or whose test holds on them), else ``None``."""
    tol = _tolerance(judge)
    for hint, variant in candidates:
        try:
            if hint.test(outputs, plan) if variant is None else _matches(outputs, variant, list(variant), tol):
                return hint
        except Exception:  # noqa: BLE001 - see diagnose
            continue
    return None


def _tolerance(judge) -> float:
    return judge.tol if isinstance(judge, Compare) else 1e-6


def _variant(hint: Hint, expected: dict | None, plan, solution) -> dict:
    if hint.wrong is not None:
        return hint.wrong(expected, plan)
    outputs, _ = execute(wire.copied(plan), _replaced(solution, hint.replace), probes)
    return outputs


def _replaced(solution, replace: dict):
    """The reference with the functions in ``replace`` swapped, also where the reference's
    own functions call them (``multi_head_attention_forward`` calling a wrong ``softmax``)."""
    namespace = {**vars(solution), **replace}
    for name, value in vars(solution).items():
        if name not in replace and isinstance(value, types.FunctionType) and value.__globals__ is vars(solution):
            rebound = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__)
            rebound.__kwdefaults__ = value.__kwdefaults__
            namespace[name] = rebound
    return types.SimpleNamespace(**namespace)


def _matches(outputs: dict | None, variant: dict, names: list, tol: float) -> bool:
    if outputs is None:
        return False
    try:
        for name in names:
            compare(name, outputs.get(name), variant[name], tol if math.isfinite(tol) else 1e-6)
    except Mismatch:
        return False
    return True
