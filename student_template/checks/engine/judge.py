"""Judging a student's outputs: a ladder of checks that stops at the first failing rung.

For each named output: present, type, shape, dtype, finite, then values by the field's
relative error ``max |a - b| / max(1e-8, |a| + |b|)`` against a stated tolerance. Every
failure message says what, got, expected and where, in the student's terms.

A judge is an object with ``needs_reference``, ``side`` and ``check(outputs, expected,
warnings, plan)`` returning a :class:`Verdict`; :class:`Raises` also has ``check_error(error, plan)``.
A ``side`` judge checks a side property of a function (an argument left unchanged, an error
raised, a dtype or range, anything a constant output could satisfy): the grader counts its
points only once the function's main case passes (:mod:`autograder.grade`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .plan import Func, Made, Ref
from .wire import Opaque

FLOOR = 1e-8  # the denominator's floor: entries near zero are compared absolutely


@dataclass(frozen=True)
class Verdict:
    """The judgement on one case: passed or not, and what to tell the student."""

    passed: bool
    message: str = ""


PASS = Verdict(True)


class Mismatch(Exception):
    """An output failed a rung of the ladder; the message is for the student."""


def relative_error(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Entry-wise ``|a - e| / max(1e-8, |a| + |e|)``; 0 where both are equal (infinities, NaN)."""
    kind = complex if np.iscomplexobj(actual) or np.iscomplexobj(expected) else float
    actual, expected = np.asarray(actual, dtype=kind), np.asarray(expected, dtype=kind)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(actual - expected) / np.maximum(FLOOR, np.abs(actual) + np.abs(expected))
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    return np.where(same, 0.0, np.nan_to_num(error, nan=np.inf))


def describe(value) -> str:
    """A short phrase for what a value is: 'a numpy array of shape (4, 3)', 'a list', 'None'."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, Opaque):
        return f"an object of type {value.type_name}"
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"the str {value!r:.60}"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {value}"
    if isinstance(value, (numbers.Number, np.generic)):
        return f"the {type(value).__name__} {value.item() if isinstance(value, np.generic) else value!r}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return "a dict"
    return f"a {type(value).__name__}"


def brief(value, limit: int = 60) -> str:
    """A short repr for a message: arrays by shape and dtype (also inside lists, tuples and
    dicts, of which the first four items are shown), anything longer than ``limit`` cut."""
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, (list, tuple, dict)):
        items = list(value.items()) if isinstance(value, dict) else list(value)
        shown = [f"{key!r}: {brief(item, limit)}" for key, item in items[:4]] if isinstance(value, dict) else [brief(item, limit) for item in items[:4]]
        inner = ", ".join(shown + (["..."] if len(items) > 4 else [])) + ("," if isinstance(value, tuple) and len(items) == 1 else "")
        text = {dict: "{%s}", list: "[%s]"}.get(type(value), "(%s)") % inner
    elif isinstance(value, Made):
        text = "rng" if value.name == "generator" else f"<{value.name}>"
    elif isinstance(value, Func):
        text = value.name
    elif isinstance(value, Ref):
        text = f"<{'an argument' if value.kind == 'arg' else 'the result'} of {getattr(value.step, 'function', 'an earlier call')}>"
    else:
        text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def call_label(call) -> str:
    """A call as the student would write it, arrays by shape and dtype: 'conv_output_size(5, 0)'."""
    arguments = [brief(a) for a in call.args] + [f"{key}={brief(value)}" for key, value in call.kwargs.items()]
    return f"{call.function}({', '.join(arguments)})"


def _index(flat: int, shape: tuple) -> str:
    return str(tuple(int(i) for i in np.unravel_index(flat, shape))) if shape else "()"


def compare(name: str, actual, expected, tol: float) -> None:
    """Raise :class:`Mismatch` unless ``actual`` matches ``expected`` (recursively).

    Arrays: exact shape (no broadcasting), the same kind of dtype (float64 for floats, exactly
    the expected integer dtype for integers: the contract's int64 indices),
    finite where expected is finite, relative error at most ``tol``. Scalars: a number,
    not an array; ints exactly. Tuples, lists and dicts: item by item (dicts: the
    expected keys only, extra keys are the student's own state).
    """
    if isinstance(expected, np.ndarray):
        _compare_array(name, actual, expected, tol)
    elif isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)) or bool(actual) != bool(expected):
            raise Mismatch(f"{name} is {describe(actual)}, expected {bool(expected)}.")
    elif isinstance(expected, (numbers.Integral, np.integer)):
        if isinstance(actual, np.ndarray) and actual.shape == ():
            actual = actual[()]
        if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Integral, np.integer)):
            raise Mismatch(f"{name} is {describe(actual)}, expected the int {int(expected)}" + (": use // or int(), not /." if isinstance(actual, (float, np.floating)) else "."))
        if int(actual) != int(expected):
            raise Mismatch(f"{name} is {int(actual)}, expected {int(expected)}.")
    elif isinstance(expected, (numbers.Real, np.floating)):
        _compare_scalar(name, actual, float(expected), tol)
    elif isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            raise Mismatch(f"{name} is {describe(actual)}, expected a {type(expected).__name__} of {len(expected)} items.")
        if len(actual) != len(expected):
            raise Mismatch(f"{name} has {len(actual)} items, expected {len(expected)}.")
        for position, (got, want) in enumerate(zip(actual, expected)):
            compare(f"{name}[{position}]", got, want, tol)
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise Mismatch(f"{name} is {describe(actual)}, expected a dict.")
        for key, want in expected.items():
            if key not in actual:
                raise Mismatch(f"{name} has no key {key!r}.")
            compare(f"{name}[{key!r}]", actual[key], want, tol)
    elif actual != expected or type(actual) is not type(expected):
        raise Mismatch(f"{name} is {describe(actual)}, expected {describe(expected)}.")


def _compare_scalar(name: str, actual, expected: float, tol: float) -> None:
    if isinstance(actual, np.ndarray):
        if actual.shape != ():
            raise Mismatch(f"{name} is a numpy array of shape {actual.shape}, expected a single number: use float(...) or .item().")
        actual = actual[()]
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Real, np.integer, np.floating)):
        raise Mismatch(f"{name} is {describe(actual)}, expected a number like {expected:.6g}.")
    actual = float(actual)
    if np.isfinite(expected) and not np.isfinite(actual):
        raise Mismatch(f"{name} is {actual}, expected the finite number {expected:.6g}: look for an overflow (exp of a large number) or log(0).")
    error = float(relative_error(actual, expected))
    if error > tol:
        raise Mismatch(f"{name} is {actual:.6g}, expected {expected:.6g} (relative error {error:.2g}, tolerance {tol:g}).")


def _compare_array(name: str, actual, expected: np.ndarray, tol: float) -> None:
    if not isinstance(actual, np.ndarray):
        hint = " (numpy would broadcast it; the grader does not)" if isinstance(actual, (numbers.Number, np.generic)) else ""
        raise Mismatch(f"{name} is {describe(actual)}, expected a numpy array of shape {expected.shape}{hint}.")
    # bit for bit the reference's: every rung below would pass (equal bits are equal values,
    # and a NaN where the reference has the same NaN), so none is climbed. Values that are
    # equal in other bits (-0.0 and 0.0, NaNs of other payloads) take the ladder as before.
    if actual.dtype == expected.dtype and actual.shape == expected.shape and actual.tobytes() == expected.tobytes():
        return
    if actual.shape != expected.shape:
        hint = ""
        if actual.size == expected.size:
            hint = " The same entries in another shape: check a transpose, reshape or a kept dimension (keepdims)."
        raise Mismatch(f"{name} has shape {actual.shape}, expected {expected.shape}.{hint}")
    if actual.dtype.kind != expected.dtype.kind or (expected.dtype.kind == "f" and actual.dtype.itemsize < expected.dtype.itemsize):
        raise Mismatch(f"{name} has dtype {actual.dtype}, expected {expected.dtype}.")
    if expected.dtype.kind in "iu" and actual.dtype != expected.dtype:  # indices: the contract states the dtype (int64)
        raise Mismatch(f"{name} has dtype {actual.dtype}, expected {expected.dtype}, as the handout states: use .astype(np.{expected.dtype}).")
    if expected.dtype.kind in "fc":
        bad = ~np.isfinite(actual) & np.isfinite(expected)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            what = "NaN" if np.isnan(actual.flat[first]) else "inf"
            count = int(bad.sum())
            raise Mismatch(f"{name} has {count} non-finite {'entry' if count == 1 else 'entries'} ({what} at index {_index(first, actual.shape)}), expected finite values: look for an overflow (exp of a large number), log(0) or 0/0.")
    if actual.size == 0:
        return
    if expected.dtype.kind in "biu":
        wrong = actual != expected
        if wrong.any():
            first = int(np.flatnonzero(wrong)[0])
            raise Mismatch(f"{name} differs in {int(wrong.sum())} of {actual.size} entries; first at index {_index(first, actual.shape)}: expected {expected.flat[first].item()!r}, got {actual.flat[first].item()!r}.")
        return
    error = relative_error(actual, expected)
    # the entry named is the first within a relative 1e-9 of the largest error: where every
    # entry is equally wrong (all scaled alike), the errors differ only in their last bits,
    # which vary with the CPU's vector instructions, and argmax alone would name another
    # entry on another machine than the handout's data was made on
    worst = int(np.argmax(error >= np.max(error) * (1 - 1e-9)))
    if error.flat[worst] > tol:
        wrong = int((error > tol).sum())
        raise Mismatch(
            f"{name} is wrong in {wrong} of {actual.size} entries: largest relative error {error.flat[worst]:.2g} "
            f"(tolerance {tol:g}) at index {_index(worst, actual.shape)}, expected {expected.flat[worst]:.6g}, got {actual.flat[worst]:.6g}."
        )


class Judge:
    """What every judge has: whether it needs the reference's outputs, and how it takes an error.

    ``check(outputs, expected, warnings, plan)`` judges the outputs of a plan that ran;
    ``check_error(error, plan)`` judges an exception raised by the plan's last call, or
    returns ``None`` when an exception is simply a failure (every judge but :class:`Raises`).
    """

    needs_reference = True
    side = False

    def check_error(self, error: dict, plan) -> Verdict | None:
        return None


@dataclass(frozen=True)
class Compare(Judge):
    """Judge every output against the reference's, within relative tolerance ``tol``.

    ``form_only`` names outputs judged for their form only (type, shape, dtype, finiteness),
    not their values: a case about something else (an input left unchanged) still needs
    a well-formed result, so an empty function cannot pass it.
    ``no_warnings``: also fail when the student's code raised a numpy RuntimeWarning (an
    overflow in ``exp`` that happened to give the right value is still a bug). It is a
    proxy: a student can silence numpy with ``np.errstate``, so weight such cases lightly.
    """

    tol: float = 1e-6
    form_only: tuple = ()
    no_warnings: bool = False

    @property
    def side(self) -> bool:
        """A case that judges some outputs for their form only is about something else."""
        return bool(self.form_only)

    def check(self, outputs: dict, expected: dict, warnings: list, plan) -> Verdict:
        try:
            for name, want in expected.items():
                compare(name, outputs.get(name), want, math.inf if name in self.form_only else self.tol)
        except Mismatch as mismatch:
            return Verdict(False, str(mismatch))
        numeric = [text for category, text in warnings if category == "RuntimeWarning"]
        if self.no_warnings and numeric:
            return Verdict(False, f"The values are right, but numpy warned: RuntimeWarning: {numeric[0]}. Rewrite the computation so that it cannot overflow.")
        return PASS


@dataclass(frozen=True)
class Property(Judge):
    """Judge by properties instead of a reference value (random outputs, invariants).

    ``test(outputs, plan)`` returns a list of problems, each a message for the student;
    an empty list passes. ``side``: the property is one a constant output could satisfy
    (same seed, same draws; indices in range), so it counts only beside right values.
    """

    test: Callable
    side: bool = False
    needs_reference = False

    def check(self, outputs: dict, expected, warnings: list, plan) -> Verdict:
        problems = self.test(outputs, plan)
        return Verdict(not problems, " ".join(problems))


@dataclass(frozen=True)
class Raises(Judge):
    """The plan's last call must raise ``error`` (or a subclass), for inputs the contract forbids;
    ``why`` says which rule of the contract they break ("the kernel size must be positive")."""

    error: type
    why: str = ""
    needs_reference = False
    side = True

    def _expected(self) -> str:
        return f"expected {self.error.__name__}" + (f": {self.why}" if self.why else "") + "."

    def check(self, outputs: dict, expected, warnings: list, plan) -> Verdict:
        value = next(iter(outputs.values()), None)
        return Verdict(False, f"{call_label(plan.calls[-1])} returned {brief(value)}; {self._expected()}")

    def check_error(self, error: dict, plan) -> Verdict:
        if self.error.__name__ in error.get("mro", []):
            return PASS
        return Verdict(False, f"{call_label(plan.calls[-1])} raised {error.get('type')}: {error.get('message')}; {self._expected()}")


def verdict(judge: Judge, outcome, plan, expected, memory_bytes: int) -> Verdict:
    """The judgement on what the worker reported for ``plan`` (an :class:`~autograder.sandbox.Outcome`),
    given the reference's ``expected`` outputs (``None`` for judges that need none)."""
    answer = outcome.value
    if outcome.status == "ok":
        return judge.check(answer["outputs"], expected, answer["warnings"], plan)
    if outcome.status == "raised" and answer.get("kind") == "raised" and answer.get("step") == len(plan.calls) - 1:
        handled = judge.check_error(answer["error"], plan)
        if handled is not None:
            return handled
    return Verdict(False, failure(outcome, plan.functions, memory_bytes))


def failure(outcome, functions: list, memory_bytes: int) -> str:
    """What went wrong when the student's code gave no outputs to judge, in their terms."""
    answer = outcome.value
    step = answer.get("step")
    running = functions[step] if isinstance(step, int) and 0 <= step < len(functions) else ", ".join(dict.fromkeys(functions))
    if outcome.status == "timeout":
        return f"Timed out: {running} did not finish within {outcome.seconds:g} s (an infinite loop, or much too slow)."
    if outcome.status == "crashed":
        return f"Crashed while running {running}: {outcome.detail}."
    if outcome.status == "garbled":
        return f"The result of {running} could not be read back ({outcome.detail}): return numpy arrays, numbers and tuples."
    error = answer["error"]
    function = answer.get("function") or running
    if answer.get("kind") == "missing":
        return f"Missing function: your module has no {function}. Define it at the top level of the module, with the name the handout gives."
    if answer.get("kind") == "unpack":
        why = f"The result of {function} could not be unpacked ({error['message']}): return exactly what the handout says, e.g. a tuple (out, cache)."
    elif error["type"] == "NotImplementedError":
        why = f"{function} is not implemented yet: it raises NotImplementedError({error['message']!r})."
    elif error["type"] == "MemoryError":
        why = f"{function} ran out of memory (the limit is {memory_bytes >> 20} MB): {error['message']}"
    else:
        note = f" {error['note']}" if error["note"] else ""
        why = f"{function} raised {error['type']}.{note}\n{error['traceback']}"
    if functions and function != functions[-1]:
        why = f"This case calls {function} first (for {functions[-1]}): {why}"
    return why
