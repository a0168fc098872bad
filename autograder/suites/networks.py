"""Graded cases for networks.py (assignment 13): composing the layers and training end to end.

Visible cases use fixed public inputs; hidden ones draw sizes, values and hyperparameters from
the secret seed. Forward and backward passes, the loss, sgd_step and accuracy are compared with
the reference, each gradient its own case. Inputs put ReLUs at their kink (exact zeros), take
batches of 1, non-square maps, a single layer (2 dims, the smallest network), tied scores for
accuracy, and scores near 1e3 for the loss. init_mlp is random: its weights are judged by their
law with the initialization suite's statistics (each weight has >= 10^4 draws; each check fails
a correct init_mlp with probability at most 1e-8).

train is graded two ways.
- Exactly, against the reference, from given parameters and a given generator: three calls of
  1, 2 and 3 epochs from the same start and seed, so the parameters after each epoch are judged,
  and every batch's loss of each call. Small data (N = 23 with batches of 4: the last batch has
  3 rows), then batches of 1, one batch larger than N, reg with lr_decay, a frozen layer.
- By outcome, with the student's own functions on the digits: init_mlp(OUTCOME_DIMS, rng) and
  train(...) with OUTCOME_CONFIG; the validation accuracy of the parameters it returns, computed
  by the grader (not taken from the history), must reach THRESHOLD within TIME_BUDGET seconds.
  See "The outcome case" below for the margin and the false-failure bound.
"""

from __future__ import annotations

import ast
import functools
import math
from pathlib import Path

import numpy as np

from ..hints import Hint
from ..judge import Compare, Mismatch, Property, Raises, compare
from ..plan import Call, Plan
from ..suite import Case, Entry, Suite, draw, fixed, generator, normal, per_output, with_zeros
from .initialization import Law, problems

DIGITS = Path(__file__).resolve().parents[2] / "assignments" / "data" / "digits.npz"
# Sums of a few products: one right float64 answer up to rounding
EXACT = Compare(tol=1e-9)
# Training: hundreds of float64 steps, each rounding a little differently in another order of sums
TRAINED = Compare(tol=1e-7)
KEEPS = Compare(tol=0.0, form_only=("new_params",))


# -- the outcome case ---------------------------------------------------------------------------
# With OUTCOME_CONFIG the reference's validation accuracy over 200 seeds (init and order from
# default_rng(seed), seeds 0..199) has mean 0.955, standard deviation 0.0067 and minimum 0.937:
# THRESHOLD = 0.85 lies MARGIN = 0.105 below the mean, k = 15.7 standard deviations. A correct
# solution differs from the reference only in how it draws its initial weights (another order
# of draws gives another sample of the same law) and in rounding, so its accuracy is another
# draw of that distribution. Cantelli's inequality, which holds for every distribution with
# that mean and deviation, bounds its chance to fail by 1 / (1 + k^2) = FALSE_FAILURE < 0.5%;
# the observed spread puts no seed within 0.087 of the threshold, and a normal tail at 15.7
# deviations is below 1e-50. tests/test_networks_outcome.py re-measures the distribution on
# fresh seeds. A network that does not learn (summed gradients, a sign flipped, no updates)
# stays near 0.1; 0.85 is where a working loop on these digits is beyond doubt.
# The reference trains in 0.21 s at a load of 2 (loop-free numpy over 570 batches) and in 0.7 s
# (median; 1.5 s at worst) on the project's 2-core machine at a load of 6 to 8
# (benchmarks/networks_training.py); TIME_BUDGET, the sandbox's per-case limit, leaves room for
# a busy machine and for slower correct code, but not for a Python loop over the 1,197 rows.

OUTCOME_DIMS = [64, 64, 10]
OUTCOME_CONFIG = {"lr": 0.1, "epochs": 15, "batch_size": 32, "lr_decay": 0.95}
THRESHOLD = 0.85
MEASURED = {"mean": 0.955, "std": 0.0067, "min": 0.937, "seeds": 200}
MARGIN = MEASURED["mean"] - THRESHOLD
FALSE_FAILURE = 1 / (1 + (MARGIN / MEASURED["std"]) ** 2)
TIME_BUDGET = 10.0


@functools.lru_cache(maxsize=1)
def digits() -> dict:
    """The digits' splits as float rows: X_train (1197, 64), X_val (300, 64) in [0, 1], labels int64."""
    with np.load(DIGITS) as data:
        return {name: (data[name].reshape(len(data[name]), -1) / 16.0 if name.startswith("X") else data[name].astype(np.int64))
                for name in ("X_train", "y_train", "X_val", "y_val")}


def scores_of(params: dict, X: np.ndarray) -> np.ndarray:
    """The MLP's scores, for judging: affine and ReLU layers, affine last."""
    layers = len(params) // 2
    h = X
    for layer in range(1, layers + 1):
        h = h @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer < layers:
            h = np.maximum(h, 0.0)
    return h


def outcome_plan(rng):
    data = digits()
    init = Call("init_mlp", list(OUTCOME_DIMS), generator(rng.integers(2**31)))
    run = Call("train", init.out, data["X_train"], data["y_train"], data["X_val"], data["y_val"],
               OUTCOME_CONFIG["lr"], OUTCOME_CONFIG["epochs"], OUTCOME_CONFIG["batch_size"], generator(rng.integers(2**31)),
               lr_decay=OUTCOME_CONFIG["lr_decay"])
    return Plan([init, run], {"params": run.out[0]})


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


# -- the leaderboard ---------------------------------------------------------------------------------
# A student may state a configuration in the module-level LEADERBOARD of networks.py (see its
# docstring). The grader reads it from the file's text with ast.literal_eval (never running the
# module for it), trains with the student's init_mlp and train in the worker, and posts the
# validation accuracy of the returned parameters, computed here, as Gradescope's leaderboard
# quantity. The limits keep a run within LEADERBOARD_BUDGET seconds of loop-free numpy.

LEADERBOARD_KEYS = {"hidden": list, "lr": float, "epochs": int, "batch_size": int, "reg": float, "lr_decay": float, "seed": int}
LEADERBOARD_DEFAULTS = {"reg": 0.0, "lr_decay": 1.0, "seed": 0}
LEADERBOARD_BUDGET = 30.0


def stated_configuration(source: str) -> dict | None:
    """The LEADERBOARD dict a module's text assigns at its top level (the last such assignment),
    checked and with its defaults; None when there is none or it is None.

    Raises ValueError saying what is wrong: not a literal, unknown or missing keys, a value of the
    wrong type or outside the limits the stub's docstring states.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # the graded cases already report it
    stated = [node.value for node in tree.body if isinstance(node, ast.Assign)
              and any(isinstance(target, ast.Name) and target.id == "LEADERBOARD" for target in node.targets)]
    if not stated:
        return None
    try:
        config = ast.literal_eval(stated[-1])
    except ValueError:
        raise ValueError("LEADERBOARD must be written as a literal dict (numbers, a list of ints), computing nothing") from None
    if config is None:
        return None
    if not isinstance(config, dict):
        raise ValueError(f"LEADERBOARD must be a dict or None, not a {type(config).__name__}")
    unknown = sorted(set(config) - set(LEADERBOARD_KEYS), key=str)
    missing = sorted(set(LEADERBOARD_KEYS) - set(LEADERBOARD_DEFAULTS) - set(config))
    if unknown or missing:
        raise ValueError(f"LEADERBOARD has the unknown keys {unknown} and lacks {missing}" if unknown and missing else
                         f"LEADERBOARD has the unknown keys {unknown}" if unknown else f"LEADERBOARD lacks the keys {missing}")
    config = {**LEADERBOARD_DEFAULTS, **config}
    for key, kind in LEADERBOARD_KEYS.items():
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else kind):
            raise ValueError(f"LEADERBOARD[{key!r}] must be {'a list of ints' if kind is list else 'a number' if kind is float else 'an int'}, not {value!r}")
    hidden = config["hidden"]
    if len(hidden) > 3 or any(isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= 256 for h in hidden):
        raise ValueError(f"LEADERBOARD['hidden'] must list at most 3 layer sizes, each an int from 1 to 256, not {hidden!r}")
    limits = {"lr": config["lr"] > 0, "epochs": 1 <= config["epochs"] <= 50, "batch_size": config["batch_size"] >= 8,
              "reg": config["reg"] >= 0, "lr_decay": 0 < config["lr_decay"] <= 1, "seed": config["seed"] >= 0}
    broken = [key for key, holds in limits.items() if not holds]
    if broken:
        raise ValueError(f"LEADERBOARD[{broken[0]!r}] = {config[broken[0]]!r} is outside its limits "
                         "(lr > 0, 1 <= epochs <= 50, batch_size >= 8, reg >= 0, 0 < lr_decay <= 1, seed >= 0)")
    return config


def leaderboard_plan(source: str):
    """init_mlp([64, *hidden, 10], default_rng(seed)), then train with default_rng(seed + 1) on the digits."""
    config = stated_configuration(source)
    if config is None:
        return None
    data = digits()
    init = Call("init_mlp", [64, *config["hidden"], 10], generator(config["seed"]))
    run = Call("train", init.out, data["X_train"], data["y_train"], data["X_val"], data["y_val"], float(config["lr"]),
               config["epochs"], config["batch_size"], generator(config["seed"] + 1), reg=float(config["reg"]), lr_decay=float(config["lr_decay"]))
    return Plan([init, run], {"params": run.out[0]})


def validation_accuracy(outputs: dict, plan) -> float:
    """The share of validation digits the trained parameters classify right, to 4 decimals."""
    dims = plan.calls[0].args[0]
    expected = {f"{kind}{layer}": np.zeros(shape) for layer, (a, b) in enumerate(zip(dims, dims[1:]), start=1)
                for kind, shape in (("W", (a, b)), ("b", (b,)))}
    try:
        compare("params", outputs.get("params"), expected, math.inf)  # the form only
    except Mismatch as mismatch:
        raise ValueError(f"train's parameters cannot be scored: {mismatch}") from None
    X_val, y_val = plan.calls[1].args[3], plan.calls[1].args[4]
    with np.errstate(all="ignore"):
        return round(float(np.mean(np.argmax(scores_of(outputs["params"], X_val), axis=1) == y_val)), 4)


LEADERBOARD = Entry("networks: validation accuracy on the digits", leaderboard_plan, validation_accuracy, timeout=LEADERBOARD_BUDGET)


# -- init_mlp -----------------------------------------------------------------------------------

GAIN = {"he": 2.0, "xavier": 1.0}


def init_plan(dims, scheme=None):
    def build(rng):
        kwargs = {} if scheme is None else {"scheme": scheme}
        call = Call("init_mlp", list(dims(rng)), generator(rng.integers(2**31)), **kwargs)
        return Plan([call], {"params": call.out})
    return build


def random_init_plan(rng):
    """Three layers' sizes in [100, 160] (each W has >= 10^4 entries), either scheme."""
    dims = [draw(rng, 100, 160) for _ in range(3)]
    return init_plan(fixed(*dims), ["he", "xavier"][draw(rng, 0, 1)])(rng)


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


def rng_plan(rng):
    seed = int(rng.integers(2**31))
    calls = [Call("init_mlp", [6, 5, 4], generator(s)) for s in (seed, seed, seed + 1)]
    return Plan(calls, {"params": calls[0].out, "params again": calls[1].out, "params, other seed": calls[2].out})


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


# -- mlp_forward and mlp_loss --------------------------------------------------------------------

def network(rng, dims, kinks=True):
    """Parameters for ``dims`` with He-scaled weights and nonzero biases, some exactly 0 (where a
    zero input row puts a ReLU at its kink)."""
    params = {}
    for layer, (a, b) in enumerate(zip(dims, dims[1:]), start=1):
        params[f"W{layer}"] = normal(rng, a, b, scale=math.sqrt(2 / a))
        bias = normal(rng, b, scale=0.5)
        params[f"b{layer}"] = with_zeros(rng, bias) if kinks else bias
    return params


def batch(rng, n, d, scale=1.0):
    """(n, d) inputs whose row 0 is exactly 0 (for n > 1): the first layer's output is b1 there."""
    X = normal(rng, n, d, scale=scale)
    if n > 1:
        X[0] = 0.0
    return X


def random_dims(rng, depth=None):
    depth = draw(rng, 1, 4) if depth is None else depth
    return [draw(rng, 2, 9) for _ in range(depth + 1)]


def forward_plan(shape):
    def build(rng):
        dims, n = shape(rng)
        call = Call("mlp_forward", network(rng, dims), batch(rng, n, dims[0]))
        return Plan([call], {"scores": call.out[0]})
    return build


def loss_plan(shape, reg, scale=1.0):
    """mlp_loss on a random network: the loss, the gradients of the weights, those of the biases."""
    def build(rng):
        dims, n = shape(rng)
        params = network(rng, dims)
        call = Call("mlp_loss", params, batch(rng, n, dims[0], scale), rng.integers(dims[-1], size=n), reg(rng))
        layers = range(1, len(dims))
        return Plan([call], {"loss": call.out[0], "dW": {f"W{k}": call.out[1][f"W{k}"] for k in layers},
                             "db": {f"b{k}": call.out[1][f"b{k}"] for k in layers}})
    return build


def random_network(rng):
    """Random dims and a batch of 2 to 12 rows (batches of 1 are visible cases)."""
    return random_dims(rng), draw(rng, 2, 12)


# -- the mistakes, as a student writes them: a small MLP with switches ------------------------------

BIASES_REGULARIZED = "biases regularized"
HALF_REG_GRADIENT = "the 2 of (reg / 2) forgotten"
SUMMED_GRADIENT = "loss averaged, gradient summed"


def mistaken_loss(mistake):
    """mlp_loss as a student who makes ``mistake`` (one of the names above) writes it."""
    def mlp_loss(params, X, y, reg=0.0):
        layers = len(params) // 2
        hs = [X]
        for layer in range(1, layers + 1):
            a = hs[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
            hs.append(np.maximum(a, 0.0) if layer < layers else a)
        n, rows = X.shape[0], np.arange(X.shape[0])
        shifted = hs[-1] - hs[-1].max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[rows, y].mean()
        dh = np.exp(log_probs)
        dh[rows, y] -= 1.0
        dh = dh if mistake == SUMMED_GRADIENT else dh / n
        grads = {}
        for layer in range(layers, 0, -1):
            if layer < layers:
                dh = dh * (hs[layer] > 0)
            w, b = params[f"W{layer}"], params[f"b{layer}"]
            grads[f"W{layer}"] = hs[layer - 1].T @ dh + (0.5 if mistake == HALF_REG_GRADIENT else 1.0) * reg * w
            grads[f"b{layer}"] = dh.sum(axis=0) + (reg * b if mistake == BIASES_REGULARIZED else 0.0)
            loss += 0.5 * reg * (np.sum(w * w) + (np.sum(b * b) if mistake == BIASES_REGULARIZED else 0.0))
            dh = dh @ w.T
        return float(loss), grads
    return mlp_loss


LOSS_HINTS = {
    BIASES_REGULARIZED: Hint(BIASES_REGULARIZED, "Your loss and gradients match an L2 term on the biases too: "
                             "(reg / 2) * sum(W ** 2) is over the weights only; a bias shifts a unit without "
                             "making the function any steeper, so it is not penalized.", replace={"mlp_loss": mistaken_loss(BIASES_REGULARIZED)}),
    HALF_REG_GRADIENT: Hint(HALF_REG_GRADIENT, "Your weight gradients match dW + (reg / 2) * W: the derivative of "
                            "(reg / 2) * W ** 2 is reg * W, the 2 of the square cancels the 1/2.", replace={"mlp_loss": mistaken_loss(HALF_REG_GRADIENT)}),
    SUMMED_GRADIENT: Hint(SUMMED_GRADIENT, "Your gradients are N times too large: the loss is the mean over the "
                          "batch, so its gradient is the mean too; divide dscores by N once (as "
                          "softmax_cross_entropy does), not sum the rows' gradients.", replace={"mlp_loss": mistaken_loss(SUMMED_GRADIENT)}),
}


def loss_hints(*names):
    return tuple(LOSS_HINTS[name] for name in names)


# -- residual block and global average pooling -----------------------------------------------------

def block(rng, n, d, h):
    """A residual block's inputs: x with exact zeros, b1 and b2 with zeros (kinks on both ReLUs
    where x's row is 0), weights small enough that the shortcut matters."""
    x = with_zeros(rng, normal(rng, n, d))
    x[0] = 0.0
    return (x, normal(rng, d, h, scale=0.7), with_zeros(rng, normal(rng, h)), normal(rng, h, d, scale=0.7),
            with_zeros(rng, normal(rng, d, scale=0.3)))


def residual_forward_plan(sizes):
    def build(rng):
        call = Call("residual_block_forward", *block(rng, *sizes(rng)))
        return Plan([call], {"out": call.out[0]})
    return build


def live_block(rng, n, d, h):
    """:func:`block`'s inputs, drawn again until a gradient reaches w1 (a nonzero row of x with
    a unit live in both ReLUs): otherwise dw1 is 0 and its case judges nothing. Needs n >= 2
    (block's first row of x is 0)."""
    while True:
        x, w1, b1, w2, b2 = inputs = block(rng, n, d, h)
        a = np.maximum(x @ w1 + b1, 0.0)
        live = (a > 0)[:, :, None] & ((x + a @ w2 + b2) > 0)[:, None, :] & (x != 0).any(axis=1)[:, None, None]
        if live.any():
            return inputs


def residual_backward_plan(sizes):
    def build(rng):
        n, d, h = sizes(rng)
        forward = Call("residual_block_forward", *(live_block(rng, n, d, h) if n >= 2 else block(rng, n, d, h)))
        backward = Call("residual_block_backward", normal(rng, n, d), forward.out[1])
        return Plan([forward, backward], {name: backward.out[i] for i, name in enumerate(("dx", "dw1", "db1", "dw2", "db2"))})
    return build


def without_shortcut(dout, cache):
    """residual_block_backward whose dx forgets the shortcut: only the branch's gradient."""
    (x, w1, b1), (a,), (h, w2, b2), (s,) = cache
    dsum = np.where(s > 0, dout, 0.0)
    dh = np.where(a > 0, dsum @ w2.T, 0.0)
    return dh @ w1.T, x.T @ dh, dh.sum(axis=0), h.T @ dsum, dsum.sum(axis=0)


SHORTCUT_HINT = Hint("shortcut skipped in backward", "Your dx is the gradient through the two layers alone: the "
                     "shortcut adds x itself to the sum, so dx also gets the gradient at the sum directly; add the two.",
                     wrong=lambda expected, plan: {"dx": _branch_only(plan)})


def _branch_only(plan):
    """The dx of the block without its shortcut, from the plan's own inputs."""
    x, w1, b1, w2, b2 = plan.calls[0].args
    a = x @ w1 + b1
    s = x + np.maximum(a, 0.0) @ w2 + b2
    dsum = np.where(s > 0, plan.calls[1].args[0], 0.0)
    return np.where(a > 0, dsum @ w2.T, 0.0) @ w1.T


def pool_forward_plan(shape):
    def build(rng):
        call = Call("global_average_pool_forward", normal(rng, *shape(rng)))
        return Plan([call], {"out": call.out[0]})
    return build


def pool_backward_plan(shape):
    def build(rng):
        n, c, h, w = shape(rng)
        forward = Call("global_average_pool_forward", normal(rng, n, c, h, w))
        backward = Call("global_average_pool_backward", normal(rng, n, c), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


POOL_SUM_HINT = Hint("pooling gradient not divided", "Your dx is dout copied to every position: the mean over the "
                     "H * W positions gives each of them 1 / (H * W) of the gradient.",
                     wrong=lambda expected, plan: {"dx": expected["dx"] * (plan.calls[0].args[0].shape[2] * plan.calls[0].args[0].shape[3])})


def random_maps(rng):
    return draw(rng, 1, 4), draw(rng, 1, 5), draw(rng, 1, 6), draw(rng, 1, 6)


# -- sgd_step and accuracy ---------------------------------------------------------------------------

def step_plan(dims, frozen, lr):
    def build(rng):
        params = network(rng, dims(rng), kinks=False)
        grads = {key: normal(rng, *value.shape) for key, value in params.items()}
        keys = frozen(rng, sorted(params))
        call = Call("sgd_step", params, grads, lr(rng), keys)
        return Plan([call], {"new_params": call.out})
    return build


def random_frozen(rng, keys):
    """A random, non-empty proper subset of the keys, as a tuple or a list."""
    chosen = [key for key in keys if rng.random() < 0.5][: len(keys) - 1] or [keys[0]]
    return tuple(chosen) if rng.random() < 0.5 else chosen


def keeps_plan(rng):
    params = network(rng, [4, 5, 3], kinks=False)
    grads = {key: normal(rng, *value.shape) for key, value in params.items()}
    call = Call("sgd_step", params, grads, 0.1, ("W1",))
    return Plan([call], {"params": call.arg(0), "grads": call.arg(1), "new_params": call.out})


def sgd_ignoring_frozen(params, grads, lr, frozen=()):
    return {key: value - lr * grads[key] for key, value in params.items()}


FROZEN_HINT = Hint("frozen key updated", "Your parameters match an update of every key, the frozen ones too: a key in "
                   "frozen keeps its array (the fixed feature extractor of transfer learning).",
                   replace={"sgd_step": sgd_ignoring_frozen})


def tied_plan(n):
    """A one-layer network with integer weights and inputs: integer scores, many tied at the top.
    Row 0 is all zeros (every score tied); a tied row's label is its first maximum, other rows'
    labels are random, so counting ties for the last maximum loses at least row 0."""
    def build(rng):
        rows, d, c = n(rng), 3, 4
        params = {"W1": rng.integers(-1, 2, size=(d, c)).astype(np.float64), "b1": np.zeros(c)}
        X = rng.integers(0, 3, size=(rows, d)).astype(np.float64)
        X[0] = 0.0
        scores = X @ params["W1"]
        tied = np.sum(scores == scores.max(axis=1, keepdims=True), axis=1) > 1
        y = np.where(tied, np.argmax(scores, axis=1), rng.integers(c, size=rows))
        call = Call("accuracy", params, X, y)
        return Plan([call], {"accuracy": call.out})
    return build


def accuracy_plan(shape):
    def build(rng):
        dims, n = shape(rng)
        # no kinks: continuous scores, no ties (those are the tied cases' business)
        call = Call("accuracy", network(rng, dims, kinks=False), normal(rng, n, dims[0]), rng.integers(dims[-1], size=n))
        return Plan([call], {"accuracy": call.out})
    return build


def accuracy_last_tie(params, X, y):
    scores = scores_of(params, X)
    return float(np.mean(scores.shape[1] - 1 - np.argmax(scores[:, ::-1], axis=1) == y))


TIE_HINT = Hint("ties to the last maximum", "Your accuracy counts a tie as the last of the highest scores; the "
                "prediction is the first (np.argmax), as the handout says.", replace={"accuracy": accuracy_last_tie})


# -- train, exactly -------------------------------------------------------------------------------

def dataset(rng, n, d, c, spread=1.5):
    """n labelled points in d dimensions around c random centres."""
    y = rng.integers(c, size=n)
    return normal(rng, c, d, scale=spread)[y] + normal(rng, n, d), y


def train_plan(sizes, lr=lambda rng: 0.3, reg=lambda rng: 0.0, lr_decay=lambda rng: 1.0, frozen=lambda rng: ()):
    """Three train calls of 1, 2 and 3 epochs from the same parameters and seed: every batch's
    loss of each call, the parameters after each epoch, the accuracies after each epoch."""
    def build(rng):
        dims, n, batch_size = sizes(rng)
        X, y = dataset(rng, n, dims[0], dims[-1])
        X_val, y_val = dataset(rng, max(3, n // 2), dims[0], dims[-1])
        params = network(rng, dims, kinks=False)
        seed = int(rng.integers(2**31))
        options = {"reg": reg(rng), "lr_decay": lr_decay(rng), "frozen": frozen(rng)}
        rate = lr(rng)
        calls = [Call("train", params, X, y, X_val, y_val, rate, epochs, batch_size, generator(seed), **options) for epochs in (1, 2, 3)]
        return Plan(calls, {
            "loss per batch": tuple(call.out[1]["loss"] for call in calls),
            "params after each epoch": tuple(call.out[0] for call in calls),
            "train_acc and val_acc": (calls[2].out[1]["train_acc"], calls[2].out[1]["val_acc"]),
        })
    return build


NOT_SHUFFLED = "not shuffled"
ONE_ORDER = "one order for every epoch"
DECAY_PER_BATCH = "lr decayed per batch"


def mistaken_train(mistake):
    """train as a student who makes ``mistake`` writes it, with the suite's own loss and step."""
    loss_and_grads = mistaken_loss(None)

    def train(params, X, y, X_val, y_val, lr, epochs, batch_size, rng, reg=0.0, lr_decay=1.0, frozen=()):
        history = {"loss": [], "train_acc": [], "val_acc": []}
        n = X.shape[0]
        once = rng.permutation(n) if mistake == ONE_ORDER else None
        for _ in range(epochs):
            order = np.arange(n) if mistake == NOT_SHUFFLED else once if mistake == ONE_ORDER else rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                loss, grads = loss_and_grads(params, X[rows], y[rows], reg)
                params = {key: value if key in frozen else value - lr * grads[key] for key, value in params.items()}
                history["loss"].append(loss)
                if mistake == DECAY_PER_BATCH:
                    lr *= lr_decay
            for split, (inputs, labels) in (("train_acc", (X, y)), ("val_acc", (X_val, y_val))):
                history[split].append(float(np.mean(np.argmax(scores_of(params, inputs), axis=1) == labels)))
            if mistake != DECAY_PER_BATCH:
                lr *= lr_decay
        return params, history
    return train


def draws_elsewhere(outputs: dict, plan) -> bool:
    """A hint test: the three calls got the same seed, yet their first epochs' losses differ."""
    losses = outputs.get("loss per batch")
    rows, batch_size = plan.calls[0].args[1].shape[0], plan.calls[0].args[7]
    try:
        first = [list(map(float, run))[: -(-rows // batch_size)] for run in losses]
    except (TypeError, ValueError):
        return False
    return len(first) == 3 and len(first[0]) > 0 and not (first[0] == first[1] == first[2])


TRAIN_HINTS = (
    Hint(NOT_SHUFFLED, "Your training takes the rows in their given order: each epoch starts with "
         "order = rng.permutation(N), and the batches are order[i:i + batch_size].", replace={"train": mistaken_train(NOT_SHUFFLED)}),
    Hint(ONE_ORDER, "Your training shuffles once and keeps that order: draw a new rng.permutation(N) at the "
         "start of every epoch, so each epoch sees other batches.", replace={"train": mistaken_train(ONE_ORDER)}),
    Hint(DECAY_PER_BATCH, "Your learning rate decays after every batch: lr *= lr_decay once per epoch, after "
         "its updates (an epoch-wise schedule).", replace={"train": mistaken_train(DECAY_PER_BATCH)}),
    Hint("shuffled with another generator", "Three runs with generators of the same seed gave different first "
         "epochs: draw the order from the rng argument (rng.permutation), not from np.random or a generator of "
         "your own.", test=draws_elsewhere),
)


def small(dims, n, batch_size):
    return lambda rng: (list(dims), n, batch_size)


def random_training(rng):
    dims = random_dims(rng, depth=draw(rng, 1, 3))
    n = draw(rng, 9, 30)
    return dims, n, draw(rng, 2, n + 2)  # batches of 1 are a visible case


def keeps_train_plan(rng):
    dims = [4, 5, 3]
    X, y = dataset(rng, 10, 4, 3)
    call = Call("train", network(rng, dims, kinks=False), X, y, X[:4], y[:4], 0.3, 2, 4, generator(5))
    return Plan([call], {"params": call.arg(0), "the X passed": call.arg(1), "new_params": call.out[0]})


# -- the suite -----------------------------------------------------------------------------------------

def raises_plan(function, *args):
    def build(rng):
        call = Call(function, *args)
        return Plan([call], {"result": call.out})
    return build


LOSS = {"loss": 1, "dW": 1, "db": 1}
BACKWARD = {"dx": 1, "dw1": 1, "db1": 0.5, "dw2": 1, "db2": 0.5}
TRAINED_OUTPUTS = {"loss per batch": 1, "params after each epoch": 2}
REG_HINTS = loss_hints(BIASES_REGULARIZED, HALF_REG_GRADIENT, SUMMED_GRADIENT)

SUITE = Suite("networks", (
    Case("init_mlp, He: the law of each weight, dims [150, 80, 130]", 2, init_plan(fixed(150, 80, 130)), Property(follows_law),
         about="W ~ N(0, 2/fan_in), b = 0", hints=INIT_HINTS),
    Case("init_mlp, Xavier: the law of each weight, dims [120, 90, 200]", 1, init_plan(fixed(120, 90, 200), "xavier"), Property(follows_law), hints=INIT_HINTS),
    Case("init_mlp, random dims and scheme", 1, random_init_plan, Property(follows_law), visibility="hidden", hints=INIT_HINTS),
    Case("init_mlp, keys and shapes for dims [1, 3, 1, 2]", 1, init_plan(fixed(1, 3, 1, 2)), Property(has_form, side=True), about="dims of 1 are allowed"),
    Case("init_mlp, one layer for dims [7, 2]", 0.5, init_plan(fixed(7, 2)), Property(has_form, side=True), about="2 dims: the smallest network"),
    Case("init_mlp draws from rng", 0.5, rng_plan, Property(uses_rng)),
    Case("init_mlp raises ValueError for dims [5]", 0.5, raises_plan("init_mlp", [5], generator(0)), Raises(ValueError)),
    Case("init_mlp raises ValueError for dims [4, 0, 3]", 0.5, raises_plan("init_mlp", [4, 0, 3], generator(0)), Raises(ValueError)),
    Case("init_mlp raises ValueError for scheme 'glorot'", 0.5, raises_plan("init_mlp", [4, 3], generator(0), "glorot"), Raises(ValueError)),
    Case("mlp_forward, 2 layers", 1, forward_plan(fixed([5, 7, 3], 4)), EXACT, about="ReLU between the layers, none after the last"),
    Case("mlp_forward, 3 layers, batch of 1", 1, forward_plan(fixed([6, 5, 4, 3], 1)), EXACT),
    Case("mlp_forward, one layer", 1, forward_plan(fixed([4, 3], 5)), EXACT, about="no ReLU at all"),
    Case("mlp_forward, random depth", 1, forward_plan(random_network), EXACT, visibility="hidden"),
    *per_output(loss_plan(fixed([5, 6, 4], 7), lambda rng: 0.0), "mlp_loss, reg = 0", LOSS, judge=EXACT, hints=REG_HINTS),
    *per_output(loss_plan(fixed([4, 5, 5, 3], 6), lambda rng: 0.1), "mlp_loss, reg = 0.1", LOSS, judge=EXACT, hints=REG_HINTS),
    *per_output(loss_plan(fixed([3, 4, 2], 1), lambda rng: 0.05), "mlp_loss, batch of 1", LOSS, judge=EXACT, hints=REG_HINTS),
    *per_output(loss_plan(random_network, lambda rng: float(10 ** rng.uniform(-3, 0))), "mlp_loss, random network", LOSS, judge=EXACT,
                visibility="hidden", hints=REG_HINTS),
    Case("mlp_loss, scores of magnitude 1e3", 1, loss_plan(fixed([4, 5, 3], 6), lambda rng: 0.0, scale=400.0), Compare(tol=1e-9, no_warnings=True),
         about="a stable softmax cross-entropy"),
    Case("residual_block_forward", 1, residual_forward_plan(fixed(5, 4, 3)), EXACT, about="relu(x + relu(x @ w1 + b1) @ w2 + b2)"),
    Case("residual_block_forward, batch of 1", 1, residual_forward_plan(fixed(1, 3, 6)), EXACT),
    Case("residual_block_forward, random sizes", 1, residual_forward_plan(lambda rng: (draw(rng, 1, 8), draw(rng, 1, 7), draw(rng, 1, 7))), EXACT, visibility="hidden"),
    *per_output(residual_backward_plan(fixed(5, 4, 3)), "residual_block_backward", BACKWARD, judge=EXACT, hints=(SHORTCUT_HINT,)),
    *per_output(residual_backward_plan(lambda rng: (draw(rng, 2, 8), draw(rng, 1, 7), draw(rng, 1, 7))), "residual_block_backward, random sizes",
                {"dx": 1, "dw1": 0.5, "dw2": 0.5}, judge=EXACT, visibility="hidden", hints=(SHORTCUT_HINT,)),
    Case("global_average_pool_forward", 1, pool_forward_plan(fixed(2, 3, 4, 5)), EXACT, about="H != W"),
    Case("global_average_pool_forward, 1 x 1 maps", 0.5, pool_forward_plan(fixed(3, 4, 1, 1)), EXACT),
    Case("global_average_pool_forward, random shape", 1, pool_forward_plan(random_maps), EXACT, visibility="hidden"),
    Case("global_average_pool_backward", 1, pool_backward_plan(fixed(2, 3, 4, 5)), EXACT, hints=(POOL_SUM_HINT,)),
    Case("global_average_pool_backward, batch of 1", 1, pool_backward_plan(fixed(1, 2, 3, 1)), EXACT, hints=(POOL_SUM_HINT,)),
    Case("global_average_pool_backward, random shape", 1, pool_backward_plan(random_maps), EXACT, visibility="hidden", hints=(POOL_SUM_HINT,)),
    Case("sgd_step", 1, step_plan(lambda rng: [4, 5, 3], lambda rng, keys: (), lambda rng: 0.1), EXACT, about="p - lr * dp for every key"),
    Case("sgd_step with the first layer frozen", 1, step_plan(lambda rng: [4, 5, 3], lambda rng, keys: ("W1", "b1"), lambda rng: 0.05), EXACT, hints=(FROZEN_HINT,)),
    Case("sgd_step, random frozen keys", 1, step_plan(lambda rng: random_dims(rng, depth=draw(rng, 2, 4)), random_frozen, lambda rng: float(rng.uniform(0.01, 1))),
         EXACT, visibility="hidden", hints=(FROZEN_HINT,)),
    Case("sgd_step leaves params unchanged", 0.5, keeps_plan, KEEPS, about="a new dict, no p -= ..."),
    Case("accuracy with tied scores", 1, tied_plan(lambda rng: 30), EXACT, about="the first maximum wins", hints=(TIE_HINT,)),
    Case("accuracy, one row", 0.5, tied_plan(lambda rng: 1), EXACT),
    Case("accuracy, random network", 1, accuracy_plan(random_network), EXACT, visibility="hidden"),
    Case("accuracy, random tied scores", 1, tied_plan(lambda rng: draw(rng, 20, 40)), EXACT, visibility="hidden", hints=(TIE_HINT,)),
    *per_output(train_plan(small([3, 5, 3], 23, 4)), "train, 3 epochs of batches of 4 (the last smaller)", TRAINED_OUTPUTS, judge=TRAINED, hints=TRAIN_HINTS),
    # no hints on accuracies alone: several mistakes can give the same shares
    *per_output(train_plan(small([3, 5, 3], 23, 4)), "train, 3 epochs of batches of 4 (the last smaller): train_acc and val_acc",
                {"train_acc and val_acc": 1}, judge=TRAINED),
    *per_output(train_plan(small([4, 6, 2], 7, 1)), "train, batches of 1", {"loss per batch": 1, "params after each epoch": 1}, judge=TRAINED, hints=TRAIN_HINTS),
    Case("train, one batch larger than the data", 1, train_plan(small([3, 4, 3], 9, 12)), TRAINED, about="batch_size > N: one batch of N rows"),
    *per_output(train_plan(small([3, 5, 4, 3], 17, 5), reg=lambda rng: 0.05, lr_decay=lambda rng: 0.5), "train with reg and lr_decay",
                {"loss per batch": 1, "params after each epoch": 1}, judge=TRAINED, hints=TRAIN_HINTS + REG_HINTS),
    Case("train with the first layer frozen", 1, train_plan(small([3, 5, 3], 16, 4), frozen=lambda rng: ("W1", "b1")), TRAINED, hints=(FROZEN_HINT,)),
    *per_output(train_plan(random_training, lr=lambda rng: float(rng.uniform(0.05, 0.5)), reg=lambda rng: float(rng.uniform(0, 0.1)),
                           lr_decay=lambda rng: float(rng.uniform(0.5, 0.9))), "train, random sizes and hyperparameters", TRAINED_OUTPUTS,
                judge=TRAINED, visibility="hidden", hints=TRAIN_HINTS + REG_HINTS),
    Case("train leaves params unchanged", 0.5, keeps_train_plan, KEEPS),
    Case(f"train reaches {THRESHOLD:.0%} validation accuracy on the digits", 3, outcome_plan, Property(learns_the_digits), timeout=TIME_BUDGET,
         about=f"your init_mlp and train with {OUTCOME_CONFIG}"),
), leaderboard=(LEADERBOARD,), data=("digits.npz",))
