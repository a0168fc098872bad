"""Points for substance: a side case counts only once its function computes right values.

A side case judges a property a constant output could satisfy: its arguments left
unchanged, an error raised on bad input, an output's form, or an answer that is all zeros.
Its points are withheld while the function's main case (the right values on ordinary
inputs) fails. The grader applies this rule to every case, and the handout's public checks
apply the same code to the visible cases (``dlgrade release`` ships this module), so a
student sees the same verdict locally as on Gradescope. Numpy only.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

GRADER_ERROR = "Grader error: this case could not be graded; course staff have been told."


@dataclass(frozen=True)
class Role:
    """What the rule needs to know of one case: its ``name`` and ``visibility``, the last
    ``function`` its plan calls (``None`` if the plan could not be built), whether it is a
    ``side`` case, and the function whose main case gates it when not its own (``side_of``)."""

    name: str
    visibility: str
    function: str | None
    side: bool
    side_of: str | None = None

    @property
    def subject(self) -> str | None:
        """The function whose right values this case's points wait for."""
        return self.side_of or self.function


def all_zero(value) -> bool:
    """Whether every number in ``value`` (arrays, numbers, bools, nested in tuples, lists and
    dicts) is 0 or False, or it holds none: an answer a constant output gives."""
    if isinstance(value, (tuple, list)):
        return all(all_zero(item) for item in value)
    if isinstance(value, dict):
        return all(all_zero(item) for item in value.values())
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return not value.any()
    if isinstance(value, (numbers.Number, np.generic)):
        return value == 0
    return False


def main_cases(roles) -> dict:
    """Function -> the index in ``roles`` of its main case: the first visible case that is not
    a side case and whose plan's last call is that function, else the first such hidden case."""
    main = {}
    for visibility in ("visible", "hidden"):
        for index, role in enumerate(roles):
            if role.function is not None and not role.side and role.visibility == visibility:
                main.setdefault(role.function, index)
    return main


def withheld(roles, results: list, staff: list) -> list:
    """``results`` (one :class:`~autograder.results.CaseResult` per role) with the points of
    every passed side case withheld whose function's main case failed: a constant output
    that leaves its arguments alone and raises where it must earns nothing. The message
    names the main case to fix first. A side case with no main case in ``roles`` is a suite
    bug: it fails with :data:`GRADER_ERROR`, and ``staff`` is told."""
    main = main_cases(roles)
    gated = []
    for role, result in zip(roles, results):
        subject = role.subject
        if role.side and result.passed and subject is not None:
            if subject not in main:
                staff.append(f"{result.assignment}/{role.name}: a side case of {subject}, which has no main case in the suite")
                result = replace(result, passed=False, message=GRADER_ERROR)
            elif not results[main[subject]].passed:
                result = replace(result, passed=False, message=(
                    f"Withheld: {subject} does not yet compute right values (see {roles[main[subject]].name!r}). "
                    "This check passed; its points count once that case passes too."))
        gated.append(result)
    return gated
