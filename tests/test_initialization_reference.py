"""The initialization reference proven against torch.nn.init: fans, scales, statistics, activations.

Fans are compared with torch's own fan computation (our affine weights are (D_in, D_out), the
transpose of torch.nn.Linear's (out, in) weight). Each initializer's scale is recovered exactly
from a draw, for both libraries, by dividing by the standard stream of the same generator: the
reference's standard deviation (or uniform bound) must equal torch's to 1e-12. The empirical
variances of large draws of both must then agree with that common variance. activation_stds is
compared with the same computation in torch, float64. The last tests check the stub's API.
"""

import inspect
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.suites.initialization import mean_square_band

from oracles import assert_stub_raises, load, public_functions

pytestmark = pytest.mark.initialization

ROOT = Path(__file__).parents[1]
SPEC_FUNCTIONS = ["fan_in_fan_out", "xavier_normal", "xavier_uniform", "he_normal", "activation_stds"]
EXACT = dict(rtol=1e-12, atol=0)


ref = load(ROOT / "solutions" / "initialization.py", "reference_initialization")
stub = load(ROOT / "assignments" / "initialization.py", "stub_initialization")


def torch_shape(shape):
    """The shape torch stores the same weight in: Linear's (out, in) for an affine (D_in, D_out)."""
    return tuple(reversed(shape)) if len(shape) == 2 else tuple(shape)


def torch_fans(shape):
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(torch_shape(shape)))


# -- fans --------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(30, 7), (7, 30), (1, 1), (512, 10), (6, 3, 5, 4), (3, 6, 1, 1), (1, 1, 7, 2), (64, 16, 5, 3)])
def test_fans_match_torch(shape):
    """fan_in_fan_out equals torch's fans of the same weight, with affine weights transposed."""
    assert ref.fan_in_fan_out(shape) == torch_fans(shape)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.tuples(*[st.integers(1, 64)] * 2), st.tuples(*[st.integers(1, 12)] * 4)))
def test_fans_match_torch_on_random_shapes(shape):
    """For any affine or conv shape, the fans are torch's and are Python ints."""
    fans = ref.fan_in_fan_out(shape)
    assert fans == torch_fans(shape)
    assert all(type(fan) is int for fan in fans)


def test_fans_accept_numpy_integers_and_lists():
    """A shape of numpy ints, or a list, gives the same Python-int fans."""
    assert ref.fan_in_fan_out(np.array([6, 3, 5, 4])) == (60, 120)
    assert ref.fan_in_fan_out([30, 7]) == (30, 7)


@pytest.mark.parametrize("shape", [(5,), (4, 3, 2), (2, 3, 4, 5, 6), ()])
def test_fans_reject_other_ranks(shape):
    """Shapes neither 2-D nor 4-D raise ValueError (SPEC is silent; torch accepts 3-D and 5-D, we do not guess)."""
    with pytest.raises(ValueError, match=rf"has {len(shape)} dimensions, expected an affine weight \(D_in, D_out\) or a conv weight \(F, C, HH, WW\)"):
        ref.fan_in_fan_out(shape)


# -- scales: exactly torch's -------------------------------------------------------------------

SHAPES = [(300, 100), (100, 300), (64, 16, 5, 3), (8, 32, 3, 3)]


def numpy_scale(draw, shape, kind):
    """The standard deviation (normal) or bound a (uniform) with which ``draw(shape, rng)`` scaled
    the generator's standard stream, W = std * z or W = a * (2u - 1), as the ratios W / z or
    W / (2u - 1) where the divisor exceeds 1/2 in size (near 0 rounding would dominate)."""
    W = draw(shape, np.random.default_rng(7))
    standard = np.random.default_rng(7)
    base = standard.standard_normal(shape) if kind == "normal" else 2 * standard.random(shape) - 1
    return ratios(W, base)


def ratios(W, base):
    away = np.abs(base) > 0.5
    return W[away] / base[away]


def torch_scale(init, shape, kind, **options):
    """The same for a torch.nn.init function on the torch-layout tensor (float64)."""
    tensor = torch.empty(torch_shape(shape), dtype=torch.float64)
    init(tensor, generator=torch.Generator().manual_seed(7), **options)
    standard = torch.Generator().manual_seed(7)
    base = torch.randn(tensor.shape, dtype=torch.float64, generator=standard) if kind == "normal" else 2 * torch.rand(tensor.shape, dtype=torch.float64, generator=standard) - 1
    return ratios(tensor.numpy(), base.numpy())


# (our initializer, its kwargs, torch's initializer, its kwargs, normal or uniform)
TWINS = {
    "xavier_normal average = xavier_normal_": (ref.xavier_normal, {"mode": "average"}, torch.nn.init.xavier_normal_, {}, "normal"),
    "xavier_uniform average = xavier_uniform_": (ref.xavier_uniform, {"mode": "average"}, torch.nn.init.xavier_uniform_, {}, "uniform"),
    "xavier_normal fan_in = kaiming_normal_ linear": (ref.xavier_normal, {}, torch.nn.init.kaiming_normal_, {"mode": "fan_in", "nonlinearity": "linear"}, "normal"),
    "xavier_uniform fan_in = kaiming_uniform_ linear": (ref.xavier_uniform, {}, torch.nn.init.kaiming_uniform_, {"mode": "fan_in", "nonlinearity": "linear"}, "uniform"),
    "he_normal = kaiming_normal_ relu": (ref.he_normal, {}, torch.nn.init.kaiming_normal_, {"mode": "fan_in", "nonlinearity": "relu"}, "normal"),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("twin", TWINS)
def test_scale_equals_torch(twin, shape):
    """Each initializer scales its standard draws by exactly the std (or bound) of its torch.nn.init twin."""
    ours, kwargs, theirs, options, kind = TWINS[twin]
    mine = numpy_scale(lambda s, rng: ours(s, rng, **kwargs), shape, kind)
    torch_ = torch_scale(theirs, shape, kind, **options)
    assert np.ptp(mine) <= 1e-12 * mine.max() and np.ptp(torch_) <= 1e-12 * torch_.max()  # one scale each
    np.testing.assert_allclose(mine.max(), torch_.max(), **EXACT)


@pytest.mark.parametrize("twin", TWINS)
def test_empirical_variances_agree_with_torch(twin):
    """Large draws (10^6 entries) of ours and of torch's twin have mean squares within the
    Chernoff/Hoeffding band of the common variance (each fails with probability <= 1e-9)."""
    ours, kwargs, theirs, options, kind = TWINS[twin]
    shape = (2000, 500)
    W = ours(shape, np.random.default_rng(11), **kwargs)
    tensor = torch.empty(torch_shape(shape), dtype=torch.float64)
    theirs(tensor, generator=torch.Generator().manual_seed(11), **options)
    T = tensor.numpy()
    variance = float(np.max(torch_scale(theirs, shape, kind, **options))) ** 2 / (3 if kind == "uniform" else 1)
    low, high = mean_square_band(kind, W.size, 1e-9)
    for sample in (W, T):
        assert variance * (1 - low) <= np.mean(sample**2) <= variance * (1 + high)
    assert abs(np.mean(W**2) / np.mean(T**2) - 1) <= low + high


@pytest.mark.parametrize("mode", ["fan_in", "average"])
def test_uniform_reaches_its_bound_like_torch(mode):
    """xavier_uniform's entries stay in [-a, a] and come within 1e-4 a of it, as torch's do:
    10^6 uniform draws all stay below (1 - 1e-4) a with probability (1 - 1e-4)^(10^6) = e^-100."""
    shape = (1000, 1000)
    W = ref.xavier_uniform(shape, np.random.default_rng(3), mode=mode)
    fan_in, fan_out = ref.fan_in_fan_out(shape)
    a = math.sqrt(3 / fan_in) if mode == "fan_in" else math.sqrt(6 / (fan_in + fan_out))
    assert (1 - 1e-4) * a <= np.max(np.abs(W)) <= a


# -- the generator -----------------------------------------------------------------------------

@pytest.mark.parametrize("draw", [ref.xavier_normal, ref.xavier_uniform, ref.he_normal])
def test_initializers_draw_only_from_rng(draw):
    """Same seed, same float64 array of the requested shape; another seed, another; np.random untouched."""
    state = np.random.get_state()[1].copy()
    first = draw((6, 3, 5, 4), np.random.default_rng(5))
    assert first.shape == (6, 3, 5, 4) and first.dtype == np.float64
    assert np.array_equal(first, draw((6, 3, 5, 4), np.random.default_rng(5)))
    assert not np.array_equal(first, draw((6, 3, 5, 4), np.random.default_rng(6)))
    assert np.array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("draw", [ref.xavier_normal, ref.xavier_uniform])
def test_xavier_rejects_an_unknown_mode(draw):
    """A mode other than fan_in or average raises ValueError naming it."""
    with pytest.raises(ValueError, match=r"mode is 'fan_out', expected 'fan_in' or 'average'"):
        draw((4, 3), np.random.default_rng(0), mode="fan_out")


# -- activation_stds ----------------------------------------------------------------------------

def torch_stds(x, weights, activation):
    h = torch.tensor(x, dtype=torch.float64)
    stds = []
    for w in weights:
        h = h @ torch.tensor(w, dtype=torch.float64)
        h = torch.relu(h) if activation == "relu" else torch.tanh(h)
        stds.append(torch.std(h, correction=0).item())
    return stds


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("gain", [0.5, 1.0, math.sqrt(2), 3.0])
def test_activation_stds_match_torch(activation, gain):
    """Ten layers of varied widths: the list of population stds equals torch's, float by float."""
    rng = np.random.default_rng(int(gain * 10))
    widths = rng.integers(8, 40, size=11)
    weights = [rng.normal(scale=gain / math.sqrt(d_in), size=(d_in, d_out)) for d_in, d_out in zip(widths, widths[1:])]
    x = rng.normal(size=(16, widths[0]))
    stds = ref.activation_stds(x, weights, activation)
    assert isinstance(stds, list) and len(stds) == 10 and all(type(s) is float for s in stds)
    np.testing.assert_allclose(stds, torch_stds(x, weights, activation), **EXACT)


def test_activation_stds_of_no_layers_is_empty():
    """With no weights there is no layer, so no standard deviation."""
    assert ref.activation_stds(np.ones((3, 2)), [], "tanh") == []


def test_activation_stds_leaves_inputs_unchanged():
    """x and the weights are not modified."""
    rng = np.random.default_rng(1)
    x, weights = rng.normal(size=(4, 3)), [rng.normal(size=(3, 3)) for _ in range(3)]
    copies = [x.copy()] + [w.copy() for w in weights]
    ref.activation_stds(x, weights, "relu")
    assert all(np.array_equal(a, b) for a, b in zip([x, *weights], copies))


@pytest.mark.parametrize("activation", ["sigmoid", "ReLU", "linear", None])
def test_activation_stds_rejects_another_activation(activation):
    """An activation other than 'relu' or 'tanh' raises ValueError naming it, even with no layers."""
    with pytest.raises(ValueError, match=r"expected 'relu' or 'tanh'"):
        ref.activation_stds(np.ones((3, 2)), [], activation)


# -- the stub ------------------------------------------------------------------------------------

def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert public_functions(ref) == SPEC_FUNCTIONS
    assert public_functions(stub) == SPEC_FUNCTIONS
    assert stub.__doc__ == ref.__doc__
    for name in SPEC_FUNCTIONS:
        ref_fn, stub_fn = getattr(ref, name), getattr(stub, name)
        assert inspect.signature(stub_fn) == inspect.signature(ref_fn), name
        assert stub_fn.__doc__ == ref_fn.__doc__, name


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=3, k=k)
