"""The public checks' toolkit: fixed examples, numerical gradients, properties. Numpy only.

A check file (``checks/test_<assignment>.py``) is plain pytest. It declares *examples*:
functions of your module that draw inputs from a fixed seed, call your functions and
return their outputs by name. The course ran every example on its reference solution when
it released this handout and stored the outputs in ``checks/expected/<assignment>.json``;
a check compares your outputs with those, with the grader's rules:

    exact shapes ((D,) is not (1, D)), float64, finite, and the relative error
    max |a - e| / max(1e-8, |a| + |e|) within a tolerance (1e-6 unless stated).

Other checks need no stored values: gradients against central differences
(:func:`check_gradient`), and properties (:func:`assert_property`, :func:`assert_no_warnings`,
:func:`assert_unchanged`, :func:`assert_statistic`). Every failure says what, got,
expected and where. The hidden grader uses other inputs, so passing here is a good sign,
not a guarantee.

In a notebook, :func:`run_checks` runs a check file's tests without pytest, on the module
you name or on the notebook itself (``run_checks("backprop", "affine", module=__main__)``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import math
import numbers
import sys
import traceback
import types
import warnings
from pathlib import Path

import numpy as np

CHECKS = Path(__file__).resolve().parent
EXPECTED = CHECKS / "expected"
FLOOR = 1e-8  # the relative error's denominator floor, as in the grader
DIGITS = 12  # stored values keep 12 significant digits: far below any tolerance, stable across machines


class CheckFailed(AssertionError):
    """A check failed; the message says what, got, expected and where."""


def fail(message: str):
    """Fail the current check with ``message`` (raises :class:`CheckFailed`)."""
    __tracebackhide__ = True
    raise CheckFailed(message)


# -- inputs ---------------------------------------------------------------------------------

def rng(seed) -> np.random.Generator:
    """A fresh numpy Generator for a fixed ``seed`` (an int or a list of ints)."""
    return np.random.default_rng(seed)


def normal(generator: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal float64 draws of ``shape``, times ``scale``."""
    return scale * generator.standard_normal(shape)


def with_zeros(generator: np.random.Generator, x: np.ndarray, share: float = 0.25) -> np.ndarray:
    """A copy of ``x`` with about ``share`` of its entries (at least one) set to exactly 0."""
    x = np.array(x, dtype=float)
    zeros = generator.random(x.shape) < share
    zeros.flat[generator.integers(x.size)] = True
    x[zeros] = 0.0
    return x


# -- comparing ------------------------------------------------------------------------------

def relative_error(actual, expected) -> np.ndarray:
    """Entry-wise ``|a - e| / max(1e-8, |a| + |e|)``; 0 where both are equal (inf, NaN too)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(actual - expected) / np.maximum(FLOOR, np.abs(actual) + np.abs(expected))
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    return np.where(same, 0.0, np.nan_to_num(error, nan=np.inf))


def describe(value) -> str:
    """A short phrase for what a value is: 'a numpy array of shape (4, 3) and dtype float64'."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_, numbers.Number, np.generic)):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _index(flat: int, shape: tuple) -> str:
    return str(tuple(int(i) for i in np.unravel_index(flat, shape))) if shape else "()"


def assert_close(name: str, actual, expected, tol: float = 1e-6) -> None:
    """Fail unless ``actual`` matches ``expected``, climbing the grader's ladder.

    Arrays: a numpy array, the exact shape, the same kind of dtype (float64 for floats),
    finite where expected is finite, then the relative error at most ``tol``. Python
    floats: one number, within ``tol``. Ints and bools: exactly.
    """
    __tracebackhide__ = True
    if isinstance(expected, np.ndarray):
        _close_array(name, actual, expected, tol)
    elif isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)) or bool(actual) != bool(expected):
            fail(f"{name} is {describe(actual)}, expected {bool(expected)}.")
    elif isinstance(expected, (numbers.Integral, np.integer)):
        if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Integral, np.integer)):
            fail(f"{name} is {describe(actual)}, expected the int {int(expected)}.")
        if int(actual) != int(expected):
            fail(f"{name} is {int(actual)}, expected {int(expected)}.")
    else:
        _close_number(name, actual, float(expected), tol)


def _close_number(name: str, actual, expected: float, tol: float) -> None:
    __tracebackhide__ = True
    if isinstance(actual, np.ndarray):
        if actual.shape != ():
            fail(f"{name} is a numpy array of shape {actual.shape}, expected a single number: use float(...) or .item().")
        actual = actual[()]
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Real, np.integer, np.floating)):
        fail(f"{name} is {describe(actual)}, expected a number like {expected:.6g}.")
    actual = float(actual)
    if math.isfinite(expected) and not math.isfinite(actual):
        fail(f"{name} is {actual}, expected the finite number {expected:.6g}: look for an overflow (exp of a large number) or log(0).")
    error = float(relative_error(actual, expected))
    if error > tol:
        fail(f"{name} is {actual:.6g}, expected {expected:.6g} (relative error {error:.2g}, tolerance {tol:g}).")


def _close_array(name: str, actual, expected: np.ndarray, tol: float) -> None:
    __tracebackhide__ = True
    if not isinstance(actual, np.ndarray):
        fail(f"{name} is {describe(actual)}, expected a numpy array of shape {expected.shape}.")
    assert_shape(name, actual, expected.shape)
    if actual.dtype.kind != expected.dtype.kind or (expected.dtype.kind == "f" and actual.dtype.itemsize < expected.dtype.itemsize):
        fail(f"{name} has dtype {actual.dtype}, expected {expected.dtype}.")
    if expected.dtype.kind == "f":
        bad = ~np.isfinite(actual) & np.isfinite(expected)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            what = "NaN" if np.isnan(actual.flat[first]) else "inf"
            fail(f"{name} has {int(bad.sum())} non-finite entries ({what} at index {_index(first, actual.shape)}), expected finite values: look for an overflow (exp of a large number), log(0) or 0/0.")
    if actual.size == 0:
        return
    if expected.dtype.kind != "f":
        wrong = actual != expected
        if wrong.any():
            first = int(np.flatnonzero(wrong)[0])
            fail(f"{name} differs in {int(wrong.sum())} of {actual.size} entries; first at index {_index(first, actual.shape)}: expected {expected.flat[first].item()!r}, got {actual.flat[first].item()!r}.")
        return
    error = relative_error(actual, expected)
    worst = int(np.argmax(error))
    if error.flat[worst] > tol:
        fail(f"{name} is wrong in {int((error > tol).sum())} of {actual.size} entries: largest relative error {error.flat[worst]:.2g} "
             f"(tolerance {tol:g}) at index {_index(worst, actual.shape)}, expected {expected.flat[worst]:.6g}, got {actual.flat[worst]:.6g}.")


def assert_shape(name: str, value, shape: tuple) -> None:
    """Fail unless ``value`` is a numpy array of exactly ``shape`` (no broadcasting)."""
    __tracebackhide__ = True
    if not isinstance(value, np.ndarray):
        fail(f"{name} is {describe(value)}, expected a numpy array of shape {tuple(shape)}.")
    if value.shape != tuple(shape):
        hint = " The same entries in another shape: check a transpose, reshape or a kept dimension (keepdims)." if value.size == math.prod(shape) else ""
        fail(f"{name} has shape {value.shape}, expected {tuple(shape)}.{hint}")


# -- gradients ------------------------------------------------------------------------------

def numerical_gradient(f, x: np.ndarray, dout=None, h: float = 1e-5) -> np.ndarray:
    """The gradient of ``sum(f(x) * dout)`` with respect to ``x``, by central differences.

    ``f`` maps an array of x's shape to an array (or a number); ``dout`` is the upstream
    gradient, of f's output shape (default: ones, the gradient of sum(f(x))). Each entry
    is ``(g(x + h e_i) - g(x - h e_i)) / (2h)``, error O(h^2). x is not modified.
    """
    x = np.array(x, dtype=float)
    dout = np.ones_like(np.asarray(f(x.copy()), dtype=float)) if dout is None else np.asarray(dout, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        up = np.sum(np.asarray(f(x + step)) * dout)
        down = np.sum(np.asarray(f(x - step)) * dout)
        grad.flat[i] = (up - down) / (2 * h)
    return grad


def check_gradient(name: str, analytic, f, x: np.ndarray, dout=None, tol: float = 1e-6, h: float = 1e-5) -> None:
    """Fail unless ``analytic`` is the gradient of ``sum(f(x) * dout)`` at ``x``.

    Compares with :func:`numerical_gradient` (shape, dtype, finiteness, relative error at
    most ``tol``): ``name`` is what the message calls the gradient (``"dx"``). For a
    number x (a 0-d array), the gradient is expected as a Python float.
    """
    __tracebackhide__ = True
    numerical = numerical_gradient(f, x, dout, h)
    assert_close(f"{name} (compared with central differences)", analytic, float(numerical) if numerical.shape == () else numerical, tol)


# -- properties -----------------------------------------------------------------------------

def assert_property(holds: bool, message: str) -> None:
    """Fail with ``message`` (what was expected, what was found) unless ``holds``."""
    __tracebackhide__ = True
    if not holds:
        fail(message)


def assert_statistic(name: str, value: float, expected: float, bound: float) -> None:
    """Fail unless ``|value - expected| <= bound``: for statistics of random outputs,
    with ``bound`` several standard errors wide so a correct function fails almost never."""
    __tracebackhide__ = True
    if not abs(float(value) - expected) <= bound:
        fail(f"{name} is {float(value):.6g}, expected {expected:.6g} within {bound:.2g}.")


def assert_unchanged(name: str, before: np.ndarray, after: np.ndarray) -> None:
    """Fail unless the input ``name`` still equals its copy taken ``before`` the call."""
    __tracebackhide__ = True
    if not np.array_equal(before, after, equal_nan=True):
        where = _index(int(np.flatnonzero(before != after)[0]), before.shape) if before.shape == after.shape else "its shape"
        fail(f"{name} was modified by your function (first change at {where}): work on a copy, never write into an input.")


def assert_no_warnings(name: str, function, *args, **kwargs):
    """Call ``function(*args, **kwargs)`` and return its result; fail if numpy warned.

    An overflow in exp that happens to give the right answer is still a bug: the message
    names the warning (``overflow encountered in exp``).
    """
    __tracebackhide__ = True
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return function(*args, **kwargs)
        except RuntimeWarning as warning:
            fail(f"{name} raised a numpy RuntimeWarning: {warning}. Rewrite it so that exp never sees a large positive number and log never sees 0.")


# -- examples and their stored expected values ----------------------------------------------

class Examples:
    """One assignment's fixed examples: each a function of the module returning its outputs by name.

    Register with ``@examples.register``; the example's name is the function's. An example
    must be deterministic (fixed seeds) and return ``{output name: value}`` where a value is
    a numpy array, a float, an int or a bool.
    """

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.functions = {}
        self._expected = None

    def register(self, example):
        """Decorator: add ``example`` (a function of the module) under its own name."""
        if example.__name__ in self.functions:
            raise ValueError(f"two examples named {example.__name__!r}")
        self.functions[example.__name__] = example
        return example

    def expected(self, name: str) -> dict:
        """The stored outputs of example ``name``, as the reference gave them."""
        if self._expected is None:
            path = EXPECTED / f"{self.assignment}.json"
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: the handout is incomplete (course staff: run `dlgrade release`)")
            self._expected = {example: {output: _decode(value) for output, value in outputs.items()}
                              for example, outputs in json.loads(path.read_text()).items()}
        return self._expected[name]

    def check(self, example, module, tol: float = 1e-6) -> None:
        """Run ``example`` (the function or its name) on ``module``; fail unless every output
        matches the stored expected value (see :func:`assert_close`)."""
        __tracebackhide__ = True
        name = example if isinstance(example, str) else example.__name__
        outputs = self.functions[name](module)
        for output, want in self.expected(name).items():
            assert_close(output, outputs[output], want, tol)

    def record(self, module) -> str:
        """Run every example on ``module`` (the reference) and return the JSON to store.

        Deterministic text: sorted, one output per line, values rounded to 12 significant digits.
        """
        lines = []
        for name in sorted(self.functions):
            outputs = self.functions[name](module)
            entries = [f"    {json.dumps(output)}: {json.dumps(_encode(value))}" for output, value in sorted(outputs.items())]
            lines.append(f"  {json.dumps(name)}: {{\n" + ",\n".join(entries) + "\n  }")
        return "{\n" + ",\n".join(lines) + "\n}\n"


def _round(value: float) -> float:
    return float(f"{value:.{DIGITS}g}") if math.isfinite(value) else value


def _encode(value) -> dict:
    """A stored value: ``{"array": flat values, "shape": ..., "dtype": ...}``, ``{"float": x}``, ``{"int": n}`` or ``{"bool": b}``."""
    if isinstance(value, np.ndarray):
        flat = [_round(float(v)) for v in value.ravel()] if value.dtype.kind == "f" else value.ravel().tolist()
        return {"array": flat, "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, (numbers.Integral, np.integer)):
        return {"int": int(value)}
    if isinstance(value, (numbers.Real, np.floating)):
        return {"float": _round(float(value))}
    raise TypeError(f"an example's output must be an array, a float, an int or a bool, not {describe(value)}")


def _decode(stored: dict):
    if "array" in stored:
        return np.array(stored["array"], dtype=stored["dtype"]).reshape(stored["shape"])
    (kind, value), = stored.items()
    return {"float": float, "int": int, "bool": bool}[kind](value)


def load_check_file(assignment: str, module=None):
    """Import ``checks/test_<assignment>.py`` as a fresh module.

    With ``module`` given, the check file's tests use it in place of the module they import
    by name (``import backprop``): a notebook passes itself to check the functions it defines.
    """
    if str(CHECKS) not in sys.path:
        sys.path.insert(0, str(CHECKS))
    if str(CHECKS.parent) not in sys.path:
        sys.path.insert(0, str(CHECKS.parent))
    if module is None and assignment in sys.modules:
        importlib.reload(sys.modules[assignment])  # see edits saved since the last import
    spec = importlib.util.spec_from_file_location(f"checks_test_{assignment}", CHECKS / f"test_{assignment}.py")
    checks = importlib.util.module_from_spec(spec)
    with _standing_in("harness", _itself()), _standing_in(assignment, module):
        spec.loader.exec_module(checks)
    return checks


def _itself():
    """This harness as a module: the check file's ``from harness import ...`` must get this
    copy, with its own ``checks/expected``, not another ``harness`` imported earlier."""
    module = sys.modules.get(__name__)
    if module is None or vars(module) is not globals():
        module = types.ModuleType("harness")
        module.__dict__.update(globals())
    return module


@contextlib.contextmanager
def _standing_in(assignment: str, module):
    """While the check file is imported, ``import <assignment>`` gives ``module`` (if given)."""
    if module is None:
        yield
        return
    saved = sys.modules.get(assignment)
    sys.modules[assignment] = module
    try:
        yield
    finally:
        if saved is None:
            del sys.modules[assignment]
        else:
            sys.modules[assignment] = saved


def run_checks(assignment: str, *names: str, module=None) -> bool:
    """Run the tests of ``checks/test_<assignment>.py`` for the functions ``names`` (a test
    ``test_<function>`` or ``test_<function>_...`` checks the longest function name it starts
    with, so "softmax" never runs softmax_cross_entropy's tests), or the test named ``name``
    itself when it starts with ``test_``; all tests when no name is given. Prints one line
    per test and returns True if all passed; a name that selects no test is a failure, said.

    For notebooks: no pytest needed. ``module`` as in :func:`load_check_file`. Tests in a
    check file take no arguments, so they can run here as well as under pytest.
    """
    checks = load_check_file(assignment, module)
    tested = getattr(checks, assignment, None)
    functions = {name for name, value in vars(tested).items() if callable(value) and not name.startswith("_")} if tested else set()
    everything = {name: test for name, test in vars(checks).items() if name.startswith("test_") and callable(test)}
    unmatched = [part for part in names if not any(_selects(part, name, functions) for name in everything)]
    if unmatched:
        print(f"no check in test_{assignment}.py for {', '.join(unmatched)} (name a function of {assignment}.py, or a test)")
        return False
    tests = [test for name, test in everything.items() if not names or any(_selects(part, name, functions) for part in names)]
    failed = 0
    for test in tests:
        try:
            test()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - a failed check (pytest's Failed is not an Exception), the student's own error, even sys.exit()
            failed += 1
            print(f"FAIL {test.__name__}: {_reason(error)}")
        else:
            print(f"ok   {test.__name__}")
    print(f"{len(tests) - failed} of {len(tests)} checks passed")
    return failed == 0


def _selects(part: str, name: str, functions: set) -> bool:
    """Whether ``part`` (a function, "sigmoid", or a test, "test_sigmoid") selects the test ``name``."""
    if part.startswith("test_"):
        return name == part or name.startswith(f"{part}_")
    return _function_of(name, functions) == part


def _function_of(test: str, functions: set) -> str | None:
    """The function the test ``test`` checks: the longest one it is named after."""
    named = [function for function in functions if test == f"test_{function}" or test.startswith(f"test_{function}_")]
    return max(named, key=len, default=None)


def _reason(error: BaseException) -> str:
    if isinstance(error, AssertionError) and str(error):
        return str(error)
    last = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error} ({Path(last.filename).name}, line {last.lineno})"


def write_expected(check_file: Path, module_file: Path, out: Path) -> None:
    """Record the expected values: run the examples of ``check_file`` on the module at
    ``module_file`` (the reference) and write the JSON to ``out``. For ``dlgrade release``."""
    check_file, module_file = Path(check_file), Path(module_file)
    assignment = check_file.stem.removeprefix("test_")
    spec = importlib.util.spec_from_file_location(assignment, module_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.insert(0, str(check_file.parent))
    spec = importlib.util.spec_from_file_location(f"checks_test_{assignment}", check_file)
    checks = importlib.util.module_from_spec(spec)
    with _standing_in("harness", _itself()), _standing_in(assignment, module):
        spec.loader.exec_module(checks)
    examples = [value for value in vars(checks).values() if isinstance(value, Examples)]
    if len(examples) != 1:
        raise ValueError(f"{check_file.name} must define exactly one Examples, found {len(examples)}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(examples[0].record(module))
