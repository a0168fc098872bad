"""The judging code of the visible cases of autograder/suites/networks.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import math


import numpy as np


from ..hints import Hint


from ..judge import Compare, Mismatch, Property, Raises, compare


from .initialization import Law, problems


OUTCOME_DIMS = [64, 64, 10]


OUTCOME_CONFIG = {"lr": 0.1, "epochs": 15, "batch_size": 32, "lr_decay": 0.95}


THRESHOLD = 0.85


MEASURED = {"mean": 0.955, "std": 0.0067, "min": 0.937, "seeds": 200}


def scores_of(params: dict, X: np.ndarray) -> np.ndarray:
    """The MLP's scores, for judging: affine and ReLU layers, affine last."""
    layers = len(params) // 2
    h = X
    for layer in range(1, layers + 1):
        h = h @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer < layers:
            h = np.maximum(h, 0.0)
    return h


def learns_the_digits(outputs: dict, plan) -> list[str]:
    """Property test: the trained parameters classify at least THRESHOLD of the validation digits."""
    params = outputs.get("params")
    expected = {f"{kind}{layer}": np.zeros(shape) for layer, (a, b) in enumerate(zip(OUTCOME_DIMS, OUTCOME_DIMS[1:]), start=1)
                for kind, shape in (("W", (a, b)), ("b", (b,)))}
    try:
        compare("params", params, expected, math.inf)  # the form only
    except Mismatch as mismatch:
        return [str(mismatch)]
    X_val, y_val = plan.calls[1].args[3], plan.calls[1].args[4]
    with np.errstate(all="ignore"):
        share = float(np.mean(np.argmax(scores_of(params, X_val), axis=1) == y_val))
    if not share >= THRESHOLD:
        return [f"After training with {OUTCOME_CONFIG} from init_mlp({OUTCOME_DIMS}, rng), your network classifies "
                f"{share:.1%} of the validation digits right; a working training loop reaches {THRESHOLD:.0%} "
                f"(the reference: {MEASURED['mean']:.1%} on average). Check the exact train cases first."]
    return []


GAIN = {"he": 2.0, "xavier": 1.0}


def form_problems(params, dims) -> list[str]:
    """What is wrong with the form of init_mlp's dict: keys, shapes, dtype; biases exactly 0."""
    keys = [f"{kind}{layer}" for layer in range(1, len(dims)) for kind in "Wb"]
    if not isinstance(params, dict) or sorted(params) != sorted(keys):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        return [f"init_mlp({dims}) returned {got}, expected a dict with the keys {keys}."]
    try:
        for layer, (fan_in, fan_out) in enumerate(zip(dims, dims[1:]), start=1):
            compare(f"W{layer}", params[f"W{layer}"], np.zeros((fan_in, fan_out)), math.inf)
            compare(f"b{layer}", params[f"b{layer}"], np.zeros(fan_out), 0.0)
    except Mismatch as mismatch:
        return [str(mismatch)]
    return []


def follows_law(outputs: dict, plan) -> list[str]:
    """Property test: the right keys and shapes, zero biases, each W normal with Var = gain / fan_in."""
    call = plan.calls[0]
    dims, scheme = call.args[0], call.kwargs.get("scheme", "he")
    found = form_problems(outputs.get("params"), dims)
    for layer, fan_in in enumerate(dims[:-1], start=1):
        if found:
            break
        gain = GAIN[scheme]
        law = Law("normal", gain / fan_in, f"{gain:g}/fan_in = {gain:g}/{fan_in}")
        found = [f"W{layer}: {problem}" for problem in problems(outputs["params"][f"W{layer}"], law)[:1]]
    return found


def has_form(outputs: dict, plan) -> list[str]:
    return form_problems(outputs.get("params"), plan.calls[0].args[0])


def uses_rng(outputs: dict, plan) -> list[str]:
    """Property test: the same seed gives the same weights, another seed other weights."""
    for name in ("params", "params again", "params, other seed"):
        found = form_problems(outputs.get(name), [6, 5, 4])
        if found:
            return found
    first, again, other = (outputs[name] for name in ("params", "params again", "params, other seed"))
    if not all(np.array_equal(first[key], again[key]) for key in first):
        return ["init_mlp returned different weights for two generators with the same seed: draw them from rng, not np.random."]
    if np.array_equal(first["W1"], other["W1"]):
        return ["init_mlp returned the same weights for generators with different seeds: draw them from rng, and seed nothing yourself."]
    return []


def variance_hint(name, text, wrong_gain):
    """A hint test: every W fits Var = wrong_gain(fan_in, fan_out) and W1 does not fit the right law."""
    def test(outputs: dict, plan) -> bool:
        call = plan.calls[0]
        dims, scheme = call.args[0], call.kwargs.get("scheme", "he")
        params = outputs.get("params")
        if form_problems(params, dims):
            return False
        laws = [Law("normal", wrong_gain(scheme, a, b)) for a, b in zip(dims, dims[1:])]
        right = Law("normal", GAIN[scheme] / dims[0])
        return bool(problems(params["W1"], right)) and not any(problems(params[f"W{layer}"], law) for layer, law in enumerate(laws, start=1))
    return Hint(name, text, test=test)


INIT_HINTS = (
    variance_hint("He and Xavier swapped", "Your weights' variance is the other scheme's: \"he\" is 2/fan_in (ReLU halves "
                  "the signal, the 2 makes up for it), \"xavier\" 1/fan_in.", lambda scheme, a, b: (3.0 - GAIN[scheme]) / a),
    variance_hint("variance passed as the standard deviation", "Your weights' variance is Var(W) squared: "
                  "rng.standard_normal has variance 1, so multiply by sqrt(gain / fan_in), not by gain / fan_in.",
                  lambda scheme, a, b: (GAIN[scheme] / a) ** 2),
)


def draws_elsewhere(outputs: dict, plan) -> bool:
    """A hint test: the three calls got the same seed, yet their first epochs' losses differ."""
    losses = outputs.get("loss per batch")
    rows, batch_size = plan.calls[0].args[1].shape[0], plan.calls[0].args[7]
    try:
        first = [list(map(float, run))[: -(-rows // batch_size)] for run in losses]
    except (TypeError, ValueError):
        return False
    return len(first) == 3 and len(first[0]) > 0 and not (first[0] == first[1] == first[2])
