"""The optimizers suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end by ``autograder.grade.grade`` in the sandbox. The wrong
ones are one-mistake edits of solutions/optimizers.py (each replaced text must occur exactly
once, so a change to the reference breaks these tests loudly); each must fail exactly the
cases that see its mistake, on two secret seeds, and keep every other point. A correct
submission written another way (config updated in place, Adam in torch's arrangement,
schedules by loops, norms by np.linalg.norm, log-uniform draws by exp of a natural log)
scores full marks. Each misconception hint fires on exactly its mistake, and on nothing
right or unrecognised.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from autograder import probes, wire
from autograder.grade import reference
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.plan import execute
from autograder.suites import optimizers as suite
from autograder.suites.optimizers import RULES, SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failed, hinted, reference_source, replaced, swap

pytestmark = pytest.mark.optimizers

REFERENCE = reference_source("optimizers")
STUB = (ROOT / "assignments" / "optimizers.py").read_text()
SEEDS = (1, 2)
ALL_CASES = {case.name for case in SUITE.cases}


def runs(*rules: str, weight_decay=(True, False)) -> set:
    """The names of the graded runs of ``rules``: those with weight decay, without, or both; not
    the runs at the lower limits (:func:`limits`), blind to a lost state or bias correction."""
    names = {case.name for case in SUITE.cases if case.name.startswith(tuple(f"{rule}, " for rule in rules)) and "steps" in case.name}
    return {name for name in names if ("weight_decay" in name) in weight_decay} - limits(*rules)


def limits(*rules: str) -> set:
    """The runs of ``rules`` with their fractions at 0 (momentum, alpha, beta1 and beta2 = 0)."""
    return {case.name for case in SUITE.cases if case.name.startswith(tuple(f"{rule}, " for rule in rules)) and case.name.endswith("(the lower limit)")}


def keeps(*rules: str) -> set:
    return {f"{rule} leaves w and dw unchanged" for rule in rules}


STEP_DECAY = {"step_decay", "step_decay with the default gamma", "step_decay, random schedule"}
CLIP_NORM_SCALED = {"clip_by_norm: clipped", "clip_by_norm, random gradients: clipped", "clip_by_norm adds 1e-6 to the total norm"}
LOG_UNIFORM_LAW = {"log_uniform, 20000 draws over 4 decades", "log_uniform, random bounds"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of optimizers.py with that source (its one assignment); cached per module."""
    return Grades("optimizers", tmp_path_factory.mktemp("optimizers"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/optimizers.py passes every case, visible and hidden, whatever the secret seed."""
    assignment = graded(REFERENCE, seed)
    assert failed(assignment) == {}
    assert assignment.score == assignment.max_score == SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages(graded):
    """assignments/optimizers.py scores 0, and every case says the function is not implemented yet."""
    assignment = graded(STUB, SEEDS[0])
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    assert all("not implemented yet" in message for message in failed(assignment).values())


# -- 2. wrong implementations lose exactly the points of what they break --------------------

NO_BIAS_CORRECTION = swap(REFERENCE, "m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)", "m_hat, v_hat = m, v")
T_AFTER = swap(swap(REFERENCE, 't = config.get("t", 0) + 1', 't = config.get("t", 0)'), "config.update(t=t, m=m, v=v)", "config.update(t=t + 1, m=m, v=v)")
OLD_VELOCITY = swap(REFERENCE, '''    v = config["momentum"] * config.get("velocity", 0.0) + g
    config["velocity"] = v
    return w - config["lr"] * (g + config["momentum"] * v), config''', '''    v_old = config.get("velocity", 0.0)
    config["velocity"] = config["momentum"] * v_old + g
    return w - config["lr"] * (g + config["momentum"] * v_old), config''')
NO_WEIGHT_DECAY = swap(REFERENCE, 'return dw + config["weight_decay"] * w', "return dw")
EPS_INSIDE = swap(REFERENCE, '''config["sum_squares"] = s
    return w - config["lr"] * g / (np.sqrt(s) + config["eps"]), config''', '''config["sum_squares"] = s
    return w - config["lr"] * g / np.sqrt(s + config["eps"]), config''')
RESTARTS = swap(REFERENCE, '''+ _gradient(w, dw, config)
    config["velocity"] = v
''', "+ _gradient(w, dw, config)\n")
CLIP_SEPARATELY = replaced('''
def clip_by_norm(grads, max_norm):
    norms = [float(np.sqrt(np.sum(g**2))) for g in grads]
    clipped = [g * min(1.0, max_norm / (norm + 1e-6)) for g, norm in zip(grads, norms)]
    return clipped, float(np.sqrt(sum(norm**2 for norm in norms)))
''', REFERENCE)
NO_FLOOR = swap(REFERENCE, "gamma ** (t // step_size)", "gamma ** (t / step_size)")

MUTATIONS = [
    pytest.param(NO_BIAS_CORRECTION, runs("adam"), "w after 1 step", id="adam-without-bias-correction"),
    # t = 0 at the first bias correction: 1 - beta**0 = 0, and every Adam step is NaN
    pytest.param(T_AFTER, runs("adam") | limits("adam") | keeps("adam"), "non-finite", id="adam-t-incremented-after-the-correction"),
    pytest.param(OLD_VELOCITY, runs("nesterov_momentum"), "w after 1 step", id="nesterov-with-the-old-velocity"),
    pytest.param(NO_WEIGHT_DECAY, runs(*RULES, weight_decay=(True,)), "w after 1 step", id="weight-decay-forgotten"),
    pytest.param(EPS_INSIDE, runs("adagrad"), "w after 1 step", id="adagrad-eps-inside-the-square-root"),
    # the first step of a restarted momentum is right; the third is not
    pytest.param(RESTARTS, runs("sgd_momentum"), "w after 3 steps", id="momentum-state-not-stored"),
    pytest.param(CLIP_SEPARATELY, CLIP_NORM_SCALED, "clipped[", id="clipping-each-array-by-its-own-norm"),
    pytest.param(NO_FLOOR, STEP_DECAY, "lr at t = ", id="step-decay-without-the-floor"),
    pytest.param(swap(REFERENCE, 'return w - config["lr"] * _gradient(w, dw, config), config', 'w -= config["lr"] * _gradient(w, dw, config)\n    return w, config'),
                 keeps("sgd"), "the w passed to the first call is wrong", id="sgd-writes-into-w"),
    pytest.param(swap(REFERENCE, 'return dw + config["weight_decay"] * w', 'dw += config["weight_decay"] * w\n    return dw'),
                 keeps(*RULES), "the dw passed to a call with weight_decay is wrong", id="weight-decay-added-into-dw"),
    pytest.param(swap(REFERENCE, "if key in FRACTIONS and not 0 <= config[key] < 1", "if key in FRACTIONS and not 0 <= config[key] <= 1"),
                 {f"{rule} raises ValueError for {key} = 1" for rule, key in [("sgd_momentum", "momentum"), ("nesterov_momentum", "momentum"), ("rmsprop", "alpha"), ("adam", "beta2")]},
                 "; expected ValueError: ", id="fractions-up-to-1-accepted"),
    pytest.param(swap(REFERENCE, "np.linalg.solve(hessian, grad)", "np.linalg.pinv(hessian) @ grad"),
                 {"newton_step raises LinAlgError for a singular Hessian"}, "; expected LinAlgError.", id="newton-with-the-pseudo-inverse"),
    # the worker sends the exception's class names: a ValueError is not a numpy.linalg.LinAlgError
    pytest.param(swap(REFERENCE, "    return w - np.linalg.solve(hessian, grad)", "    if np.linalg.matrix_rank(hessian) < len(w):\n        raise ValueError('singular Hessian')\n    return w - np.linalg.solve(hessian, grad)"),
                 {"newton_step raises LinAlgError for a singular Hessian"}, "raised ValueError: singular Hessian; expected LinAlgError.", id="newton-raises-value-error"),
    pytest.param(swap(REFERENCE, "return w - np.linalg.solve(hessian, grad)", "return w + np.linalg.solve(hessian, grad)"),
                 {"newton_step lands on the minimum of a quadratic", "newton_step reaches a saddle point", "newton_step, random quadratics"}, "next_w", id="newton-sign-flipped"),
    pytest.param(swap(REFERENCE, "return [np.clip(g, -clip_value, clip_value) for g in grads]", "return [np.clip(g, -clip_value, clip_value, out=g) for g in grads]"),
                 {"clip_by_value leaves grads unchanged"}, "grads after clip_by_value", id="clip-by-value-in-place"),
    pytest.param(swap(REFERENCE, "return [g * scale for g in grads], total_norm", "return [g * scale for g in grads], total_norm**2"),
                 {"clip_by_norm: total_norm", "clip_by_norm, random gradients: total_norm"}, "total_norm is", id="total-norm-squared"),
    pytest.param(swap(REFERENCE, "10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)", "rng.uniform(low, high, size=size)"),
                 LOG_UNIFORM_LAW, "expected 25%", id="log-uniform-uniform-in-x"),
    pytest.param(swap(REFERENCE, "10.0 ** rng.uniform(", "10.0 ** np.random.uniform("),
                 {"log_uniform draws from rng"}, "same seed", id="log-uniform-from-np-random"),
    pytest.param(swap(REFERENCE, "return float(np.sqrt(np.sum(update**2)) / w_norm)", "return float(w_norm / np.sqrt(np.sum(update**2)))"),
                 {"update_ratio", "update_ratio of a 4-D weight"}, "ratio is", id="update-ratio-upside-down"),
    pytest.param(swap(REFERENCE, '    if t < 0:\n        raise ValueError(f"t must be >= 0, got {t}")\n', "    pass\n"),
                 {f"{name} raises ValueError for t = -1" for name in ("step_decay", "exponential_decay", "inverse_time_decay", "inverse_sqrt_decay")},
                 "; expected ValueError.", id="schedules-accept-negative-t"),
]


@pytest.mark.parametrize("source, expected, message", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, message):
    """A one-mistake submission loses exactly the cases that see its mistake, with a message naming what differs."""
    messages = assert_fails_exactly(graded, source, expected, SEEDS)
    for name in expected:
        assert message in messages[name], name


def test_the_error_grows_along_a_run_with_lost_state(graded):
    """A momentum that restarts every step passes the 1-step chain and fails the longer ones, by more each time."""
    solution = reference("optimizers")
    plan = suite_case("sgd_momentum, 10 steps from config=None").build(np.random.default_rng(0))
    expected, _ = execute(wire.copied(plan), solution, probes)
    student, _ = execute(wire.copied(plan), load_source(RESTARTS), probes)
    errors = [np.max(np.abs(student[name] - expected[name])) for name in ("w after 1 step", "w after 3 steps", "w after 10 steps")]
    assert errors[0] == 0 and 0 < errors[1] < errors[2]


def suite_case(name: str):
    (case,) = [case for case in SUITE.cases if case.name == name]
    return case


def load_source(source: str) -> types.ModuleType:
    """A module made from source text (the mutations above, our own numpy code), for execute()."""
    module = types.ModuleType("optimizers")
    exec(compile(source, "optimizers.py", "exec"), module.__dict__)  # noqa: S102
    return module


# -- 3. a correct alternative -----------------------------------------------------------------

ALTERNATIVE = '''
import math
import numpy as np


def _check(config, nonnegative=(), fractions=()):
    for key in nonnegative:
        if config[key] < 0:
            raise ValueError(f"negative {key}")
    for key in fractions:
        if config[key] < 0 or config[key] >= 1:
            raise ValueError(f"{key} not in [0, 1)")


def _prepare(w, dw, config, defaults, fractions=()):
    """CS231n style: the defaults go into the caller's dict, which is updated in place."""
    if config is None:
        config = {}
    for key, value in defaults.items():
        config.setdefault(key, value)
    config.setdefault("weight_decay", 0.0)
    _check(config, [k for k in ("lr", "eps", "weight_decay") if k in config], fractions)
    g = dw.copy()
    if config["weight_decay"]:
        g += config["weight_decay"] * w
    return config, g


def sgd(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-3})
    return w - config["lr"] * g, config


def sgd_momentum(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-3, "momentum": 0.9}, ("momentum",))
    buf = config.get("momentum_buffer")
    buf = g.copy() if buf is None else buf * config["momentum"] + g
    config["momentum_buffer"] = buf
    return w - config["lr"] * buf, config


def nesterov_momentum(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-3, "momentum": 0.9}, ("momentum",))
    buf = config.get("momentum_buffer")
    buf = g.copy() if buf is None else buf * config["momentum"] + g
    config["momentum_buffer"] = buf
    return w - config["lr"] * (g + config["momentum"] * buf), config


def adagrad(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-2, "eps": 1e-10})
    config["cache"] = config.get("cache", np.zeros_like(w)) + g * g
    return w - config["lr"] * g / (np.sqrt(config["cache"]) + config["eps"]), config


def rmsprop(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}, ("alpha",))
    cache = config.get("cache", np.zeros_like(w))
    config["cache"] = config["alpha"] * cache + (1 - config["alpha"]) * g * g
    return w - config["lr"] * g / (np.sqrt(config["cache"]) + config["eps"]), config


def adam(w, dw, config=None):
    config, g = _prepare(w, dw, config, {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, ("beta1", "beta2"))
    config["step"] = config.get("step", 0) + 1
    config["exp_avg"] = config.get("exp_avg", np.zeros_like(w)) * config["beta1"] + (1 - config["beta1"]) * g
    config["exp_avg_sq"] = config.get("exp_avg_sq", np.zeros_like(w)) * config["beta2"] + (1 - config["beta2"]) * g * g
    bias1 = 1 - config["beta1"] ** config["step"]
    bias2 = 1 - config["beta2"] ** config["step"]
    denom = np.sqrt(config["exp_avg_sq"]) / math.sqrt(bias2) + config["eps"]
    return w - (config["lr"] / bias1) * config["exp_avg"] / denom, config


def newton_step(w, grad, hessian):
    return w + np.linalg.solve(hessian, -grad)


def _steps(t):
    if t < 0:
        raise ValueError("negative step")


def step_decay(lr0, t, step_size, gamma=0.1):
    _steps(t)
    if step_size < 1:
        raise ValueError("step_size < 1")
    lr = lr0
    for _ in range(int(t) // int(step_size)):
        lr *= gamma
    return lr


def exponential_decay(lr0, t, gamma):
    _steps(t)
    return lr0 * math.pow(gamma, t)


def inverse_time_decay(lr0, t, k):
    _steps(t)
    return lr0 / (1.0 + k * t)


def inverse_sqrt_decay(lr0, t, k):
    _steps(t)
    return lr0 * (1.0 + k * t) ** -0.5


def clip_by_value(grads, clip_value):
    return [np.minimum(np.maximum(g, -clip_value), clip_value) for g in grads]


def clip_by_norm(grads, max_norm):
    total = np.linalg.norm([np.linalg.norm(g.ravel()) for g in grads])
    coef = max_norm / (total + 1e-6)
    return ([g * coef for g in grads] if coef < 1 else [g.copy() for g in grads]), float(total)


def log_uniform(low, high, size, rng):
    if low <= 0 or high <= low:
        raise ValueError("need 0 < low < high")
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def update_ratio(w, update):
    norm = np.linalg.norm(w.ravel())
    if norm == 0:
        raise ValueError("zero weights")
    return np.linalg.norm(update.ravel()) / norm
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """Config updated in place, torch's Adam arrangement, loops, np.linalg.norm, natural logs: full marks."""
    assignment = graded(ALTERNATIVE, seed)
    assert failed(assignment) == {}
    assert assignment.score == SUITE.max_score


# -- 4. hidden inputs and the inputs that catch mistakes ------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_rule_is_graded_over_ten_threaded_steps_with_and_without_weight_decay():
    """Each rule has runs of >= 10 steps threading config, from None and from set keys, with and without weight decay."""
    for rule in RULES:
        starts = set()
        for case in SUITE.cases:
            if case.name in runs(rule):
                plan = case.build(case.rng(SEEDS[0]))
                longest = max(int(name.split()[2]) for name in plan.outputs)
                assert longest >= 10, case.name
                first = plan.calls[0].args[2]
                starts.add(("None" if first is None else "keys") + ("+wd" if first and "weight_decay" in first else ""))
                for call in plan.calls[1:]:  # each call starts a chain or takes the previous call's config
                    config = call.args[2]
                    assert config is first or (config.kind, config.index, config.path) == ("out", call.step - 1, (1,)), case.name
        assert {"None", "keys", "keys+wd"} <= starts, rule


def test_log_uniform_bounds_are_the_stated_figures():
    """The bounds are those stated in the suite (<= 1e-6 per grading); the reference passes them on 300 seeds,
    and draws uniform in x (not in log x) fail them on every one of those seeds."""
    assert suite.FALSE_FAILURE <= 1e-6
    assert round(suite.quarter_bound(suite.DRAWS), 4) == 0.0213 and round(suite.ks_bound(suite.DRAWS), 4) == 0.0205
    solution = reference("optimizers")
    for seed in range(300):
        rng = np.random.default_rng(seed)
        low, high = (1e-5, 1e-1) if seed % 2 else suite.random_bounds(rng)
        assert suite.log_uniform_problems(solution.log_uniform(low, high, suite.DRAWS, rng), low, high) == [], seed
        problems = suite.log_uniform_problems(rng.uniform(low, high, suite.DRAWS), low, high)
        assert problems and "expected 25%" in problems[0], seed


# -- 5. misconception hints ---------------------------------------------------------------------

def with_rmsprop_eps_inside(source):
    return swap(source, '''config["square_avg"] = s
    return w - config["lr"] * g / (np.sqrt(s) + config["eps"]), config''', '''config["square_avg"] = s
    return w - config["lr"] * g / np.sqrt(s + config["eps"]), config''')


HINTED = [
    pytest.param(suite.BIAS_HINT["adam"], NO_BIAS_CORRECTION, runs("adam"), id="adam-without-bias-correction"),
    pytest.param(suite.OLD_VELOCITY_HINT["nesterov_momentum"], OLD_VELOCITY, runs("nesterov_momentum"), id="nesterov-old-velocity"),
    pytest.param(suite.WEIGHT_DECAY_HINT["sgd"], NO_WEIGHT_DECAY, runs(*RULES, weight_decay=(True,)), id="weight-decay-forgotten"),
    pytest.param(suite.EPS_HINT["adagrad"], EPS_INSIDE, runs("adagrad"), id="eps-inside-adagrad"),
    pytest.param(suite.EPS_HINT["rmsprop"], with_rmsprop_eps_inside(REFERENCE), runs("rmsprop") | limits("rmsprop"), id="eps-inside-rmsprop"),
    pytest.param(suite.RESTART_HINT["sgd_momentum"], RESTARTS, runs("sgd_momentum"), id="momentum-restarts"),
    pytest.param(suite.CLIP_SEPARATELY, CLIP_SEPARATELY, CLIP_NORM_SCALED - {"clip_by_norm adds 1e-6 to the total norm"}, id="clip-separately"),
    pytest.param(suite.NO_FLOOR, NO_FLOOR, STEP_DECAY, id="step-decay-without-floor"),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, source, carrying", HINTED)
def test_each_misconception_fires_on_its_mistake(graded, hint, source, carrying):
    """A submission with exactly this mistake gets this hint, with its text, on the cases that see it, and no other."""
    assignment = graded(source, SEEDS[0])
    assert hinted(assignment) == {name: hint.name for name in carrying}
    for case in assignment.cases:
        if case.name in carrying:
            assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the optimizers suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in HINTED}


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(STUB, id="stubs"),
    pytest.param(ALTERNATIVE, id="alternative"),
    pytest.param(T_AFTER, id="adam t after the correction (NaN)"),
    pytest.param(swap(REFERENCE, "v = config[\"momentum\"] * config.get(\"velocity\", 0.0) + _gradient(w, dw, config)",
                      "v = config[\"momentum\"] * config.get(\"velocity\", 0.0) + (1 - config[\"momentum\"]) * _gradient(w, dw, config)"),
                 id="momentum with dampening"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source, SEEDS[0])) == {}


@pytest.mark.hints
def test_a_variant_equal_to_the_truth_is_never_offered():
    """Without weight decay, forgetting it changes nothing; at multiples of step_size the floor changes nothing: no hint."""
    solution = reference("optimizers")
    no_decay = suite.run_plan("sgd", lambda rng: {"lr": 0.1}, lambda rng: (3, 4), lambda rng: 10)(np.random.default_rng(0))
    multiples = suite.schedule_plan("step_decay", lambda rng: (0.5, 3, 0.5), lambda rng: [0, 3, 6, 9])(np.random.default_rng(0))
    for plan, hint in ((no_decay, suite.WEIGHT_DECAY_HINT["sgd"]), (multiples, suite.NO_FLOOR)):
        expected, _ = execute(wire.copied(plan), solution, probes)
        assert diagnose((hint,), expected, expected, plan, solution, Compare()) is None
    decayed = suite.run_plan("sgd", lambda rng: {"lr": 0.1, "weight_decay": 0.5}, lambda rng: (3, 4), lambda rng: 10)(np.random.default_rng(0))
    expected, _ = execute(wire.copied(decayed), solution, probes)
    wrong, _ = execute(wire.copied(decayed), load_source(NO_WEIGHT_DECAY), probes)
    assert diagnose((suite.WEIGHT_DECAY_HINT["sgd"],), wrong, expected, decayed, solution, Compare()) == suite.WEIGHT_DECAY_HINT["sgd"]
