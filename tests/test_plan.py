"""Executing a plan: Refs to earlier results and to arguments after a call, Funcs, errors, timing."""

import time
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import probes, wire
from autograder.plan import Call, Func, Made, Plan, Ref, StepError, execute

pytestmark = pytest.mark.engine


def forward(x, w):
    """A forward pass returning (out, cache)."""
    out = x @ w
    return out, {"x": x, "w": w}


def backward(dout, cache):
    """A backward pass using the cache of forward."""
    return dout @ cache["w"].T, cache["x"].T @ dout


def update(params, state, momentum=0.9):
    """Writes into its arguments: params in place, state['running'] replaced; returns nothing."""
    params *= 2
    state["running"] = momentum * state["running"] + 1
    state["steps"] = state.get("steps", 0) + 1


def apply(f, x):
    """Calls a function argument."""
    return f(x)


def power(x, p=2):
    """A module function handed to another by Func."""
    return x**p


def fail(x):
    """Raises a student-style error."""
    raise ValueError(f"bad input {x}")


def leave(x):
    """Calls sys.exit, as student code might."""
    raise SystemExit(3)


def nap(seconds):
    """Sleeps, to be timed."""
    time.sleep(seconds)
    return seconds


MODULE = SimpleNamespace(forward=forward, backward=backward, update=update, apply=apply, power=power, fail=fail, leave=leave, nap=nap, identity=lambda v: v)


def test_plan_numbers_its_calls():
    """Building a Plan gives each call its step; Refs report that step as their index."""
    first, second = Call("forward", 1, 2), Call("backward", 3, 4)
    assert first.out.index == -1  # not yet in a plan
    Plan([first, second])
    assert (first.step, second.step) == (0, 1)
    assert second.out[1].index == 1 and first.arg("x").index == 0
    assert first.out[0]["k"] == Ref(first, "out", (0, "k"))


def test_refs_resolve_to_earlier_results():
    """A later call receives an earlier call's result through a Ref, and outputs resolve paths into results."""
    x, w = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    dout = np.ones((2, 4))
    fwd = Call("forward", x, w)
    bwd = Call("backward", dout, fwd.out[1])
    plan = Plan([fwd, bwd], {"out": fwd.out[0], "cache_x": fwd.out[1]["x"], "dx": bwd.out[0], "dw": bwd.out[1], "both": bwd.out})
    outputs, _ = execute(plan, MODULE)
    np.testing.assert_array_equal(outputs["out"], x @ w)
    assert outputs["cache_x"] is x
    np.testing.assert_array_equal(outputs["dx"], dout @ w.T)
    np.testing.assert_array_equal(outputs["dw"], x.T @ dout)
    assert isinstance(outputs["both"], tuple) and len(outputs["both"]) == 2


def test_refs_inside_lists_and_dicts_are_resolved():
    """Refs nested in list, tuple and dict arguments are resolved, keeping the container types."""
    first = Call("identity", 5)
    second = Call("identity", [first.out, (first.out, 1)], )
    third = Call("identity", {"a": first.out, "b": [second.out]})
    outputs, _ = execute(Plan([first, second, third], {"second": second.out, "third": third.out}), MODULE)
    assert outputs["second"] == [5, (5, 1)]
    assert type(outputs["second"][1]) is tuple
    assert outputs["third"] == {"a": 5, "b": [[5, (5, 1)]]}


def test_arg_refs_see_in_place_updates():
    """Ref kind "arg" is the argument after the call: in-place writes and dict updates are visible."""
    params = np.array([1.0, 2.0])
    state = {"running": np.zeros(2)}
    call = Call("update", params, state=state, momentum=0.5)
    plan = Plan([call], {"params": call.arg(0), "running": call.arg("state")["running"], "steps": call.arg("state")["steps"], "returned": call.out})
    outputs, _ = execute(plan, MODULE)
    np.testing.assert_array_equal(outputs["params"], [2.0, 4.0])
    np.testing.assert_array_equal(outputs["running"], [1.0, 1.0])
    assert outputs["steps"] == 1
    assert outputs["returned"] is None


def test_arg_refs_feed_later_calls():
    """An argument as it is after one call can be passed to the next (running statistics over steps)."""
    state = {"running": np.zeros(2)}
    first = Call("update", np.ones(2), state=state)
    second = Call("update", np.ones(2), state=first.arg("state"), momentum=0.0)
    outputs, _ = execute(Plan([first, second], {"state": second.arg("state")}), MODULE)
    np.testing.assert_array_equal(outputs["state"]["running"], [1.0, 1.0])
    assert outputs["state"]["steps"] == 2


def test_probe_func_with_bound_kwargs():
    """Func("probe", ...) resolves to the probe function with its kwargs bound."""
    a, b, x = np.arange(6.0).reshape(2, 3) / 10, np.array([0.5, -0.5]), np.array([1.0, 2.0, 3.0])
    call = Call("apply", Func("probe", "tanh_affine", (("a", a), ("b", b))), x)
    outputs, _ = execute(Plan([call], {"y": call.out}), MODULE, probes)
    np.testing.assert_allclose(outputs["y"], np.tanh(a @ x + b), rtol=1e-15)


def test_probe_func_without_kwargs_is_the_function_itself():
    """A Func with no kwargs resolves to the probe itself, not a partial."""
    call = Call("identity", Func("probe", "log_sum_exp"))
    outputs, _ = execute(Plan([call], {"f": call.out}), MODULE, probes)
    assert outputs["f"] is probes.log_sum_exp


def test_module_func_with_bound_kwargs():
    """Func("module", ...) resolves to the module's own function, kwargs bound."""
    call = Call("apply", Func("module", "power", (("p", 3),)), np.array([2.0, -1.0]))
    outputs, _ = execute(Plan([call], {"y": call.out}), MODULE)
    np.testing.assert_array_equal(outputs["y"], [8.0, -1.0])


def test_module_func_comes_from_the_module_under_test():
    """The same plan run on another module uses that module's function."""
    call = Call("apply", Func("module", "power"), 3.0)
    plan = Plan([call], {"y": call.out})
    other = SimpleNamespace(apply=apply, power=lambda x: -x)
    assert execute(plan, MODULE)[0]["y"] == 9.0
    assert execute(plan, other)[0]["y"] == -3.0


def test_step_error_names_step_and_function_and_chains_the_cause():
    """A raising call becomes StepError(step, function, "raised") chained to the original exception."""
    first = Call("identity", 1)
    second = Call("fail", first.out)
    with pytest.raises(StepError, match="^fail: raised$") as caught:
        execute(Plan([first, second], {"y": second.out}), MODULE)
    error = caught.value
    assert (error.step, error.function, error.kind) == (1, "fail", "raised")
    assert isinstance(error.__cause__, ValueError)
    assert str(error.__cause__) == "bad input 1"


def test_base_exceptions_pass_through_unless_caught():
    """SystemExit is not caught by default; with catch=BaseException it becomes a StepError too."""
    plan = Plan([Call("leave", 1)])
    with pytest.raises(SystemExit):
        execute(plan, MODULE)
    with pytest.raises(StepError, match="leave: raised") as caught:
        execute(plan, MODULE, catch=BaseException)
    assert isinstance(caught.value.__cause__, SystemExit)
    assert (caught.value.step, caught.value.kind) == (0, "raised")


def test_missing_function_is_a_missing_step():
    """A plan naming a function the module lacks raises StepError(kind "missing") at that step, chained to the AttributeError."""
    plan = Plan([Call("identity", 1), Call("affine_forward", 1)])
    with pytest.raises(StepError, match="^affine_forward: missing$") as caught:
        execute(plan, MODULE)
    assert (caught.value.step, caught.value.function, caught.value.kind) == (1, "affine_forward", "missing")
    assert isinstance(caught.value.__cause__, AttributeError)
    assert "affine_forward" in str(caught.value.__cause__)


def test_missing_module_func_is_a_missing_step():
    """A Func naming a missing module function raises StepError(kind "missing") naming that function."""
    with pytest.raises(StepError, match="^sigmoid: missing$") as caught:
        execute(Plan([Call("apply", Func("module", "sigmoid"), 1.0)]), MODULE)
    assert (caught.value.step, caught.value.function) == (0, "sigmoid")
    assert isinstance(caught.value.__cause__, AttributeError)


@pytest.mark.parametrize("returned", [np.ones(1), 5, (np.ones(3),)], ids=["one-entry-array", "int", "1-tuple"])
def test_result_that_cannot_be_indexed_is_an_unpack_step(returned):
    """A result the plan cannot index (a forward pass without (out, cache)) raises StepError(kind "unpack") naming the call that made it."""
    module = SimpleNamespace(forward=lambda x, w: returned, backward=backward)
    fwd = Call("forward", 1, 2)
    bwd = Call("backward", np.ones(2), fwd.out[1])
    with pytest.raises(StepError, match="^forward: unpack$") as caught:
        execute(Plan([fwd, bwd], {"dx": bwd.out[0]}), module)
    assert (caught.value.step, caught.value.kind) == (0, "unpack")
    assert isinstance(caught.value.__cause__, (IndexError, TypeError))


def test_output_path_that_cannot_be_followed_is_an_unpack_step():
    """An output Ref into a missing dict key raises StepError(kind "unpack") for the call that returned the dict."""
    call = Call("identity", ({"a": 1},))
    with pytest.raises(StepError, match="^identity: unpack$") as caught:
        execute(Plan([call], {"b": call.out[0]["b"]}), MODULE)
    assert isinstance(caught.value.__cause__, KeyError)


def test_indexing_a_result_that_is_not_a_tuple_is_an_unpack_step():
    """A forward pass returning a bare array, indexed as (out, cache), is an unpack error, not a row."""
    call = Call("identity", np.ones((3, 2)))
    with pytest.raises(StepError, match="^identity: unpack$") as caught:
        execute(Plan([call], {"out": call.out[0]}), MODULE)
    assert str(caught.value.__cause__) == "it returned ndarray, not a tuple"


def test_seconds_measure_the_calls():
    """The seconds returned add up the time spent inside the module's calls."""
    plan = Plan([Call("nap", 0.03), Call("nap", 0.02)])
    outputs, seconds = execute(plan, MODULE)
    assert outputs == {}
    assert 0.05 <= seconds < 1.0


def test_made_generators_are_fresh_and_identical_on_both_sides():
    """Made("generator") builds a new Generator per resolution, equal streams for equal seeds, across the wire."""
    seed = Made("generator", (("seed", [3, 4]),))
    first, second = Call("identity", seed), Call("identity", seed)
    plan = Plan([first, second], {"a": first.out, "b": second.out})
    here, _ = execute(plan, MODULE, probes)
    there, _ = execute(wire.copied(plan), MODULE, probes)
    assert here["a"] is not here["b"]
    draws = [g.standard_normal(5) for g in (here["a"], here["b"], there["a"], there["b"])]
    for draw in draws[1:]:
        np.testing.assert_array_equal(draw, draws[0])


def test_made_with_an_unknown_probe_is_a_probe_step():
    """Made naming no probe fails as the suite's error ("probe"), not the student's."""
    call = Call("identity", Made("no_such_probe"))
    with pytest.raises(StepError) as caught:
        execute(Plan([call], {"g": call.out}), MODULE, probes)
    assert (caught.value.step, caught.value.function, caught.value.kind) == (0, "no_such_probe", "probe")


def test_plan_survives_the_wire():
    """A plan encoded and decoded (as the worker receives it) gives the same outputs as the original."""
    x, w = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    fwd = Call("forward", x, w)
    bwd = Call("backward", np.ones((2, 4)), fwd.out[1])
    calls = Call("apply", Func("probe", "sin_product", (("c", np.eye(4)),)), fwd.out[0])
    plan = Plan([fwd, bwd, calls], {"dx": bwd.out[0], "f": calls.out, "x_after": fwd.arg(0)})
    original, _ = execute(plan, MODULE, probes)
    received, _ = execute(wire.copied(plan), MODULE, probes)
    assert original.keys() == received.keys()
    for name in original:
        np.testing.assert_array_equal(received[name], original[name])
