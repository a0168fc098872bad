"""Broken student code costs only the points of what it breaks, with a clear message.

Each submission is the reference solution with one function replaced (or removed), or a
whole bad file, written to a temporary folder and graded with small limits so that hangs
and blow-ups are cut short. The cases a fault should cost are derived from the suite
itself (the cases whose plan calls the broken function), so the tests follow the suite.
"""

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from autograder.report import table
from autograder.sandbox import Limits
from autograder.suites.backprop import SUITE
import submissions
from submissions import MEMORY, REFERENCE, ROOT, SLACK, calling, failed, replaced, swap, without

pytestmark = pytest.mark.engine

LIMITS = Limits(call_seconds=2, import_seconds=10, memory_bytes=MEMORY)


def graded(tmp_path: Path, source: str, limits: Limits = LIMITS):
    """Grade ``source`` as backprop.py with this module's limits."""
    return submissions.graded(tmp_path, source, limits)


def test_helpers_build_the_reference_faithfully(tmp_path):
    """Sanity: the unmodified reference and a same-definition swap both score full marks."""
    functions = REFERENCE[REFERENCE.index("def chain_rule") : REFERENCE.index("def numerical_jacobian")]
    result, assignment = graded(tmp_path, replaced(functions))
    assert failed(assignment) == {}
    assert result.score == SUITE.max_score
    assert calling("sigmoid") == {"sigmoid", "sigmoid, random values", "sigmoid, |x| up to 1000 without overflow"}


# -- the module cannot be imported ----------------------------------------------------------

def test_syntax_error_scores_zero_and_names_the_line(tmp_path):
    """A SyntaxError: every case scores 0 and the problem says SyntaxError and its line."""
    broken = "    e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
    line = REFERENCE.splitlines(keepends=True).index(broken) + 1
    result, assignment = graded(tmp_path, swap(REFERENCE, broken, "    e = = np.exp(x)\n"))
    assert result.score == 0
    assert len(assignment.cases) == len(SUITE.cases)
    assert all(case.score == 0 for case in assignment.cases)
    assert assignment.file == "backprop.py"
    assert "backprop.py could not be imported" in assignment.problem
    assert "SyntaxError" in assignment.problem
    assert f'File "backprop.py", line {line}' in assignment.problem
    assert all(case.message == assignment.problem for case in assignment.cases)


@pytest.mark.parametrize(
    "statement, error",
    [
        ('raise RuntimeError("boom")', "RuntimeError: boom"),
        ("import torch_nonexistent", "ModuleNotFoundError: No module named 'torch_nonexistent'"),
    ],
)
def test_error_at_import_scores_zero_and_shows_the_exception(tmp_path, statement, error):
    """An exception at import: 0 points, and the problem shows the exception and its line."""
    source = REFERENCE + "\n" + statement + "\n"
    line = len(source.splitlines())
    result, assignment = graded(tmp_path, source)
    assert result.score == 0
    assert "backprop.py could not be imported, so nothing in it was graded" in assignment.problem
    assert error in assignment.problem
    assert f'File "backprop.py", line {line}, in <module>' in assignment.problem


def test_infinite_loop_at_import_times_out_quickly(tmp_path):
    """A module that never finishes importing: 0 points, "Timed out", within the import limit."""
    limits = Limits(call_seconds=1, import_seconds=1, memory_bytes=MEMORY)
    start = time.perf_counter()
    result, assignment = graded(tmp_path, REFERENCE + "\nwhile True:\n    pass\n", limits)
    elapsed = time.perf_counter() - start
    assert result.score == 0
    assert "could not be imported" in assignment.problem
    assert "Timed out: import backprop did not finish within 1 s" in assignment.problem
    assert elapsed < limits.import_seconds + SLACK


# -- one function misbehaves: only its cases fail -------------------------------------------

def test_infinite_loop_in_one_function_costs_only_its_cases(tmp_path):
    """sigmoid loops forever: its cases time out, every other case passes, in bounded time."""
    # The reference's logistic_regression_loss calls sigmoid; it keeps a working copy here so
    # that the hang is confined to sigmoid's own cases (each timeout costs call_seconds).
    source = swap(REFERENCE, "dz = (sigmoid(z) - y)", "dz = (_working_sigmoid(z) - y)")
    source += "\n_working_sigmoid = sigmoid\n\n\ndef sigmoid(x):\n    while True:\n        pass\n"
    limits = Limits(call_seconds=1, import_seconds=10, memory_bytes=MEMORY)
    hanging = calling("sigmoid")
    start = time.perf_counter()
    result, assignment = graded(tmp_path, source, limits)
    elapsed = time.perf_counter() - start
    assert set(failed(assignment)) == hanging
    messages = [case.message for case in assignment.cases if case.name in hanging]  # in suite order
    assert messages[0].startswith("Timed out: sigmoid did not finish within 1 s")
    for message in messages[1:]:  # a function that hung once is not run again
        assert message.startswith("Not run: sigmoid timed out in an earlier case (no answer within 1 s)")
    assert result.score == SUITE.max_score - sum(case.points for case in SUITE.cases if case.name in hanging)
    assert limits.call_seconds <= elapsed < limits.call_seconds + SLACK


def test_unbounded_allocation_costs_only_its_cases(tmp_path):
    """chain_rule allocates until the memory limit: its cases fail with a memory message, the rest pass."""
    source = replaced("""
def chain_rule(J_L_f, J_f_W):
    blocks = []
    while True:
        blocks.append(np.ones(10**7))
""")
    # filling 512 MB takes a fraction of a second, but several on a loaded machine: the time
    # limit must not be what stops it
    result, assignment = graded(tmp_path, source, replace(LIMITS, call_seconds=30))
    assert set(failed(assignment)) == calling("chain_rule") == {"chain_rule", "chain_rule, random shapes"}
    for message in failed(assignment).values():
        assert message.startswith("chain_rule ran out of memory (the limit is 512 MB)")
    assert result.score == SUITE.max_score - 2


def test_a_bare_memory_error_is_explained(tmp_path):
    """Python's own MemoryError has no message: the report says what it means and the student's line, never a bare colon."""
    source = replaced("""
def chain_rule(J_L_f, J_f_W):
    return [0.0] * 10**12
""")
    _, assignment = graded(tmp_path, source)
    for message in failed(assignment).values():
        assert message.startswith("chain_rule ran out of memory (the limit is 512 MB): it asked for more memory than that "
                                  "(at backprop.py line ") and "return [0.0] * 10**12). Look for an array far larger than the inputs" in message


@pytest.mark.parametrize(
    "function, body, detail",
    [
        ("affine_jacobians", "import os\n    os._exit(1)", "exited with code 1"),
        ("softmax_jacobian", "import ctypes\n    return ctypes.string_at(0)", "killed by SIGSEGV (a segmentation fault)"),
    ],
)
def test_crash_costs_only_its_cases_and_the_worker_restarts(tmp_path, function, body, detail):
    """os._exit and a segfault kill the worker: those cases say "Crashed", later cases still pass."""
    arguments = {"affine_jacobians": "x, w", "softmax_jacobian": "s"}[function]
    result, assignment = graded(tmp_path, replaced(f"def {function}({arguments}):\n    {body}\n"))
    crashing = calling(function)
    assert crashing and set(failed(assignment)) == crashing
    for message in failed(assignment).values():
        assert message.startswith(f"Crashed while running {function}: ")
        assert detail in message
    names = [case.name for case in assignment.cases]
    later = names[max(names.index(name) for name in crashing) + 1 :]
    assert later and all(case.passed for case in assignment.cases if case.name in later)


@pytest.mark.parametrize("statement, error", [("import sys\n    sys.exit()", "SystemExit"), ("raise KeyboardInterrupt", "KeyboardInterrupt")])
def test_exit_and_keyboard_interrupt_cost_only_their_cases(tmp_path, statement, error):
    """sys.exit() or KeyboardInterrupt in a function fails its cases only; grading goes on."""
    result, assignment = graded(tmp_path, replaced(f"def chain_rule(J_L_f, J_f_W):\n    {statement}\n"))
    assert set(failed(assignment)) == calling("chain_rule")
    for message in failed(assignment).values():
        assert message.startswith(f"chain_rule raised {error}.")
    assert result.score == SUITE.max_score - 2


def test_missing_function_costs_only_its_cases(tmp_path):
    """relu_backward deleted: its cases fail with a message naming it; the rest pass."""
    result, assignment = graded(tmp_path, without(REFERENCE, "relu_backward"))
    assert set(failed(assignment)) == calling("relu_backward")
    for message in failed(assignment).values():
        assert message.startswith("Missing function: ")
        assert "has no relu_backward" in message
    assert result.score == SUITE.max_score - 3


def test_printing_a_lot_does_not_break_grading(tmp_path):
    """10 MB printed by sigmoid: its cases still pass and grading finishes promptly."""
    source = swap(REFERENCE, "    z = np.exp(-np.abs(x))  #", '    print("y" * (10 << 20))\n    z = np.exp(-np.abs(x))  #')
    start = time.perf_counter()
    result, assignment = graded(tmp_path, source)
    assert failed(assignment) == {}
    assert result.score == SUITE.max_score
    assert time.perf_counter() - start < SLACK
    assert result.printed == "y" * LIMITS.output_bytes  # the start is kept, the rest dropped
    assert "Your code printed (the first 1 lines):" in table(result)


def test_printing_to_the_raw_file_descriptor_is_capped(tmp_path):
    """os.write(1, ...) past the cap fails inside the student's code only, never the grader."""
    source = swap(REFERENCE, "    z = np.exp(-np.abs(x))  #", '    import os\n    os.write(1, b"z" * (4 << 20))\n    z = np.exp(-np.abs(x))  #')
    result, assignment = graded(tmp_path, source)
    assert set(failed(assignment)) <= calling("sigmoid", "logistic_regression_loss")
    assert len(result.printed) <= LIMITS.output_bytes


# -- wrong return values: clear messages ----------------------------------------------------

def test_wrong_return_types_and_shapes_have_clear_messages(tmp_path):
    """object(), a list, or a (1, M) array where (M,) is specified: each says what was expected."""
    source = replaced("""
def sigmoid(x):
    return object()


def chain_rule(J_L_f, J_f_W):
    return [1.0, 2.0]
""")
    source = swap(source, "dout.sum(axis=0)", "dout.sum(axis=0, keepdims=True)")
    result, assignment = graded(tmp_path, source)
    messages = failed(assignment)
    # logistic_regression_loss calls the student's own sigmoid, which now returns object()
    broken = calling("sigmoid", "logistic_regression_loss", "chain_rule") | {"affine_backward: db", "affine_backward, random shapes: db"}
    assert set(messages) == broken
    assert messages["sigmoid"].startswith("sigmoid is an object of type object, expected a numpy array of shape (3, 4).")
    assert messages["chain_rule"] == "J_L_W is a list of 2 items, expected a numpy array of shape (1, 6)."
    assert re.fullmatch(r"J_L_W is a list of 2 items, expected a numpy array of shape \(\d, \d\)\.", messages["chain_rule, random shapes"])
    assert messages["affine_backward: db"].startswith("db has shape (1, 3), expected (3,).")
    assert re.match(r"db has shape \(1, (\d)\), expected \(\1,\)\.", messages["affine_backward, random shapes: db"])
    assert messages["logistic_regression_loss: loss"].startswith("logistic_regression_loss raised TypeError.")


def test_forward_returning_a_non_tuple_is_not_reported_as_a_crash(tmp_path):
    """affine_forward returns object() instead of (out, cache): the message says so, not "Crashed"."""
    result, assignment = graded(tmp_path, replaced("def affine_forward(x, w, b):\n    return object()\n"))
    messages = failed(assignment)
    assert set(messages) == calling("affine_forward")
    for message in messages.values():
        assert not message.startswith("Crashed")
        assert "affine_forward" in message and "object" in message


# -- student code cannot corrupt the grader ---------------------------------------------------

def test_writing_into_inputs_corrupts_neither_expected_values_nor_other_cases(tmp_path):
    """affine_forward zeroes its inputs after computing: every case still passes."""
    source = replaced("""
def affine_forward(x, w, b):
    out = x @ w + b
    cache = (x.copy(), w.copy(), b.copy())
    x *= 0
    w *= 0
    b *= 0
    return out, cache
""")
    result, assignment = graded(tmp_path, source)
    assert failed(assignment) == {}
    assert result.score == SUITE.max_score


def test_relu_backward_writing_into_dout_fails_only_the_case_that_checks_it(tmp_path):
    """relu_backward edits dout in place: dx is right, only "leaves dout unchanged" fails."""
    source = replaced("""
def relu_backward(dout, cache):
    (x,) = cache
    dout[x <= 0] = 0
    return dout
""")
    result, assignment = graded(tmp_path, source)
    messages = failed(assignment)
    assert set(messages) == {"relu_backward leaves dout unchanged"}
    assert messages["relu_backward leaves dout unchanged"].startswith("dout after relu_backward is wrong in ")


def test_monkeypatching_numpy_cannot_change_the_judging(tmp_path):
    """A module that makes np.allclose & co. always agree still fails its wrong affine_forward."""
    source = replaced("""
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.max = lambda *args, **kwargs: 0.0
np.testing.assert_allclose = lambda *args, **kwargs: None


def affine_forward(x, w, b):
    return x @ w, (x, w, b)
""")
    result, assignment = graded(tmp_path, source)
    messages = failed(assignment)
    assert set(messages) == calling("affine_forward") - calling("affine_backward")
    assert all(message.startswith("out is wrong in ") for message in messages.values())
    assert not np.allclose(1.0, 2.0) and np.max([1.0, 3.0]) == 3.0  # the grader's numpy is untouched


# -- the worker cannot reach the reference ----------------------------------------------------

PROBE = """
def softmax_jacobian(s):
    import importlib.util, json, os
    from pathlib import Path
    raise RuntimeError(json.dumps({
        "cwd": os.getcwd(),
        "entries": sorted(os.listdir(".")),
        "lib": sorted(os.listdir("lib")) if os.path.isdir("lib") else [],
        "solutions_module": importlib.util.find_spec("solutions") is not None,
        "autograder_module": importlib.util.find_spec("autograder") is not None,
        "solutions_folder": Path("solutions/backprop.py").exists(),
    }))


def chain_rule(J_L_f, J_f_W):
    import solutions.backprop
    return solutions.backprop.chain_rule(J_L_f, J_f_W)
"""


def test_worker_cannot_import_the_reference_from_its_folder(tmp_path):
    """In the worker, neither `solutions` nor `autograder` is importable; the folder holds only the sandbox's files."""
    # OS-level isolation (reading solutions/backprop.py by its absolute path, or re-adding
    # site-packages with site.addsitedir) is a later issue: on a dev machine those files are
    # readable, so only the import path and the working folder are tested here.
    result, assignment = graded(tmp_path, replaced(PROBE))
    messages = failed(assignment)
    assert set(messages) == calling("softmax_jacobian", "chain_rule")
    assert "ModuleNotFoundError: No module named 'solutions'" in messages["chain_rule"]
    seen = json.loads(re.search(r"RuntimeError: (\{.*\})", messages["softmax_jacobian"]).group(1))
    assert Path(seen["cwd"]).resolve() not in (ROOT, tmp_path / "submission")
    assert set(seen["entries"]) <= {"backprop.py", "worker.py", "wire.py", "plan.py", "probes.py", "__pycache__", "lib"}
    assert set(seen["lib"]) <= {"numpy", "numpy.libs"}
    assert seen["solutions_module"] is False
    assert seen["autograder_module"] is False
    assert seen["solutions_folder"] is False


def test_worker_cannot_borrow_the_reference_through_the_autograder_package(tmp_path):
    """A chain_rule that calls autograder.grade.reference("backprop") scores nothing: no such module."""
    source = replaced("""
def chain_rule(J_L_f, J_f_W):
    from autograder.grade import reference
    return reference("backprop").chain_rule(J_L_f, J_f_W)
""")
    result, assignment = graded(tmp_path, source)
    messages = failed(assignment)
    assert set(messages) == calling("chain_rule")
    assert all("ModuleNotFoundError: No module named 'autograder'" in message for message in messages.values())
