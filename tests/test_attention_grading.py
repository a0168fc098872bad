"""The attention suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/attention.py (each replaced text must
occur exactly once, so a change to the reference breaks these tests loudly); each must fail
exactly the cases that see its bug and pass the rest, on two secret seeds. A correct
submission written with loops and a log-sum-exp softmax scores full marks. The hints test
checks that each declared misconception fires on exactly its mistake and on nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.plan import Call, Plan
from autograder.suites import attention as suite
from submissions import Grades, ROOT, assert_fails_exactly, failing, hinted, message, mutated, reference_source

pytestmark = pytest.mark.attention

REFERENCE = reference_source("attention")
SUITE = suite.SUITE
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}
RAISES = "multi_head_attention_forward, num_heads not dividing E"


def named(*fragments: str, outputs=None) -> set:
    """Case names starting with any of ``fragments``, restricted to ``outputs`` (": dq") if given."""
    chosen = {name for name in ALL_CASES if name.startswith(fragments)}
    if outputs is not None:
        chosen = {name for name in chosen if ":" not in name or name.rsplit(": ", 1)[1] in outputs}
    return chosen


SOFTMAX_AXES = {"softmax, axis=0", "softmax, a middle axis of a 3-D array"}
LARGE = {
    "softmax, logits of magnitude 1000",
    "scaled_dot_product_attention, scores of magnitude 1000",
    "attention_backward, scores of magnitude 1000",
    "multi_head_attention_forward, scores of magnitude 1000",
}
ATTENTION = named("scaled_dot_product_attention", "attention_backward", "multi_head_attention") - {RAISES}
HEADS = named("multi_head_attention") - {RAISES}
NO_ALLOWED_KEY = named("scaled_dot_product_attention, a query", "attention_backward, a query")
MASKED = named(
    "scaled_dot_product_attention, causal", "scaled_dot_product_attention, mask",
    "attention_backward, causal", "attention_backward, mask",
    "multi_head_attention_forward, causal", "multi_head_attention_forward, random",
    "multi_head_attention_backward, causal", "multi_head_attention_backward, random",
) | NO_ALLOWED_KEY
# the cases whose Tq != Tk (every attention_backward case but the causal one)
RECTANGULAR_BACKWARD = named("attention_backward") - named("attention_backward, causal")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(source, seed) -> SubmissionResult of attention.py with that source; cached per module."""
    return Grades("attention", tmp_path_factory.mktemp("attention"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/attention.py passes every case, visible and hidden, whatever the secret seed, with no hint."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/attention.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["attention"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name
        assert case.hint == "", case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

SCALED_BY_D = [
    ("/ np.sqrt(q.shape[-1])", "/ q.shape[-1]"),
    ("scale = np.sqrt(q.shape[-1])", "scale = q.shape[-1]"),
]
NOT_SCALED = [
    ("scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])", "scores = q @ np.swapaxes(k, -1, -2)"),
    ("scale = np.sqrt(q.shape[-1])", "scale = 1.0"),
]
SOFTMAX_OVER_QUERIES = [
    ("        weights = softmax(scores)\n    else:", "        weights = softmax(scores, axis=-2)\n    else:"),
    ("scores, -np.inf)) * any_allowed", "scores, -np.inf), axis=-2) * any_allowed"),
    ("np.sum(weights * dweights, axis=-1, keepdims=True)", "np.sum(weights * dweights, axis=-2, keepdims=True)"),
]
MASK_AFTER_SOFTMAX = [(
    "weights = softmax(np.where(allowed | ~any_allowed, scores, -np.inf)) * any_allowed",
    "weights = softmax(scores) * allowed",
)]
BACKWARD_UNSCALED = [("scale = np.sqrt(q.shape[-1])", "scale = 1.0")]
NAN_ROWS = [("np.where(allowed | ~any_allowed, scores", "np.where(allowed, scores")]
HEADS_INTERLEAVED = [
    ("return x.reshape(n, t, num_heads, e // num_heads).transpose(0, 2, 1, 3)", "return x.reshape(n, num_heads, t, e // num_heads)"),
    ("return x.transpose(0, 2, 1, 3).reshape(n, t, h * dh)", "return x.reshape(n, t, h * dh)"),
]
DV_NOT_TRANSPOSED = [("dv = np.swapaxes(weights, -1, -2) @ dout", "dv = weights @ dout")]
UNSTABLE_SOFTMAX = [("e = np.exp(x - x.max(axis=axis, keepdims=True))", "e = np.exp(x)")]
SOFTMAX_LAST_AXIS = [(
    "e = np.exp(x - x.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)",
    "e = np.exp(x - x.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
)]
# softmax's backward without its subtracted term: a mistake no hint describes
DSCORES_WITHOUT_SUM = [(
    "dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))",
    "dscores = weights * dweights",
)]

MUTATIONS = [
    pytest.param(SCALED_BY_D, ATTENTION, id="scores-divided-by-d"),
    pytest.param(NOT_SCALED, ATTENTION, id="scores-not-scaled"),
    pytest.param(SOFTMAX_OVER_QUERIES, ATTENTION, id="softmax-over-the-queries"),
    pytest.param(MASK_AFTER_SOFTMAX, MASKED, id="mask-after-softmax"),
    # dv and the parts of dx and dw_* that come through V only are right
    pytest.param(
        BACKWARD_UNSCALED,
        named("attention_backward", outputs=("dq", "dk")) | named("multi_head_attention_backward", outputs=("dx", "dw_q", "dw_k")),
        id="backward-without-1/sqrt(d)",
    ),
    pytest.param(NAN_ROWS, NO_ALLOWED_KEY, id="query-without-keys-gives-NaN"),
    pytest.param(HEADS_INTERLEAVED, HEADS, id="heads-split-without-transpose"),
    # weights @ dout raises when Tq != Tk, and a plan that raises judges none of its outputs:
    # there all of dq, dk, dv go; with Tq == Tk only dv and, in multi-head, dx and dw_v
    pytest.param(
        DV_NOT_TRANSPOSED,
        RECTANGULAR_BACKWARD | {"attention_backward, causal mask: dv"} | named("multi_head_attention_backward", outputs=("dx", "dw_v")),
        id="dv-without-transpose",
    ),
    pytest.param(UNSTABLE_SOFTMAX, LARGE, id="softmax-without-max-shift"),
    pytest.param(SOFTMAX_LAST_AXIS, SOFTMAX_AXES, id="softmax-ignores-axis"),
    pytest.param(DSCORES_WITHOUT_SUM, named("attention_backward", outputs=("dq", "dk")) | named("multi_head_attention_backward", outputs=("dx", "dw_q", "dw_k")), id="softmax-backward-without-sum"),
]


@pytest.mark.parametrize("replacements, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, replacements, expected):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


def test_nan_for_a_query_without_keys_is_reported_as_non_finite(graded):
    """-inf for every key of a query gives NaN, which the message names, with where it is."""
    result = graded(mutated(REFERENCE, *NAN_ROWS))
    text = message(result, "scaled_dot_product_attention, a query with no allowed key")
    assert text.startswith("out has 12 non-finite entries (NaN at index (0, ")
    assert "0/0" in text


def test_scaled_by_d_message_shows_the_relative_error(graded):
    """Scores divided by d are reported as wrong values with the largest relative error and its index."""
    text = message(graded(mutated(REFERENCE, *SCALED_BY_D)), "scaled_dot_product_attention")
    assert text.startswith("out is wrong in 36 of 36 entries: largest relative error ")


def test_dv_without_transpose_reports_the_students_traceback(graded):
    """weights @ dout with Tq != Tk raises in the student's line, which the message shows."""
    text = message(graded(mutated(REFERENCE, *DV_NOT_TRANSPOSED)), "attention_backward: dv")
    assert text.startswith("attention_backward raised ValueError.")
    assert "dv = weights @ dout" in text


def test_unstable_softmax_fails_on_nan_not_just_the_warning(graded):
    """exp without the max shift gives NaN at scores of 1e3, and the message says to look for an overflow."""
    text = message(graded(mutated(REFERENCE, *UNSTABLE_SOFTMAX)), "scaled_dot_product_attention, scores of magnitude 1000")
    assert "non-finite entries" in text and "overflow" in text


def test_values_right_but_warning_loses_the_no_allowed_key_case(graded):
    """Zeros for a query without keys obtained through 0/0 (then replaced) still fail on numpy's warning."""
    source = mutated(REFERENCE, (
        "weights = softmax(np.where(allowed | ~any_allowed, scores, -np.inf)) * any_allowed",
        "weights = np.nan_to_num(softmax(np.where(allowed, scores, -np.inf)))",
    ))
    result = graded(source)
    assert failing(result) == NO_ALLOWED_KEY
    text = message(result, "scaled_dot_product_attention, a query with no allowed key")
    assert text.startswith("The values are right, but numpy warned: RuntimeWarning: invalid value encountered in subtract")


# -- 3. a correct alternative scores full marks ---------------------------------------------

LOOPS = '''
"""Correct, written differently: loops over batch entries and heads, a log-sum-exp softmax, dict caches."""
import numpy as np


def softmax(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    top = x.max(axis=-1, keepdims=True)
    log_total = top + np.log(np.exp(x - top).sum(axis=-1, keepdims=True))
    return np.moveaxis(np.exp(x - log_total), -1, axis)


def _one(q, k, v, allowed):
    """Attention of one (Tq, d) block, query by query."""
    weights = np.zeros((q.shape[0], k.shape[0]))
    for i in range(q.shape[0]):
        keys = np.flatnonzero(allowed[i])
        if keys.size:
            weights[i, keys] = softmax(k[keys] @ q[i] / np.sqrt(q.shape[1]))
    return weights @ v, weights


def scaled_dot_product_attention(q, k, v, mask=None):
    batch = q.shape[:-2]
    allowed = np.broadcast_to(True if mask is None else mask, batch + (q.shape[-2], k.shape[-2]))
    out = np.zeros(batch + (q.shape[-2], v.shape[-1]))
    weights = np.zeros(allowed.shape)
    for index in np.ndindex(batch):
        out[index], weights[index] = _one(q[index], k[index], v[index], allowed[index])
    return out, {"q": q, "k": k, "v": v, "weights": weights}


def attention_backward(dout, cache):
    q, k, v, weights = cache["q"], cache["k"], cache["v"], cache["weights"]
    dq, dk, dv = np.zeros(q.shape), np.zeros(k.shape), np.zeros(v.shape)
    for index in np.ndindex(q.shape[:-2]):
        p, g = weights[index], dout[index]
        dv[index] = np.einsum("qk,qv->kv", p, g)
        dp = np.einsum("qv,kv->qk", g, v[index])
        ds = p * dp - p * np.einsum("qk,qk->q", p, dp)[:, None]
        dq[index] = np.einsum("qk,kd->qd", ds, k[index]) / np.sqrt(q.shape[-1])
        dk[index] = np.einsum("qk,qd->kd", ds, q[index]) / np.sqrt(q.shape[-1])
    return dq, dk, dv


def multi_head_attention_forward(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    n, t, e = x.shape
    if num_heads <= 0 or e % num_heads != 0:
        raise ValueError("num_heads must divide E")
    dh = e // num_heads
    Q, K, V = x @ w_q, x @ w_k, x @ w_v
    mask = np.broadcast_to(True if mask is None else mask, (n, num_heads, t, t))
    concat = np.zeros((n, t, e))
    caches = {}
    for i in range(n):
        for h in range(num_heads):
            cols = slice(h * dh, (h + 1) * dh)
            concat[i, :, cols], caches[i, h] = scaled_dot_product_attention(Q[i, :, cols], K[i, :, cols], V[i, :, cols], mask[i, h])
    return concat @ w_o, {"x": x, "w": (w_q, w_k, w_v, w_o), "heads": num_heads, "caches": caches, "concat": concat}


def multi_head_attention_backward(dout, cache):
    x, (w_q, w_k, w_v, w_o) = cache["x"], cache["w"]
    n, t, e = x.shape
    dh = e // cache["heads"]
    dconcat = dout @ w_o.T
    dQ, dK, dV = np.zeros(x.shape), np.zeros(x.shape), np.zeros(x.shape)
    for (i, h), head_cache in cache["caches"].items():
        cols = slice(h * dh, (h + 1) * dh)
        dQ[i, :, cols], dK[i, :, cols], dV[i, :, cols] = attention_backward(dconcat[i, :, cols], head_cache)
    dw_o = np.einsum("nte,ntf->ef", cache["concat"], dout)
    dws = [np.einsum("nte,ntf->ef", x, d) for d in (dQ, dK, dV)]
    return (dQ @ w_q.T + dK @ w_k.T + dV @ w_v.T, *dws, dw_o)
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """Loops over batch entries and heads, and a log-sum-exp softmax, pass every case without a hint."""
    result = graded(LOOPS, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


# -- 4. hidden inputs -----------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_hidden_shapes_vary_across_seeds():
    """The hidden cases draw their shapes too, not only their values: over ten seeds several shapes occur."""
    case = next(case for case in SUITE.cases if case.name == "scaled_dot_product_attention, two batch dimensions")
    shapes = {case.build(case.rng(seed)).calls[0].args[0].shape for seed in range(10)}
    assert len(shapes) >= 5


# -- 5. misconception hints -----------------------------------------------------------------

MISTAKES = [
    pytest.param(suite.SCALED_BY_D, SCALED_BY_D, ATTENTION, id="scaled-by-d"),
    pytest.param(suite.NOT_SCALED, NOT_SCALED, ATTENTION, id="not-scaled"),
    pytest.param(suite.SOFTMAX_OVER_QUERIES, SOFTMAX_OVER_QUERIES, ATTENTION - MASKED, id="softmax-over-queries"),
    pytest.param(suite.MASK_AFTER_SOFTMAX, MASK_AFTER_SOFTMAX, MASKED, id="mask-after-softmax"),
    pytest.param(suite.BACKWARD_UNSCALED, BACKWARD_UNSCALED, None, id="backward-unscaled"),
    pytest.param(suite.DV_NOT_TRANSPOSED, DV_NOT_TRANSPOSED, {"attention_backward, causal mask: dv"} | named("multi_head_attention_backward", outputs=("dx", "dw_v")), id="dv-not-transposed"),
    pytest.param(suite.HEADS_INTERLEAVED, HEADS_INTERLEAVED, HEADS, id="heads-interleaved"),
    pytest.param(suite.SOFTMAX_AXIS, SOFTMAX_LAST_AXIS, SOFTMAX_AXES, id="softmax-ignores-axis"),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, replacements, expected", MISTAKES)
def test_each_misconception_fires_on_its_mistake(graded, hint, replacements, expected):
    """A submission with exactly this mistake gets this hint, with its text, and no other hint.

    ``expected`` names the cases where the hint must fire (None: every failing case); a case
    whose variant raises or coincides with the answer is left out by construction.
    """
    result = graded(mutated(REFERENCE, *replacements))
    carrying = hinted(result)
    assert set(carrying.values()) == {hint.name}
    assert set(carrying) == (failing(result) if expected is None else expected)
    for case in result.cases:
        if case.name in carrying:
            assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the attention suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in MISTAKES}
    assert len(declared) >= 5


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(LOOPS, id="alternative"),
    pytest.param(mutated(REFERENCE, *DSCORES_WITHOUT_SUM), id="a different mistake"),
    pytest.param(mutated(REFERENCE, *NAN_ROWS), id="NaN for a query without keys"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source)) == {}


@pytest.mark.hints
def test_a_scaling_variant_equal_to_the_truth_is_never_offered():
    """With d = 1, sqrt(d) = d: right values (failed for another reason, a warning) get no scaling hint; with d = 4 a d-scaled answer does."""
    solution = reference("attention")
    for d, offered in ((1, None), (4, suite.SCALED_BY_D)):
        rng = np.random.default_rng(0)
        q, k, v = rng.standard_normal((3, d)), rng.standard_normal((4, d)), rng.standard_normal((4, 2))
        call = Call("scaled_dot_product_attention", q, k, v)
        plan = Plan([call], {"out": call.out[0]})
        expected = {"out": solution.scaled_dot_product_attention(q, k, v)[0]}
        student = {"out": suite.mistaken(scale=float)["scaled_dot_product_attention"](q, k, v)[0]}
        assert diagnose((suite.SCALED_BY_D,), student, expected, plan, solution, Compare(no_warnings=True)) is offered
