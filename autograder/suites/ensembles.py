"""Graded cases for ensembles.py (assignment 12): bagging, boosting, averaging, distillation.

Visible cases use fixed public inputs; hidden ones draw shapes and values from the secret
seed. A bootstrap sample is random, so bootstrap_indices is judged by properties, never
against the reference's own draw: int64 indices in range(n), about 1 - 1/e of them
distinct (sampling without replacement gives all n), spread evenly over range(n), one seed
one sample. Everything else is compared with the reference. The inputs are chosen to catch
what easy examples let through: votes with ties (to the smallest label), dicts of parameters
whose keys come in different orders and whose shapes differ from key to key, a decay far
from 1/2 (where decay and 1 - decay coincide), AdaBoost weights that do not sum to 1 and
members with no or only mistakes (err clipped), temperatures other than 1 (where the T**2
factor is invisible), and logits of magnitude 1e3.

Statistical bounds: each is McDiarmid's or Hoeffding's inequality at a false-failure
probability of FALSE_FAILURE = 1e-7 for a correct submission; three such checks run per
grading, so a correct submission loses points with probability below 1e-6. The wrong
submissions the bounds must catch are far outside them (an exact computation in
tests/test_ensembles_grading.py).
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import Hint
from ..judge import Compare, Property, Raises, describe
from ..plan import Call, Plan
from ..suite import STABLE, Case, Suite, distinct, fixed, generator, normal, per_output

FALSE_FAILURE = 1e-7  # per statistical check; three of them run in one grading
CONSTANT = lambda value: (lambda *draw: value)  # noqa: E731 - a parameter that does not depend on the draw


def form(outputs: dict, name: str, n: int) -> list[str]:
    """Problems with the form of ``outputs[name]`` as n indices: type, shape (n,), an integer dtype.

    Not judge.compare: for integer arrays it compares values too, and a sample has no
    expected values.
    """
    indices = outputs.get(name)
    if not isinstance(indices, np.ndarray):
        return [f"{name} is {describe(indices)}, expected a numpy array of shape ({n},)."]
    if indices.shape != (n,):
        return [f"{name} has shape {indices.shape}, expected ({n},)."]
    if indices.dtype.kind not in "iu":
        return [f"{name} has dtype {indices.dtype}, expected int64: indices are integers."]
    return []


# -- 12.1 bootstrap_indices ----------------------------------------------------------------------

def bootstrap_plan(size):
    """One sample of ``size(rng)`` indices, and one of n = 1 (the only sample: [0])."""
    def build(rng):
        n = size(rng)
        calls = [Call("bootstrap_indices", n, generator(rng.integers(2**31))), Call("bootstrap_indices", 1, generator(rng.integers(2**31)))]
        return Plan(calls, {"indices": calls[0].out, "indices for n = 1": calls[1].out})
    return build


def sample_size(plan) -> int:
    """n of the plan's first call."""
    return plan.calls[0].args[0]


def int64_in_range(outputs, plan) -> list[str]:
    """Deterministic: shape (n,), dtype int64 exactly, every entry in [0, n)."""
    problems = []
    for name, call in zip(("indices", "indices for n = 1"), plan.calls):
        n = call.args[0]
        problems += form(outputs, name, n)
        if problems:
            return problems
        indices = outputs[name]
        if indices.dtype != np.int64:
            return [f"{name} has dtype {indices.dtype}, expected int64 (rng.integers(..., dtype=np.int64), or .astype(np.int64))."]
        problems += outside(name, indices, n)
    return problems


def outside(name: str, indices: np.ndarray, n: int) -> list[str]:
    """A problem if an index lies outside range(n)."""
    if indices.min() < 0 or indices.max() >= n:
        return [f"{name} for n = {n} holds {indices.min() if indices.min() < 0 else indices.max()}, outside range(n) = [0, {n})."]
    return []


def distinct_tolerance(n: int) -> float:
    """The a with 2 exp(-2 a^2 / n) = FALSE_FAILURE: the number of distinct indices among n
    draws is within a of its mean except with that probability (McDiarmid: changing one draw
    changes the count by at most 1)."""
    return math.sqrt(n * math.log(2 / FALSE_FAILURE) / 2)


def expected_distinct(n: int) -> float:
    """E[number of distinct indices] = n (1 - (1 - 1/n)^n), about n (1 - 1/e)."""
    return n * -math.expm1(n * math.log1p(-1 / n)) if n > 1 else 1.0


def distinct_count(outputs) -> int:
    """The number of different indices in the sample."""
    return len(np.unique(outputs["indices"]))


def distinct_share(outputs, plan) -> list[str]:
    n = sample_size(plan)
    problems = form(outputs, "indices", n) or outside("indices", outputs["indices"], n)  # n distinct values of another range are no sample
    if problems:
        return problems
    count, mean, a = distinct_count(outputs), expected_distinct(n), distinct_tolerance(n)
    if abs(count - mean) >= a:  # false failure <= FALSE_FAILURE (McDiarmid, n draws)
        return [f"indices holds {count} distinct values among n = {n} ({count / n:.1%}); a bootstrap sample holds "
                f"about {mean / n:.1%} (1 - 1/e), within {a / n:.1%}: draw n times with replacement."]
    return []


BUCKETS = 10


def bucket_tolerance(n: int) -> float:
    """The t with BUCKETS * 2 exp(-2 n t^2) = FALSE_FAILURE: every bucket's share of the n
    draws is within t of its share of range(n), except with that probability (Hoeffding per
    bucket, a union bound over the buckets)."""
    return math.sqrt(math.log(2 * BUCKETS / FALSE_FAILURE) / (2 * n))


def uniform(outputs, plan) -> list[str]:
    """The draws fall into tenths of range(n) in proportion to their sizes."""
    n = sample_size(plan)
    problems = form(outputs, "indices", n) or outside("indices", outputs["indices"], n)
    if problems:
        return problems
    buckets = np.arange(n) * BUCKETS // n
    expected = np.bincount(buckets, minlength=BUCKETS) / n
    shares = np.bincount(outputs["indices"] * BUCKETS // n, minlength=BUCKETS) / n
    worst = int(np.argmax(np.abs(shares - expected)))
    t = bucket_tolerance(n)
    if abs(shares[worst] - expected[worst]) >= t:  # false failure <= FALSE_FAILURE (Hoeffding, union bound)
        low, high = worst * n // BUCKETS, (worst + 1) * n // BUCKETS
        return [f"{shares[worst]:.1%} of the indices fall in [{low}, {high}), expected {expected[worst]:.1%} (within {t:.1%}): "
                "every index of range(n) must be equally likely."]
    return []


def reproducible_plan(rng):
    seed = int(rng.integers(2**31))
    calls = [Call("bootstrap_indices", 500, generator(s)) for s in (seed, seed, seed + 1)]
    return Plan(calls, {"indices": calls[0].out, "same seed": calls[1].out, "another seed": calls[2].out})


def reproducible(outputs, plan) -> list[str]:
    problems = [problem for name in ("indices", "same seed", "another seed") for problem in form(outputs, name, 500)]
    if problems:
        return problems
    if not np.array_equal(outputs["indices"], outputs["same seed"]):
        return ["Two generators with the same seed gave different indices: draw them from rng "
                "(rng.integers), not from np.random's global state."]
    # a correct sampler repeats its 500 draws under another seed with probability 500^-500
    if np.array_equal(outputs["indices"], outputs["another seed"]):
        return ["Generators with different seeds gave the same indices: draw them from the rng argument."]
    return []


def without_replacement(outputs, plan) -> bool:
    """Every index distinct: a permutation. A correct sample of n >= 20,000 is one with
    probability n! / n^n < e^-n, so this names a mistake and nothing else."""
    return distinct_count(outputs) == sample_size(plan) > 1


# -- 12.2 average_predictions, 12.3 majority_vote ------------------------------------------------

def probabilities(rng, m, n, c):
    """M models' class probabilities for N examples: rows of a softmax, each summing to 1."""
    z = np.exp(normal(rng, m, n, c, scale=2.0))
    return z / z.sum(axis=-1, keepdims=True)


def average_plan(shape):
    def build(rng):
        call = Call("average_predictions", probabilities(rng, *shape(rng)))
        return Plan([call], {"out": call.out})
    return build


def tied_votes(rng, m, n, c):
    """(M, N) votes in [0, C) with M even: every other column a two-way tie between two random
    labels (each with M/2 votes), the rest random; labels listed in random order."""
    labels = rng.integers(0, c, size=(m, n))
    for i in range(0, n, 2):
        pair = rng.choice(c, size=2, replace=False)
        labels[:, i] = rng.permutation(np.repeat(pair, m // 2))
    return labels


def vote_plan(draw, shape):
    def build(rng):
        m, n, c = shape(rng)
        call = Call("majority_vote", draw(rng, m, n, c), c)
        return Plan([call], {"votes": call.out})
    return build


def random_votes(rng):
    """An even number of models M (ties possible), an odd N (never M), C > 2 classes."""
    return 2 * int(rng.integers(2, 5)), int(rng.choice([5, 7, 9, 11])), int(rng.integers(3, 7))


def one_model(rng, m, n, c):
    """The votes of a single model, (1, N): its labels are the vote."""
    return rng.integers(0, c, size=(1, n))


# -- 12.4 average_parameters, 12.5 ema_update ----------------------------------------------------

SHAPES = {"w1": (3, 4), "b1": (4,), "w2": (4, 2), "b2": (2,)}


def parameters(rng, shapes, order):
    """One model's dict: a normal array per name, inserted in ``order``."""
    return {name: normal(rng, *shapes[name]) for name in order}


def shuffled(rng, names):
    """``names`` in a random order, as a list of str."""
    return [str(name) for name in rng.permutation(list(names))]


def random_shapes(rng):
    """Three to five names, each with its own shape: a value taken for another key has the wrong shape."""
    count = int(rng.integers(3, 6))
    return {f"p{k}": tuple(int(d) for d in rng.integers(1, 5, size=k % 3 + 1)) + (k + 1,) for k in range(count)}


def average_parameters_plan(models, shapes=lambda rng: SHAPES, mixed=True):
    """``models(rng)`` dicts of ``shapes(rng)``, keys in a fresh random order each (``mixed``),
    or all in one order; the first dict's order is never sorted, so sorting keys is no fix."""
    def build(rng):
        sizes, m = shapes(rng), models(rng)
        names = list(sizes)
        orders = [shuffled(rng, names) if mixed else names for _ in range(m)]
        if mixed and m > 1 and len({tuple(order) for order in orders}) == 1:
            orders[-1] = orders[-1][::-1]  # at least two orders among the dicts
        call = Call("average_parameters", [parameters(rng, sizes, order) for order in orders])
        return Plan([call], {"out": call.out})
    return build


def raises_plan(params):
    def build(rng):
        return Plan([Call("average_parameters", params(rng))], {"out": None})
    return build


def different_keys(rng):
    """The second dict has an extra key: a loop over the first dict's keys never sees it."""
    first, second = parameters(rng, SHAPES, ["w1", "b1"]), parameters(rng, SHAPES, ["b1", "w1", "w2"])
    return [first, second]


def different_shapes(rng):
    """'b1' of shape (4,) and (1, 4): numpy would broadcast their sum; the contract forbids it."""
    first, second = parameters(rng, SHAPES, ["w1", "b1"]), parameters(rng, SHAPES, ["w1", "b1"])
    second["b1"] = second["b1"][None, :]
    return [first, second]


def away_from_half(rng):
    """decay in [0.6, 0.999] or [0.05, 0.4]: at least 0.1 from 1/2, where decay and 1 - decay coincide."""
    return float(rng.uniform(0.6, 0.999) if rng.random() < 0.75 else rng.uniform(0.05, 0.4))


def ema_plan(decay):
    def build(rng):
        names = list(SHAPES)
        call = Call("ema_update", parameters(rng, SHAPES, names), parameters(rng, SHAPES, shuffled(rng, names)), decay(rng))
        return Plan([call], {"new": call.out})
    return build


def ema_keeps_inputs(rng):
    names = list(SHAPES)
    call = Call("ema_update", parameters(rng, SHAPES, names), parameters(rng, SHAPES, names), 0.9)
    return Plan([call], {"average after ema_update": call.arg(0), "params after ema_update": call.arg(1), "new": call.out})


# -- 12.6 adaboost_update ----------------------------------------------------------------------

def member(rng, n, mistakes):
    """Labels in {-1, +1} and a member's predictions with exactly ``mistakes`` of them wrong (int64)."""
    y_true = rng.choice([-1, 1], size=n)
    y_pred = y_true.copy()
    y_pred[rng.choice(n, size=mistakes, replace=False)] *= -1
    return y_true, y_pred


def adaboost_plan(n, mistakes, weights):
    """``weights(rng, n)``; ``mistakes(rng, n)`` wrong predictions of ``n(rng)`` examples."""
    def build(rng):
        size = n(rng)
        call = Call("adaboost_update", weights(rng, size), *member(rng, size, mistakes(rng, size)))
        return Plan([call], {"new_weights": call.out[0], "alpha": call.out[1]})
    return build


def uniform_weights(rng, n):
    """AdaBoost's first round: every example weighs 1/n."""
    return np.full(n, 1 / n)


def unnormalized_weights(rng, n):
    """Weights in [0.5, 3]: their sum is far from 1, so err must divide by it."""
    return rng.uniform(0.5, 3.0, size=n)


def clipped_plan(rng):
    """A perfect member (err = 0) and a member wrong everywhere (err = 1): both clipped."""
    n = 8
    calls = [Call("adaboost_update", unnormalized_weights(rng, n), *member(rng, n, mistakes)) for mistakes in (0, n)]
    return Plan(calls, {"new_weights, err = 0": calls[0].out[0], "alpha, err = 0": calls[0].out[1],
                        "new_weights, err = 1": calls[1].out[0], "alpha, err = 1": calls[1].out[1]})


# -- 12.7 distillation_loss ---------------------------------------------------------------------

def distillation_plan(temperature, alpha, n=5, c=4, scale=2.0, offset=0.0):
    """Logits of ``scale``, shifted by +-``offset`` per row; T and alpha are functions of the rng."""
    def build(rng):
        student = normal(rng, n, c, scale=scale) + offset * rng.choice([-1.0, 1.0], size=(n, 1))
        teacher = normal(rng, n, c, scale=scale) + offset * rng.choice([-1.0, 1.0], size=(n, 1))
        call = Call("distillation_loss", student, teacher, rng.integers(0, c, size=n), temperature=temperature(rng), alpha=alpha(rng))
        return Plan([call], {"loss": call.out[0], "dstudent": call.out[1]})
    return build



# -- misconceptions --------------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py).

def argument(plan, position, step=0):
    """Argument ``position`` of call ``step`` of the plan."""
    return plan.calls[step].args[position]


def votes_tied_to_largest(labels, num_classes):
    """majority_vote breaking ties towards the largest label."""
    counts = (labels[:, :, None] == np.arange(num_classes)).sum(axis=0)
    return (num_classes - 1 - np.argmax(counts[:, ::-1], axis=1)).astype(np.int64)


def swapped_decay(e, plan):
    """ema_update with decay and 1 - decay swapped."""
    average, params, decay = plan.calls[0].args
    return {"new": {name: (1 - decay) * average[name] + decay * params[name] for name in average}}


def boosted(plan, normalized=True, sign=-1.0):
    """AdaBoost's new weights with the reference's alpha, unnormalized or with the sign of alpha flipped."""
    w, y_true, y_pred = plan.calls[0].args
    err = float(np.clip(np.sum(w * (y_true != y_pred)) / np.sum(w), 1e-10, 1 - 1e-10))
    new = w * np.exp(sign * 0.5 * np.log((1 - err) / err) * y_true * y_pred)
    return new / new.sum() if normalized else new


def unweighted_error(sample_weights, y_true, y_pred):
    """AdaBoost with err = the plain share of mistakes, the weights ignored."""
    err = float(np.clip(np.mean(y_true != y_pred), 1e-10, 1 - 1e-10))
    alpha = 0.5 * np.log((1 - err) / err)
    new = sample_weights * np.exp(-alpha * y_true * y_pred)
    return new / new.sum(), float(alpha)


def mistaken_distillation(t_squared=True, kl_reversed=False, hard_at_t=False):
    """distillation_loss with the given mistakes (the defaults are right), for ``replace=``."""
    def log_softmax(z):
        shifted = z - z.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))

    def distillation_loss(student_logits, teacher_logits, y, temperature=1.0, alpha=0.5):
        n, rows = len(y), np.arange(len(y))
        factor = temperature**2 if t_squared else 1.0
        log_p, log_q = log_softmax(teacher_logits / temperature), log_softmax(student_logits / temperature)
        p, q = np.exp(log_p), np.exp(log_q)
        if kl_reversed:  # KL(q || p): its gradient in s is q * (log q - log p - KL_i) / T per row
            kl_rows = np.sum(q * (log_q - log_p), axis=1, keepdims=True)
            soft, dsoft = kl_rows.sum() / n, q * (log_q - log_p - kl_rows) / temperature / n
        else:
            soft, dsoft = np.sum(p * (log_p - log_q)) / n, (q - p) / temperature / n
        hard_temperature = temperature if hard_at_t else 1.0
        log_probs = log_softmax(student_logits / hard_temperature)
        dhard = np.exp(log_probs)
        dhard[rows, y] -= 1
        loss = alpha * factor * soft - (1 - alpha) * log_probs[rows, y].mean()
        return float(loss), alpha * factor * dsoft + (1 - alpha) * dhard / hard_temperature / n

    return {"distillation_loss": distillation_loss}


WITHOUT_REPLACEMENT = Hint(
    "sampled without replacement", "Every index of your sample is different: that is a permutation of range(n). "
    "A bootstrap sample draws n times *with* replacement, so about 1/e of the examples are left out and others repeat.",
    test=without_replacement)
SUMMED_PREDICTIONS = Hint(
    "predictions summed", "Your result is M times the right one: the ensemble's prediction is the mean of the "
    "members' probabilities, so that it is again a probability (rows summing to 1).",
    wrong=lambda e, plan: {"out": e["out"] * argument(plan, 0).shape[0]})
TIES_TO_LARGEST = Hint(
    "ties to the largest label", "Your votes break ties towards the largest label; the contract breaks them towards "
    "the smallest, which is what np.argmax of the counts does (it returns the first maximum).",
    replace={"majority_vote": votes_tied_to_largest})
DECAY_SWAPPED = Hint(
    "decay and 1 - decay swapped", "Your average moves by decay towards the new parameters: decay is the weight of the "
    "old average, so decay close to 1 means a slow, smooth average (new = decay * average + (1 - decay) * params).",
    wrong=swapped_decay)
NOT_NORMALIZED = Hint(
    "AdaBoost weights not normalized", "Your new weights are w * exp(-alpha * y_true * y_pred) as they are; divide "
    "them by their sum, so that they are again a distribution over the examples.",
    wrong=lambda e, plan: {"new_weights": boosted(plan, normalized=False)})
ALPHA_SIGN = Hint(
    "sign of alpha flipped", "Your update gives more weight to the examples the member got right; with "
    "exp(-alpha * y_true * y_pred) a mistake (y_true * y_pred = -1) gains weight, so the next member focuses on it.",
    wrong=lambda e, plan: {"new_weights": boosted(plan, sign=1.0)})
UNWEIGHTED_ERROR = Hint(
    "err ignores the weights", "Your result matches err = the plain share of mistakes; AdaBoost's err is the "
    "weighted share, sum(w * (y_true != y_pred)) / sum(w), so that the hard examples count more.",
    replace={"adaboost_update": unweighted_error})
NO_T_SQUARED = Hint(
    "T**2 factor missing", "Your result matches the loss without the T**2 factor on the KL term: the soft "
    "gradient (q - p) / T shrinks like 1/T**2, and T**2 restores its scale (Hinton et al., 2015).",
    replace=mistaken_distillation(t_squared=False))
KL_REVERSED = Hint(
    "KL in the wrong direction", "Your result matches KL(student || teacher); distillation uses KL(teacher || student) "
    "= sum p (log p - log q) with p the teacher's softened probabilities, the cross-entropy to the teacher's targets.",
    replace=mistaken_distillation(kl_reversed=True))
HARD_AT_T = Hint(
    "hard loss at temperature T", "Your cross-entropy with the labels uses the softened student logits s / T; the "
    "hard term is the ordinary cross-entropy at temperature 1, only the soft term is softened.",
    replace=mistaken_distillation(hard_at_t=True))

DISTILLATION = (NO_T_SQUARED, KL_REVERSED, HARD_AT_T)
BOOSTING = (NOT_NORMALIZED, ALPHA_SIGN, UNWEIGHTED_ERROR)
EXACT = Compare(tol=0.0)
# An input left as it was is bit for bit the same; the result must still be well formed.
KEEPS = Compare(tol=0.0, form_only=("new",))
DISTILLED = {"loss": 1, "dstudent": 2}
BOOSTED = {"new_weights": 1, "alpha": 1}
RANDOM_T = lambda rng: float(rng.uniform(1.5, 8.0))  # noqa: E731 - away from T = 1, where T**2 = 1
RANDOM_ALPHA = lambda rng: float(rng.uniform(0.1, 0.9))  # noqa: E731


def random_size(rng):
    """n for the hidden distinct-share case: large enough for a tight McDiarmid bound."""
    return int(rng.integers(20_000, 40_001))


SUITE = Suite("ensembles", (
    Case("bootstrap_indices: n int64 indices in range(n)", 1, bootstrap_plan(CONSTANT(1000)), Property(int64_in_range, side=True), about="shape (n,), dtype int64, 0 <= i < n"),
    Case("bootstrap_indices, random n: int64 indices in range(n)", 1, bootstrap_plan(lambda rng: int(rng.integers(200, 3000))), Property(int64_in_range, side=True), visibility="hidden"),
    Case("bootstrap_indices: about 1 - 1/e of the indices distinct", 2, bootstrap_plan(CONSTANT(20_000)), Property(distinct_share), about="with replacement", hints=(WITHOUT_REPLACEMENT,)),
    Case("bootstrap_indices, random n: about 1 - 1/e of the indices distinct", 1, bootstrap_plan(random_size), Property(distinct_share), visibility="hidden", hints=(WITHOUT_REPLACEMENT,)),
    Case("bootstrap_indices: uniform over range(n)", 1, bootstrap_plan(CONSTANT(20_000)), Property(uniform), about="each tenth of range(n) gets a tenth of the draws"),
    Case("bootstrap_indices: the same seed gives the same indices", 1, reproducible_plan, Property(reproducible, side=True)),
    Case("average_predictions", 1, average_plan(fixed(3, 4, 5)), about="the mean over the models", hints=(SUMMED_PREDICTIONS,)),
    Case("average_predictions, random shapes", 1, average_plan(lambda rng: distinct(rng, 2, 8, 3)), visibility="hidden", hints=(SUMMED_PREDICTIONS,)),
    Case("average_predictions, one model", 1, average_plan(lambda rng: (1, *distinct(rng, 2, 8, 2))), visibility="hidden"),
    Case("majority_vote, ties to the smallest label", 2, vote_plan(tied_votes, fixed(4, 6, 5)), EXACT, hints=(TIES_TO_LARGEST,)),
    Case("majority_vote, random votes with ties", 1, vote_plan(tied_votes, random_votes), EXACT, visibility="hidden", hints=(TIES_TO_LARGEST,)),
    Case("majority_vote, one model", 1, vote_plan(one_model, random_votes), EXACT, visibility="hidden"),
    Case("average_parameters", 1, average_parameters_plan(CONSTANT(3), mixed=False)),
    Case("average_parameters, keys in any order", 2, average_parameters_plan(CONSTANT(3)), about="dicts are matched by name, not position"),
    Case("average_parameters, random names and shapes", 1, average_parameters_plan(lambda rng: int(rng.integers(2, 6)), random_shapes), visibility="hidden"),
    Case("average_parameters, one model", 1, average_parameters_plan(CONSTANT(1), random_shapes), visibility="hidden"),
    Case("average_parameters raises ValueError for an empty list", 1, raises_plan(lambda rng: []), Raises(ValueError)),
    Case("average_parameters raises ValueError when the keys differ", 1, raises_plan(different_keys), Raises(ValueError)),
    Case("average_parameters raises ValueError when the shapes differ", 1, raises_plan(different_shapes), Raises(ValueError)),
    Case("ema_update, decay = 0.9", 1, ema_plan(CONSTANT(0.9)), hints=(DECAY_SWAPPED,)),
    Case("ema_update, random decay", 1, ema_plan(away_from_half), visibility="hidden", hints=(DECAY_SWAPPED,)),
    Case("ema_update leaves average and params unchanged", 1, ema_keeps_inputs, KEEPS),
    *per_output(adaboost_plan(CONSTANT(12), CONSTANT(3), uniform_weights), "adaboost_update", BOOSTED, hints=BOOSTING),
    *per_output(adaboost_plan(CONSTANT(10), CONSTANT(4), unnormalized_weights), "adaboost_update, weights not summing to 1", BOOSTED, hints=BOOSTING),
    *per_output(adaboost_plan(lambda rng: int(rng.integers(5, 30)), lambda rng, n: int(rng.integers(1, n)), unnormalized_weights),
                "adaboost_update, random rounds", BOOSTED, visibility="hidden", hints=BOOSTING),
    Case("adaboost_update, err = 0 and err = 1 clipped", 1, clipped_plan, about="alpha = +-0.5 ln(1e10 - 1), finite"),
    *per_output(distillation_plan(CONSTANT(1.0), CONSTANT(0.5)), "distillation_loss, T = 1", DISTILLED, hints=DISTILLATION),
    *per_output(distillation_plan(CONSTANT(4.0), CONSTANT(0.9)), "distillation_loss, T = 4, alpha = 0.9", DISTILLED, hints=DISTILLATION),
    *per_output(distillation_plan(RANDOM_T, RANDOM_ALPHA, n=7, c=6), "distillation_loss, random T and alpha", DISTILLED, visibility="hidden", hints=DISTILLATION),
    Case("distillation_loss, logits of magnitude 1000", 2, distillation_plan(CONSTANT(2.0), CONSTANT(0.7), n=6, c=5, scale=400.0, offset=1000.0), STABLE, hints=DISTILLATION),
))
