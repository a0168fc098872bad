"""The networks reference proven against independent oracles: torch.nn, autograd, torch.optim, central differences.

mlp_forward is an nn.Sequential of nn.Linear and nn.ReLU carrying the same weights (float64);
mlp_loss is nn.CrossEntropyLoss plus (reg / 2) * sum of the squared weights, differentiated by
autograd (and by central differences); the residual block and global average pooling are
composed in torch (F.adaptive_avg_pool2d) and differentiated by autograd; train's steps are
torch.optim.SGD with weight_decay off and the L2 term in the loss, over the same batches; init_mlp
draws the law torch.nn.init.kaiming_normal_ / normal_ would. The last tests check the stub's API.
"""

import inspect
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from oracles import assert_stub_raises, load, numerical_gradient, public_functions

pytestmark = pytest.mark.networks

ROOT = Path(__file__).parents[1]
SPEC_FUNCTIONS = [  # SPEC order; task 13.k is the k-th name
    "init_mlp", "mlp_forward", "mlp_loss", "residual_block_forward", "residual_block_backward",
    "global_average_pool_forward", "global_average_pool_backward", "sgd_step", "accuracy", "train",
]
PASTED = ["affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_cross_entropy"]
EXACT = dict(rtol=1e-10, atol=1e-12)  # the same float64 arithmetic in another order


ref = load(ROOT / "solutions" / "networks.py", "reference_networks")
stub = load(ROOT / "assignments" / "networks.py", "stub_networks")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(13)


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def random_params(rng, dims):
    return {key: value for layer, (a, b) in enumerate(zip(dims, dims[1:]), start=1)
            for key, value in ((f"W{layer}", rng.standard_normal((a, b)) / math.sqrt(a)), (f"b{layer}", 0.3 * rng.standard_normal(b)))}


def torch_mlp(params):
    """nn.Sequential of nn.Linear (weight = W.T) and nn.ReLU with the same parameters, float64."""
    layers = len(params) // 2
    modules = []
    for layer in range(1, layers + 1):
        w = params[f"W{layer}"]
        linear = nn.Linear(*w.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(t(w.T))
            linear.bias.copy_(t(params[f"b{layer}"]))
        modules += [linear] + ([nn.ReLU()] if layer < layers else [])
    return nn.Sequential(*modules)


def torch_loss(model, X, y, reg):
    """Cross-entropy plus (reg / 2) * the sum of squared weights (never the biases)."""
    penalty = sum((m.weight ** 2).sum() for m in model if isinstance(m, nn.Linear))
    return F.cross_entropy(model(t(X)), torch.tensor(y)) + 0.5 * reg * penalty


def grads_of(model):
    """The model's gradients in the reference's keys and layouts."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return {key: value for layer, m in enumerate(linears, start=1)
            for key, value in ((f"W{layer}", m.weight.grad.numpy().T), (f"b{layer}", m.bias.grad.numpy()))}


# -- mlp_forward, mlp_loss ---------------------------------------------------------------------

@pytest.mark.parametrize("dims", [[4, 3], [5, 7, 3], [6, 5, 4, 3, 2]])
def test_mlp_forward_matches_torch_sequential(rng, dims):
    """Affine + ReLU for every layer but the last, affine last: nn.Linear / nn.ReLU in sequence."""
    params = random_params(rng, dims)
    X = rng.standard_normal((9, dims[0]))
    scores, _ = ref.mlp_forward(params, X)
    np.testing.assert_allclose(scores, torch_mlp(params)(t(X)).detach().numpy(), **EXACT)


@pytest.mark.parametrize("dims, n, reg", [([4, 3], 5, 0.0), ([5, 7, 3], 8, 0.1), ([6, 5, 4, 3], 1, 0.7)])
def test_mlp_loss_matches_torch_autograd(rng, dims, n, reg):
    """The loss and every gradient equal cross_entropy + (reg / 2) sum W^2 under autograd."""
    params = random_params(rng, dims)
    X, y = rng.standard_normal((n, dims[0])), rng.integers(dims[-1], size=n)
    loss, grads = ref.mlp_loss(params, X, y, reg)
    model = torch_mlp(params)
    expected = torch_loss(model, X, y, reg)
    expected.backward()
    assert type(loss) is float and loss == pytest.approx(expected.item(), rel=1e-12)
    assert sorted(grads) == sorted(params)
    for key, value in grads_of(model).items():
        np.testing.assert_allclose(grads[key], value, **EXACT, err_msg=key)


def test_mlp_loss_matches_numerical_gradients(rng):
    """Each gradient of mlp_loss agrees with central differences of its loss."""
    params = random_params(rng, [3, 4, 3])
    X, y = rng.standard_normal((5, 3)), rng.integers(3, size=5)
    _, grads = ref.mlp_loss(params, X, y, 0.2)
    for key in params:
        numeric = numerical_gradient(lambda: ref.mlp_loss(params, X, y, 0.2)[0], params[key])
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-6, atol=1e-8, err_msg=key)


def test_mlp_loss_is_stable_for_logits_of_1e3(rng):
    """Scores near 1e3: finite loss and gradients, no warnings, still torch's values."""
    params = random_params(rng, [4, 5, 3])
    X, y = 400 * rng.standard_normal((6, 4)), rng.integers(3, size=6)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is harmless
        loss, grads = ref.mlp_loss(params, X, y)
    model = torch_mlp(params)
    expected = torch_loss(model, X, y, 0.0)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(grads["W1"], grads_of(model)["W1"], **EXACT)


def test_mlp_loss_leaves_params_unchanged(rng):
    """mlp_loss writes into none of its parameters."""
    params = random_params(rng, [3, 4, 2])
    before = {key: value.copy() for key, value in params.items()}
    ref.mlp_loss(params, rng.standard_normal((4, 3)), rng.integers(2, size=4), 0.5)
    assert all(np.array_equal(params[key], before[key]) for key in params)


# -- residual block, global average pooling ----------------------------------------------------------

def test_residual_block_matches_torch_autograd(rng):
    """out = relu(x + relu(x w1 + b1) w2 + b2) and all five gradients, with ReLUs at their kinks."""
    n, d, h = 6, 5, 4
    x = rng.standard_normal((n, d))
    x[0] = 0.0
    w1, b1, w2, b2 = rng.standard_normal((d, h)), rng.standard_normal(h), rng.standard_normal((h, d)), rng.standard_normal(d)
    b1[:2] = 0.0
    b2[:2] = 0.0
    dout = rng.standard_normal((n, d))
    out, cache = ref.residual_block_forward(x, w1, b1, w2, b2)
    grads = ref.residual_block_backward(dout, cache)
    tensors = [t(a, grad=True) for a in (x, w1, b1, w2, b2)]
    tx, tw1, tb1, tw2, tb2 = tensors
    expected = torch.relu(tx + torch.relu(tx @ tw1 + tb1) @ tw2 + tb2)
    expected.backward(t(dout))
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)
    for name, got, tensor in zip(("dx", "dw1", "db1", "dw2", "db2"), grads, tensors):
        np.testing.assert_allclose(got, tensor.grad.numpy(), **EXACT, err_msg=name)


def test_residual_block_backward_matches_numerical_gradients(rng):
    """dx and dw1 of the block agree with central differences of sum(dout * out)."""
    x, w1, b1, w2, b2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2), rng.standard_normal((2, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((3, 4))
    _, cache = ref.residual_block_forward(x, w1, b1, w2, b2)
    dx, dw1, *_ = ref.residual_block_backward(dout, cache)

    def total():
        return float(np.sum(dout * ref.residual_block_forward(x, w1, b1, w2, b2)[0]))
    np.testing.assert_allclose(dx, numerical_gradient(total, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw1, numerical_gradient(total, w1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 1, 1), (3, 1, 6, 2)])
def test_global_average_pool_matches_adaptive_avg_pool2d(rng, shape):
    """Forward as F.adaptive_avg_pool2d(x, 1) flattened; backward as its autograd."""
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape[:2])
    out, cache = ref.global_average_pool_forward(x)
    dx = ref.global_average_pool_backward(dout, cache)
    tx = t(x, grad=True)
    expected = F.adaptive_avg_pool2d(tx, 1).flatten(1)
    expected.backward(t(dout))
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)
    assert dx.flags.writeable  # a new array, not a read-only broadcast view


# -- init_mlp ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme, gain", [("he", 2.0), ("xavier", 1.0)])
def test_init_mlp_draws_the_law_of_torch_init(scheme, gain):
    """W's variance is gain / fan_in: torch's kaiming_normal_ (fan_in, relu) for He, normal_(0, 1/sqrt(fan_in)) for Xavier."""
    params = ref.init_mlp([300, 200, 100], np.random.default_rng(0), scheme)
    for layer, fan_in in ((1, 300), (2, 200)):
        w = params[f"W{layer}"]
        oracle = torch.empty(w.shape[::-1], dtype=torch.float64)
        if scheme == "he":
            nn.init.kaiming_normal_(oracle, mode="fan_in", nonlinearity="relu", generator=torch.Generator().manual_seed(layer))
        else:
            nn.init.normal_(oracle, 0.0, 1 / math.sqrt(fan_in), generator=torch.Generator().manual_seed(layer))
        # both samples' variances within 5% of gain / fan_in (>= 2e4 draws: 5% is 5 standard errors)
        for sample in (w, oracle.numpy()):
            assert np.var(sample) == pytest.approx(gain / fan_in, rel=0.05)
        np.testing.assert_array_equal(params[f"b{layer}"], np.zeros(w.shape[1]))


@pytest.mark.parametrize("dims, scheme, match", [([5], "he", "at least 2"), ([4, 0, 3], "he", "int >= 1"), ([4, 2.5], "he", "int >= 1"),
                                                 ([4, True], "he", "int >= 1"), ([4, 3], "glorot", "scheme")])
def test_init_mlp_rejects_bad_arguments(dims, scheme, match):
    """ValueError for fewer than 2 dims, a dim below 1 or not an int, an unknown scheme."""
    with pytest.raises(ValueError, match=match):
        ref.init_mlp(dims, np.random.default_rng(0), scheme)


def test_init_mlp_accepts_the_smallest_valid_dims():
    """Two dims, and dims of 1 (numpy ints too), are valid."""
    params = ref.init_mlp([np.int64(1), 1], np.random.default_rng(0))
    assert sorted(params) == ["W1", "b1"] and params["W1"].shape == (1, 1) and params["b1"].shape == (1,)


# -- sgd_step, accuracy, train --------------------------------------------------------------------------

def test_sgd_step_is_torch_sgd_and_keeps_frozen_arrays(rng):
    """Unfrozen keys take torch.optim.SGD's step; frozen keys keep their very arrays; inputs unchanged."""
    params = random_params(rng, [3, 4, 2])
    grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
    before = {key: value.copy() for key, value in params.items()}
    new = ref.sgd_step(params, grads, 0.3, frozen=("W1", "b1"))
    for key in ("W2", "b2"):
        tensor = t(params[key], grad=True)
        optimizer = torch.optim.SGD([tensor], lr=0.3)
        tensor.grad = t(grads[key])
        optimizer.step()
        np.testing.assert_allclose(new[key], tensor.detach().numpy(), **EXACT)
    assert new["W1"] is params["W1"] and new["b1"] is params["b1"]
    assert new is not params and all(np.array_equal(params[key], before[key]) for key in params)


def test_accuracy_breaks_ties_to_the_first_maximum():
    """Scores [1, 1] count as class 0 (np.argmax, as torch.argmax on CPU)."""
    params = {"W1": np.eye(2), "b1": np.zeros(2)}
    X = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]])
    assert ref.accuracy(params, X, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert torch.argmax(t(X), dim=1).tolist() == [0, 0, 1]


@pytest.mark.parametrize("batch_size, reg, lr_decay, frozen", [(4, 0.0, 1.0, ()), (5, 0.05, 0.5, ()), (1, 0.1, 0.8, ("W1", "b1")), (40, 0.0, 0.9, ())])
def test_train_matches_torch_sgd_over_the_same_batches(rng, batch_size, reg, lr_decay, frozen):
    """Every batch's loss and the final parameters equal torch.optim.SGD (weight_decay off, L2 in the
    loss) over the batches order[i:i + batch_size] of rng.permutation per epoch, with StepLR-like decay per epoch."""
    dims, n, epochs, lr = [3, 5, 3], 23, 3, 0.3
    params = random_params(rng, dims)
    X, y = rng.standard_normal((n, 3)), rng.integers(3, size=n)
    trained, history = ref.train(params, X, y, X[:7], y[:7], lr, epochs, batch_size, np.random.default_rng(5), reg, lr_decay, frozen)

    model = torch_mlp(params)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    frozen_tensors = {id(getattr(linears[int(key[1:]) - 1], "weight" if key[0] == "W" else "bias")) for key in frozen}
    optimizer = torch.optim.SGD([p for p in model.parameters() if id(p) not in frozen_tensors], lr=lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=lr_decay)
    order_rng, losses = np.random.default_rng(5), []
    for _ in range(epochs):
        order = order_rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = torch_loss(model, X[rows], y[rows], reg)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-10)
    for layer, m in enumerate(linears, start=1):
        np.testing.assert_allclose(trained[f"W{layer}"], m.weight.detach().numpy().T, **EXACT)
        np.testing.assert_allclose(trained[f"b{layer}"], m.bias.detach().numpy(), **EXACT)
    final = model(t(X)).argmax(dim=1).numpy()
    assert history["train_acc"][-1] == pytest.approx(np.mean(final == y))
    assert len(history["loss"]) == epochs * math.ceil(n / batch_size) and len(history["val_acc"]) == epochs


def test_train_leaves_its_inputs_unchanged(rng):
    """train returns new parameters and writes into neither params nor the data."""
    params = random_params(rng, [3, 4, 2])
    X, y = rng.standard_normal((10, 3)), rng.integers(2, size=10)
    before = {key: value.copy() for key, value in params.items()}, X.copy(), y.copy()
    ref.train(params, X, y, X, y, 0.5, 2, 3, np.random.default_rng(0), reg=0.1)
    assert all(np.array_equal(params[key], before[0][key]) for key in params)
    assert np.array_equal(X, before[1]) and np.array_equal(y, before[2])


# -- the stub ----------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names (after the pasted layers), same signatures and docstrings."""
    assert public_functions(ref) == PASTED + SPEC_FUNCTIONS
    assert public_functions(stub) == PASTED + SPEC_FUNCTIONS
    assert stub.__doc__ == ref.__doc__ and stub.LEADERBOARD is None
    for name in PASTED + SPEC_FUNCTIONS:
        ref_fn, stub_fn = getattr(ref, name), getattr(stub, name)
        assert inspect.signature(stub_fn) == inspect.signature(ref_fn), name
        assert stub_fn.__doc__ == ref_fn.__doc__, name
    for k, name in enumerate(SPEC_FUNCTIONS, start=1):
        assert f"Task 13.{k}." in getattr(ref, name).__doc__, name


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=13, k=k)


@pytest.mark.parametrize("name", PASTED)
def test_the_pasted_section_asks_for_the_backprop_layers(name):
    """The layers of the marked section say where to take them from."""
    fn = getattr(stub, name)
    required = [p for p in inspect.signature(fn).parameters.values() if p.default is p.empty]
    with pytest.raises(NotImplementedError, match=rf"^{name}: paste yours from backprop.py$"):
        fn(*[None] * len(required))
