"""Central-difference checks of a gradient against the student's own function: public only.

Not graded: a check that a backward pass is the derivative of the student's *own* forward
pass tells a student whether a wrong gradient comes from the backward or the forward. It is
made from a visible case's plan, where the plan has one of two shapes:

- ``F(*args)`` returning ``(out, cache)``, then ``B(dout, cache)`` returning the gradients of
  ``sum(out * dout)``, one per float array argument of F, in order (a single array for one);
- ``F(*args)`` returning ``(loss, *gradients)``, one per float array argument of F, in order.

:func:`derive` finds such a check and keeps it only when the reference passes it on these
inputs (a kink or a tie, where central differences are not the derivative, drops it);
:func:`problems` runs it on a module. This module is copied into the handout: numpy only.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import probes
from .judge import Mismatch, compare
from .plan import Call, Plan, Ref, execute

H = 1e-5  # central differences: truncation error O(H^2), roundoff O(1e-16 / H)
TOL = 1e-6  # relative error allowed between the analytic gradient and central differences
ENTRIES = 8  # entries of each argument perturbed, spread over it: 2 * ENTRIES calls per argument


def derive(plan, solution) -> dict | None:
    """The gradient check a visible case's ``plan`` allows, as data, or ``None``: the calls,
    the argument positions with their parameter names, the entries to perturb."""
    forward = plan.calls[0]
    if len(plan.calls) == 2:
        backward = plan.calls[1]
        cache = backward.args[1] if len(backward.args) == 2 else None
        if not (isinstance(cache, Ref) and cache.index == 0 and cache.kind == "out" and cache.path == (1,)
                and isinstance(backward.args[0], np.ndarray) and not backward.kwargs):
            return None
        kind, function = "backward", backward.function
    elif len(plan.calls) == 1:
        kind, function = "loss", forward.function
    else:
        return None
    positions = [i for i, arg in enumerate(forward.args) if isinstance(arg, np.ndarray) and arg.dtype.kind == "f" and arg.size]
    if not positions:
        return None
    try:
        parameters = list(inspect.signature(getattr(solution, forward.function)).parameters)
        names = [parameters[i] for i in positions]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    check = {"kind": kind, "function": function, "forward": forward.function, "args": list(forward.args),
             "kwargs": dict(forward.kwargs), "dout": backward.args[0] if kind == "backward" else None,
             "positions": positions, "names": names,
             "entries": [np.unique(np.linspace(0, forward.args[i].size - 1, ENTRIES).round().astype(np.int64)) for i in positions]}
    with np.errstate(all="ignore"):
        try:
            return None if problems(check, solution) else check
        except Exception:  # noqa: BLE001 - a plan of another shape than it seemed: no check
            return None


def _gradients(check, module, args) -> tuple:
    """The module's gradients: what its backward pass returns, or its loss's gradients."""
    calls = [Call(check["forward"], *args, **check["kwargs"])]
    if check["kind"] == "backward":
        calls.append(Call(check["function"], check["dout"], calls[0].out[1]))
    values, _ = execute(Plan(calls, {"result": calls[-1].out}), module, probes)
    result = values["result"]
    if check["kind"] == "loss":
        return tuple(result)[1:]
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _scalar(check, module, args) -> float:
    """sum(out * dout) for a forward pass, the loss for a loss: what the gradients differentiate."""
    calls = [Call(check["forward"], *args, **check["kwargs"])]
    out, _ = execute(Plan(calls, {"out": calls[0].out[0]}), module, probes)
    return float(np.sum(np.asarray(out["out"]) * check["dout"])) if check["kind"] == "backward" else float(out["out"])


def _fresh(args: list) -> list:
    """Copies of the array arguments: the module may write into them."""
    return [np.array(arg, copy=True) if isinstance(arg, np.ndarray) else arg for arg in args]


def problems(check: dict, module) -> list[str]:
    """What is wrong with ``module``'s gradients against central differences of its own
    forward pass (or loss) at the check's entries: a message per gradient, empty when right.

    Raises what the module's code raises (the caller reports it)."""
    gradients = _gradients(check, module, _fresh(check["args"]))
    if len(gradients) != len(check["positions"]):
        return [f"{check['function']} returned {len(gradients)} gradients, expected {len(check['positions'])} "
                f"(for {', '.join(check['names'])})."]
    found = []
    for position, name, entries, gradient in zip(check["positions"], check["names"], check["entries"], gradients):
        numerical = []
        for flat in entries:
            values = []
            for step in (H, -H):
                args = _fresh(check["args"])
                args[position].flat[flat] += step
                values.append(_scalar(check, module, args))
            numerical.append((values[0] - values[1]) / (2 * H))
        shape, numerical = check["args"][position].shape, np.array(numerical)
        every = len(entries) == numerical.size == int(np.prod(shape))
        where = "" if every else f" at its flat entries {[int(e) for e in entries]}"
        label = f"the gradient for {name}{where} (compared with central differences of your {check['forward']})"
        try:
            shaped = np.asarray(gradient)
            if shaped.shape != shape:
                raise Mismatch(f"the gradient for {name} has shape {shaped.shape}, expected {shape}, the shape of {name}.")
            # all entries: indices in the messages are the argument's own; else positions in the list
            compare(label, shaped if every else shaped.ravel()[entries], numerical.reshape(shape) if every else numerical, TOL)
        except Mismatch as mismatch:
            found.append(str(mismatch))
    return found
