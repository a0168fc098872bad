"""The judge's ladder (present, type, shape, dtype, finite, values) and the messages of each rung.

Messages are what a student reads, so most tests pin the exact text.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import judge
from autograder.judge import FLOOR, PASS, Compare, Mismatch, Property, Raises, Verdict, brief, compare, relative_error
from autograder.plan import Call, Made, Plan
from autograder.wire import Opaque

pytestmark = pytest.mark.engine

TOL = 1e-6
EXPECTED = np.arange(12.0).reshape(4, 3) - 5.5  # no zeros, both signs


def mismatch(name, actual, expected, tol=TOL) -> str:
    """The message compare() raises (the test fails if it passes)."""
    with pytest.raises(Mismatch) as caught:
        compare(name, actual, expected, tol)
    return str(caught.value)


def passes(name, actual, expected, tol=TOL) -> bool:
    """True when compare() accepts ``actual``."""
    compare(name, actual, expected, tol)
    return True


# ---------------------------------------------------------------- arrays: present and type


def test_missing_output_is_reported_as_none():
    """A missing output (None) says None and the expected shape."""
    assert mismatch("dx", None, EXPECTED) == "dx is None, expected a numpy array of shape (4, 3)."


def test_list_instead_of_array():
    """A list is not an array, even with the right values."""
    assert mismatch("dx", EXPECTED.tolist(), EXPECTED) == "dx is a list of 4 items, expected a numpy array of shape (4, 3)."


@pytest.mark.parametrize("scalar, described", [(1.0, "the float 1.0"), (3, "the int 3"), (np.float64(2.0), "the float64 ")])
def test_scalar_where_array_expected_mentions_broadcast(scalar, described):
    """A scalar is not accepted by broadcasting, and the message says numpy would broadcast it."""
    message = mismatch("dx", scalar, EXPECTED)
    assert message.startswith(f"dx is {described}")
    assert message.endswith("expected a numpy array of shape (4, 3) (numpy would broadcast it; the grader does not).")


def test_opaque_output_is_named_by_its_type():
    """A value that could not cross the wire is described by its type name."""
    assert mismatch("dx", Opaque("generator"), EXPECTED) == "dx is an object of type generator, expected a numpy array of shape (4, 3)."


# ---------------------------------------------------------------- arrays: shape


def test_shape_mismatch_names_both_shapes():
    """A wrong shape is reported with both shapes, exactly, and no transpose hint when sizes differ."""
    assert mismatch("dx", np.zeros((4, 5)), EXPECTED) == "dx has shape (4, 5), expected (4, 3)."


def test_transposed_shape_gets_a_hint():
    """Same size in another shape: the message suggests a transpose, reshape or keepdims."""
    assert mismatch("dx", EXPECTED.T.copy(), EXPECTED) == (
        "dx has shape (3, 4), expected (4, 3). The same entries in another shape: check a transpose, reshape or a kept dimension (keepdims)."
    )


@pytest.mark.parametrize("shape", [(1, 3), (3, 1), (1, 3, 1)], ids=str)
def test_kept_dimension_is_not_broadcast(shape):
    """(1, D) or (D, 1) where (D,) is expected fails on shape, never passes by broadcasting."""
    message = mismatch("db", np.arange(3.0).reshape(shape), np.arange(3.0))
    assert message.startswith(f"db has shape {shape}, expected (3,). The same entries in another shape")
    assert "keepdims" in message


def test_vector_where_kept_dimension_expected():
    """(D,) where (1, D) is expected also fails on shape."""
    assert mismatch("mean", np.zeros(3), np.zeros((1, 3))).startswith("mean has shape (3,), expected (1, 3).")


# ---------------------------------------------------------------- arrays: dtype


def test_int_dtype_where_float_expected():
    """Integer arrays are rejected where floats are expected, even with the same values."""
    assert mismatch("dx", np.arange(12).reshape(4, 3), EXPECTED) == "dx has dtype int64, expected float64."


def test_int32_where_int64_expected():
    """Indices are judged by the dtype the contract states: int32 fails where int64 is expected,
    with the conversion to make; the same values in int64 pass."""
    keep = np.array([3, 0, 2], dtype=np.int64)
    assert mismatch("keep", keep.astype(np.int32), keep) == "keep has dtype int32, expected int64, as the handout states: use .astype(np.int64)."
    assert mismatch("keep", keep.astype(np.uint64), keep) == "keep has dtype uint64, expected int64."
    compare("keep", keep.copy(), keep, 0.0)


def test_float32_where_float64_expected():
    """float32 is too narrow where float64 is expected."""
    assert mismatch("dx", EXPECTED.astype(np.float32), EXPECTED) == "dx has dtype float32, expected float64."


def test_bool_where_float_expected():
    """A boolean mask is not a float array."""
    assert mismatch("mask", np.ones(3, dtype=bool), np.ones(3)) == "mask has dtype bool, expected float64."


def test_float_where_bool_expected():
    """A float array is not a boolean mask."""
    assert mismatch("mask", np.ones(3), np.ones(3, dtype=bool)) == "mask has dtype float64, expected bool."


# ---------------------------------------------------------------- arrays: exact kinds


def test_bool_arrays_are_compared_exactly():
    """Boolean arrays must match entry for entry; the message counts and locates the first difference."""
    expected = np.array([[True, True], [False, True]])
    actual = np.array([[True, True], [True, False]])
    message = mismatch("mask", actual, expected)
    assert message.startswith("mask differs in 2 of 4 entries; first at index (1, 0): expected ")
    assert re.search(r"expected (np\.)?False_?, got (np\.)?True_?\.$", message)
    assert passes("mask", expected.copy(), expected)


def test_int_arrays_are_compared_exactly():
    """Integer arrays allow no tolerance: off by one fails."""
    expected = np.array([3, 1, 4, 1, 5])
    message = mismatch("idx", np.array([3, 1, 4, 2, 5]), expected, tol=0.5)
    assert message.startswith("idx differs in 1 of 5 entries; first at index (3,)")


# ---------------------------------------------------------------- arrays: finite


def test_nan_is_detected_with_its_index():
    """A NaN where a finite value is expected is named, with its index and the count of bad entries."""
    actual = EXPECTED.copy()
    actual[1, 2] = np.nan
    actual[3, 0] = np.inf
    assert mismatch("dx", actual, EXPECTED) == (
        "dx has 2 non-finite entries (NaN at index (1, 2)), expected finite values: look for an overflow (exp of a large number), log(0) or 0/0."
    )


def test_inf_is_detected_with_its_index():
    """An inf where a finite value is expected is named, with its index."""
    actual = EXPECTED.copy()
    actual[2, 1] = -np.inf
    assert mismatch("dx", actual, EXPECTED).startswith("dx has 1 non-finite entry (inf at index (2, 1)), expected finite values")


def test_equal_infinities_pass():
    """An infinity where the same infinity is expected passes."""
    assert passes("x", np.array([np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 1.0]))


def test_opposite_infinity_fails():
    """-inf where +inf is expected fails on values."""
    message = mismatch("x", np.array([1.0, -np.inf]), np.array([1.0, np.inf]))
    assert message.startswith("x is wrong in 1 of 2 entries: largest relative error inf (tolerance 1e-06) at index (1,)")


def test_nan_where_nan_expected_passes():
    """A NaN where the reference also has NaN passes."""
    assert passes("x", np.array([np.nan, 2.0]), np.array([np.nan, 2.0]))


def test_number_where_nan_expected_fails():
    """A finite value where the reference has NaN fails."""
    assert mismatch("x", np.array([0.0, 2.0]), np.array([np.nan, 2.0])).startswith("x is wrong in 1 of 2 entries")


# ---------------------------------------------------------------- arrays: values


def test_relative_error_message_names_worst_index_and_tolerance():
    """The value rung reports how many entries are wrong, the worst relative error, its index, the tolerance, and both values."""
    actual = EXPECTED.copy()
    actual[0, 1] *= 1.001  # small error elsewhere
    actual[2, 1] = 2 * EXPECTED[2, 1]  # 1.5 -> 3.0: relative error 1/3
    assert mismatch("dx", actual, EXPECTED) == (
        "dx is wrong in 2 of 12 entries: largest relative error 0.33 (tolerance 1e-06) at index (2, 1), expected 1.5, got 3."
    )


def test_error_within_tolerance_passes():
    """Entries within the stated relative tolerance pass; just beyond it fails."""
    assert passes("dx", EXPECTED * (1 + 1e-7), EXPECTED)
    assert mismatch("dx", EXPECTED * (1 + 1e-5), EXPECTED).startswith("dx is wrong in 12 of 12 entries")


def test_tolerance_is_the_one_stated():
    """The tolerance passed to compare is the one applied and quoted."""
    actual = EXPECTED * 1.01
    assert passes("dx", actual, EXPECTED, tol=1e-2)
    assert "(tolerance 0.001)" in mismatch("dx", actual, EXPECTED, tol=1e-3)


def test_entries_near_zero_use_the_floor():
    """Entries near zero are judged by the 1e-8 floor: 1e-17 vs 3e-17 passes."""
    assert FLOOR == 1e-8
    assert passes("dx", np.array([1e-17, 0.0, -2e-16]), np.array([3e-17, 1e-16, -1e-16]))


def test_floor_does_not_hide_an_error_of_scale():
    """An absolute error that is large against the floor still fails near zero."""
    assert mismatch("dx", np.array([1e-6]), np.array([0.0])).startswith("dx is wrong in 1 of 1 entries: largest relative error 1 ")


def test_wider_float_than_expected_is_accepted():
    """float64 where float32 is expected is not too narrow."""
    assert passes("x", np.ones(3), np.ones(3, dtype=np.float32))


def test_empty_arrays_of_the_right_shape_pass():
    """Empty arrays with the expected shape and dtype pass (nothing to compare)."""
    assert passes("x", np.zeros((0, 3)), np.zeros((0, 3)))


def test_complex_array_imaginary_part_is_judged():
    """A complex array with the right real parts but wrong imaginary parts fails."""
    message = mismatch("z", np.array([1 + 2j, 3 - 1j]), np.array([1 + 1j, 3 - 1j]))
    assert message.startswith("z is wrong in 1 of 2 entries")


# ---------------------------------------------------------------- the fast path for bit-identical arrays


def accepted(actual, expected) -> bool:
    """Whether compare() accepts ``actual`` for ``expected``."""
    try:
        compare("out", actual, expected, TOL)
    except Mismatch:
        return False
    return True


def test_bit_identical_arrays_skip_the_relative_error(monkeypatch):
    """An array equal to the reference bit for bit, NaN and infinities included, passes without
    the relative-error computation; any other array still climbs the ladder."""
    calls = []
    original = judge.relative_error
    monkeypatch.setattr(judge, "relative_error", lambda a, e: calls.append(1) or original(a, e))
    same = np.array([1.5, -0.0, np.inf, np.nan, 7.0])
    assert passes("out", same.copy(), same) and passes("out", EXPECTED.T.copy(), EXPECTED.T) and not calls
    assert passes("out", EXPECTED + 1e-12, EXPECTED) and calls


NAN_PAYLOAD = np.array([0x7FF8_0000_0000_0001], dtype=np.uint64).view(np.float64)  # a NaN with other bits than np.nan's


@pytest.mark.parametrize("actual, expected, passed", [
    (np.array([0.0, -0.0]), np.array([-0.0, 0.0]), True),  # equal values in other bits: the ladder passes them, as before
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), True),  # NaN where the reference has NaN passed before too
    (np.array([NAN_PAYLOAD[0], 1.0]), np.array([np.nan, 1.0]), True),
    (np.array([np.nan, 1.0]), np.array([0.0, 1.0]), False),
    (np.zeros(3, dtype=np.int64), np.zeros(3), False),  # the same bytes in another dtype
    (np.zeros((2, 3)), np.zeros((3, 2)), False),  # the same bytes in another shape
    (np.zeros(4, dtype=np.float32), np.zeros(2), False),  # 16 bytes of zeros either way
], ids=["signed-zeros", "nan-in-both", "nan-of-another-payload", "nan-for-zero", "int-bytes-for-float", "other-shape", "float32-bytes"])
def test_the_fast_path_decides_as_the_ladder_did(actual, expected, passed):
    """The verdicts the ladder gave before the fast path existed: equal bytes of the same dtype and
    shape are arrays the ladder passes at zero error, and nothing else is taken as equal."""
    assert accepted(actual, expected) is passed


def test_input_arrays_are_not_changed_by_judging():
    """compare() reads its arguments and writes into neither."""
    actual, expected = EXPECTED * 2, EXPECTED.copy()
    mismatch("dx", actual, expected)
    np.testing.assert_array_equal(actual, EXPECTED * 2)
    np.testing.assert_array_equal(expected, EXPECTED)


# ---------------------------------------------------------------- scalars


def test_zero_d_array_is_accepted_as_a_number():
    """A 0-d array is accepted where a float is expected."""
    assert passes("loss", np.array(1.5), 1.5)
    assert passes("loss", np.float64(1.5), 1.5)
    assert passes("loss", np.float32(1.5), 1.5)


def test_shape_one_array_is_rejected_with_float_hint():
    """A one-element array is not a number: the message suggests float() or .item()."""
    assert mismatch("loss", np.array([1.5]), 1.5) == "loss is a numpy array of shape (1,), expected a single number: use float(...) or .item()."


def test_wrong_scalar_value_reports_relative_error():
    """A wrong number reports both values, the relative error and the tolerance."""
    assert mismatch("loss", 2.0, 1.0) == "loss is 2, expected 1 (relative error 0.33, tolerance 1e-06)."


def test_non_finite_scalar_is_named():
    """NaN where a finite number is expected points at overflow or log(0)."""
    assert mismatch("loss", float("nan"), 1.0) == "loss is nan, expected the finite number 1: look for an overflow (exp of a large number) or log(0)."


def test_int_scalar_where_float_expected_is_accepted():
    """An int where a float is expected is a number and compared by value."""
    assert passes("loss", 2, 2.0)


def test_int_expected_exactly():
    """Ints are compared exactly: a different int fails."""
    assert passes("count", np.int64(3), 3)
    assert mismatch("count", 4, 3) == "count is 4, expected 3."


def test_float_where_int_expected_gets_floor_division_hint():
    """A float where an int is expected suggests // or int()."""
    assert mismatch("count", 3.0, 3) == "count is the float 3.0, expected the int 3: use // or int(), not /."


@pytest.mark.parametrize("expected, ending", [(1.0, "expected a number like 1."), (1, "expected the int 1.")])
def test_bool_is_not_accepted_as_a_number(expected, ending):
    """True is not the number 1, for float and int expectations alike."""
    assert mismatch("x", True, expected) == f"x is the bool True, {ending}"
    assert mismatch("x", np.bool_(True), expected).endswith(ending)


def test_bool_expected_exactly():
    """A bool expectation needs a bool of the same value (1 is not True)."""
    assert passes("flag", np.bool_(True), True)
    assert mismatch("flag", 1, True) == "flag is the int 1, expected True."
    assert mismatch("flag", False, True) == "flag is the bool False, expected True."


def test_string_mismatch_quotes_both_strings():
    """A wrong string says what was got and what was expected."""
    message = mismatch("mode", "test", "train")
    assert "'test'" in message and "'train'" in message


# ---------------------------------------------------------------- containers


def test_tuple_items_are_named_by_position():
    """A wrong item of a tuple is named with its position: out[1]."""
    message = mismatch("out", (np.zeros(2), np.ones(2)), (np.zeros(2), np.zeros(2)))
    assert message.startswith("out[1] is wrong in 2 of 2 entries")


def test_list_accepted_for_tuple():
    """A list where a tuple is expected is judged item by item."""
    assert passes("out", [np.zeros(2), 1.0], (np.zeros(2), 1.0))


def test_container_length_mismatch():
    """A tuple of the wrong length says both lengths."""
    assert mismatch("out", (1.0,), (1.0, 2.0)) == "out has 1 items, expected 2."


def test_array_where_tuple_expected():
    """A single array where a tuple (out, cache) is expected says so."""
    assert mismatch("result", np.zeros(2), (np.zeros(2), 1.0)) == "result is a numpy array of shape (2,) and dtype float64, expected a tuple of 2 items."


def test_dict_items_are_named_by_key():
    """A wrong dict entry is named with its key: bn_param['running_mean']."""
    message = mismatch("bn_param", {"running_mean": np.ones(2), "mode": "train"}, {"running_mean": np.zeros(2), "mode": "train"})
    assert message.startswith("bn_param['running_mean'] is wrong in 2 of 2 entries")


def test_nested_paths_compose():
    """Paths compose through nesting: out[1]['x'][0]."""
    expected = (1.0, {"x": (np.zeros(2), 2)})
    actual = (1.0, {"x": (np.ones(2), 2)})
    assert mismatch("out", actual, expected).startswith("out[1]['x'][0] is wrong")


def test_extra_dict_keys_are_allowed():
    """Keys the reference does not have are the student's own state and are ignored."""
    assert passes("bn_param", {"running_mean": np.zeros(2), "eps": 1e-5, "my_cache": [1, 2]}, {"running_mean": np.zeros(2)})


def test_missing_dict_key_is_named():
    """A missing key is named."""
    assert mismatch("bn_param", {"running_mean": np.zeros(2)}, {"running_mean": np.zeros(2), "running_var": np.ones(2)}) == "bn_param has no key 'running_var'."


def test_non_dict_where_dict_expected():
    """A non-dict where a dict is expected says so."""
    assert mismatch("grads", [1.0], {"W": 1.0}) == "grads is a list of 1 items, expected a dict."


# ---------------------------------------------------------------- judges

PLAN = Plan([Call("affine_forward", np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)), Call("softmax", np.zeros(3))])


def test_compare_judge_passes_and_fails_with_message():
    """Compare checks each expected output and returns the first mismatch's message."""
    judge = Compare(tol=1e-6)
    expected = {"out": np.ones(3), "loss": 1.0}
    assert judge.check({"out": np.ones(3), "loss": 1.0}, expected, [], PLAN) == PASS
    verdict = judge.check({"out": np.ones(3), "loss": 2.0}, expected, [], PLAN)
    assert verdict == Verdict(False, "loss is 2, expected 1 (relative error 0.33, tolerance 1e-06).")


def test_compare_judge_missing_output_is_none():
    """An output the student's run did not produce is judged as None."""
    verdict = Compare().check({}, {"dx": np.ones(2)}, [], PLAN)
    assert verdict == Verdict(False, "dx is None, expected a numpy array of shape (2,).")


def test_compare_ignores_warnings_by_default():
    """Without no_warnings, right values pass even when numpy warned."""
    assert Compare().check({"x": 1.0}, {"x": 1.0}, [["RuntimeWarning", "overflow encountered in exp"]], PLAN).passed


def test_compare_no_warnings_fails_quoting_the_warning():
    """Compare(no_warnings=True) fails right values when numpy warned, quoting the warning."""
    warnings = [["RuntimeWarning", "overflow encountered in exp"], ["RuntimeWarning", "invalid value"]]
    verdict = Compare(no_warnings=True).check({"x": 1.0}, {"x": 1.0}, warnings, PLAN)
    assert verdict == Verdict(False, "The values are right, but numpy warned: RuntimeWarning: overflow encountered in exp. Rewrite the computation so that it cannot overflow.")


def test_compare_no_warnings_ignores_other_warning_categories():
    """A DeprecationWarning is not a numerical problem: no_warnings looks at RuntimeWarnings only."""
    assert Compare(no_warnings=True).check({"x": 1.0}, {"x": 1.0}, [["DeprecationWarning", "row_stack is deprecated"]], PLAN) == PASS


def test_form_only_outputs_are_judged_for_form_not_values():
    """An output named in form_only passes with other values but fails when missing or misshapen."""
    judge = Compare(tol=0.0, form_only=("out",))
    expected = {"out": np.ones((2, 3)), "x after f": np.zeros(3)}
    assert judge.check({"out": np.full((2, 3), 7.0), "x after f": np.zeros(3)}, expected, [], PLAN) == PASS
    assert judge.check({"out": None, "x after f": np.zeros(3)}, expected, [], PLAN).message.startswith("out is None, expected a numpy array of shape (2, 3)")
    assert judge.check({"out": np.ones(3), "x after f": np.zeros(3)}, expected, [], PLAN).message.startswith("out has shape (3,), expected (2, 3).")
    assert judge.check({"out": np.ones((2, 3)), "x after f": np.full(3, 1e-300)}, expected, [], PLAN).message.startswith("x after f is wrong in 3 of 3 entries")


def test_compare_no_warnings_reports_wrong_values_first():
    """Wrong values are reported before any warning."""
    verdict = Compare(no_warnings=True).check({"x": 2.0}, {"x": 1.0}, [["RuntimeWarning", "overflow encountered in exp"]], PLAN)
    assert verdict.message.startswith("x is 2, expected 1")


def test_compare_no_warnings_passes_without_warnings():
    """Compare(no_warnings=True) passes right values when nothing warned."""
    assert Compare(no_warnings=True).check({"x": 1.0}, {"x": 1.0}, [], PLAN) == PASS


def test_property_judge_joins_problems():
    """Property passes on no problems and fails with the problems joined into one message."""
    def rate(outputs, plan):
        problems = []
        if outputs["mask"].mean() > 0.6:
            problems.append("Too many kept.")
        if outputs["mask"].dtype != bool:
            problems.append("Not a mask.")
        return problems

    judge = Property(rate)
    assert judge.needs_reference is False
    assert judge.check({"mask": np.array([True, False])}, None, [], PLAN) == PASS
    assert judge.check({"mask": np.ones(4)}, None, [], PLAN) == Verdict(False, "Too many kept. Not a mask.")


def test_property_judge_receives_outputs_and_plan():
    """The property test is called with the outputs and the plan."""
    seen = []
    Property(lambda outputs, plan: seen.append((outputs, plan)) or []).check({"a": 1}, None, [], PLAN)
    assert seen == [({"a": 1}, PLAN)]


def test_raises_judge_fails_when_nothing_raised():
    """Raises fails a call that returned, showing the call with its arguments (arrays by shape and
    dtype), what it returned and the error expected."""
    verdict = Raises(ValueError).check({"out": np.zeros(3)}, None, [], PLAN)
    assert verdict == Verdict(False, "softmax(<float64 array (3,)>) returned <float64 array (3,)>; expected ValueError.")


def test_raises_judge_shows_the_arguments_and_the_rule():
    """The message is the call as the student would type it, what came back and the rule broken."""
    plan = Plan([Call("conv_output_size", 5, 0, stride=2)], {})
    verdict = Raises(ValueError, "the kernel size must be positive").check({"result": 4}, None, [], plan)
    assert verdict == Verdict(False, "conv_output_size(5, 0, stride=2) returned 4; expected ValueError: the kernel size must be positive.")
    plan = Plan([Call("log_uniform", 0.0, 1.0, (3, 4), Made("generator", (("seed", 0),)))], {})
    error = {"type": "ZeroDivisionError", "mro": ["ZeroDivisionError", "ArithmeticError", "Exception"], "message": "division by zero"}
    assert Raises(ValueError, "low must be positive").check_error(error, plan) == Verdict(
        False, "log_uniform(0.0, 1.0, (3, 4), rng) raised ZeroDivisionError: division by zero; expected ValueError: low must be positive.")


def test_brief_reprs_stay_short():
    """Arrays by shape and dtype (also inside lists and dicts), four items of a container, values cut to 60 characters."""
    assert brief(np.zeros((2, 3), dtype=np.int32)) == "<int32 array (2, 3)>"
    assert brief([np.zeros(2), np.ones((1, 1))]) == "[<float64 array (2,)>, <float64 array (1, 1)>]"
    assert brief({"w": np.zeros(2)}) == "{'w': <float64 array (2,)>}"
    assert brief(np.float64(0.5)) == "0.5"
    assert brief("x" * 100) == "'" + "x" * 56 + "..."
    assert brief(list(range(100))) == "[0, 1, 2, 3, ...]"
    assert brief((7,)) == "(7,)"
    assert len(brief([{"boxes": np.zeros((3, 4)), "scores": np.zeros(3)}] * 3)) == 60


def test_raises_judge_accepts_a_subclass():
    """An error whose mro contains the expected type (a ValueError subclass) passes."""
    error = {"type": "ShapeError", "mro": ["ShapeError", "ValueError", "Exception", "BaseException", "object"], "message": "bad shape"}
    assert Raises(ValueError).check_error(error, PLAN) == PASS


def test_raises_judge_names_both_types_for_another_error():
    """Another type of error fails, naming the raised type, its message and the expected type."""
    error = {"type": "TypeError", "mro": ["TypeError", "Exception", "BaseException", "object"], "message": "unsupported operand"}
    assert Raises(ValueError).check_error(error, PLAN) == Verdict(False, "softmax(<float64 array (3,)>) raised TypeError: unsupported operand; expected ValueError.")


# ---------------------------------------------------------------- relative_error


def test_relative_error_formula():
    """relative_error is |a - e| / max(1e-8, |a| + |e|), entry-wise."""
    np.testing.assert_allclose(relative_error(np.array([3.0, 1e-10, -1.0]), np.array([1.0, 0.0, 1.0])), [0.5, 1e-2, 1.0], rtol=1e-12)


def test_relative_error_special_values():
    """Equal infinities and NaN against NaN are 0; NaN against a number is inf."""
    assert relative_error(np.inf, np.inf) == 0.0
    assert relative_error(np.nan, np.nan) == 0.0
    assert relative_error(np.nan, 1.0) == np.inf
    assert relative_error(-np.inf, np.inf) == np.inf


FINITE = st.floats(min_value=-1e150, max_value=1e150, allow_nan=False, allow_infinity=False)
VECTORS = st.integers(min_value=0, max_value=8).flatmap(lambda n: st.tuples(st.lists(FINITE, min_size=n, max_size=n), st.lists(FINITE, min_size=n, max_size=n)))


@settings(database=None, deadline=None)
@given(FINITE, FINITE)
def test_relative_error_is_symmetric(a, b):
    """relative_error(a, b) == relative_error(b, a) exactly."""
    assert relative_error(a, b) == relative_error(b, a)


@settings(database=None, deadline=None)
@given(FINITE)
def test_relative_error_of_identical_values_is_zero(a):
    """A value against itself has relative error 0."""
    assert relative_error(a, a) == 0.0


@settings(database=None, deadline=None)
@given(VECTORS)
def test_relative_error_is_between_zero_and_one(pair):
    """For finite inputs every entry lies in [0, 1], entry-wise over arrays."""
    a, b = (np.array(v, dtype=float) for v in pair)
    error = relative_error(a, b)
    assert error.shape == a.shape
    assert np.all((error >= 0.0) & (error <= 1.0))
    np.testing.assert_array_equal(error, relative_error(b, a))
