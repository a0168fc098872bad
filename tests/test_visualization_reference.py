"""solutions/visualization.py against independent oracles, and the models it is graded with.

Saliency, class visualization and fooling images against PyTorch autograd on the same network
(torch.optim.SGD with maximize=True for the ascent); occlusion against a brute-force loop over
images and patch positions, one image scored at a time; PCA against the eigendecomposition of
the covariance matrix (numpy.linalg.eigh, not the SVD the reference uses), with the sign rule
coded again here. The probes that stand for the model in the grader and the worker agree with
autograd too, and the committed weights are what the training script makes.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from autograder import probes
from autograder.suites import visualization as suite
from submissions import ROOT

pytestmark = pytest.mark.visualization

spec = importlib.util.spec_from_file_location("solution_visualization", ROOT / "solutions" / "visualization.py")
vis = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vis)
spec = importlib.util.spec_from_file_location("visualization_models", ROOT / "assignments" / "data" / "visualization_models.py")
models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)

TOL = 1e-10


def bound(layers):
    """The probes with ``layers`` bound, as the worker calls them."""
    weights, biases = tuple(W for W, _ in layers), tuple(b for _, b in layers)
    return (functools.partial(probes.network_scores, weights=weights, biases=biases),
            functools.partial(probes.network_input_gradient, weights=weights, biases=biases))


def torch_scores(layers, X):
    """The network's scores in torch (float64), differentiable in X (N, H, W)."""
    h = X.reshape(X.shape[0], -1)
    for i, (W, b) in enumerate(layers):
        h = h @ torch.from_numpy(W) + torch.from_numpy(b)
        if i < len(layers) - 1:
            h = torch.relu(h)
    return h


def autograd(layers, X, dscores):
    """d sum(dscores * scores(X)) / dX by autograd."""
    x = torch.tensor(X, requires_grad=True)
    (torch_scores(layers, x) * torch.from_numpy(dscores)).sum().backward()
    return x.grad.numpy()


def networks():
    """The two trained models and two random networks on non-square images (one and two hidden layers)."""
    rng = np.random.default_rng(5)
    return [("linear", models.load_models()["linear"], (8, 8)), ("mlp", models.load_models()["mlp"], (8, 8)),
            ("random, 1 hidden", suite.random_layers(rng, 35, [9], 5), (5, 7)),
            ("random, 2 hidden", suite.random_layers(rng, 54, [12, 7], 6), (9, 6))]


NETWORKS = [pytest.param(layers, shape, id=name) for name, layers, shape in networks()]


def images(shape, count=5, seed=0):
    """Digits for 8 x 8 networks, random images otherwise."""
    if shape == (8, 8):
        X, y = models.load_digits()["X_val"][:count], models.load_digits()["y_val"][:count]
        return X, y
    rng = np.random.default_rng(seed)
    return rng.random((count, *shape)), rng.integers(0, 5, size=count)


# -- the model functions -----------------------------------------------------------------------

@pytest.mark.parametrize("layers, shape", NETWORKS)
def test_probes_match_autograd(layers, shape):
    """network_scores and network_input_gradient agree with torch, and with the training script's functions."""
    X, _ = images(shape)
    dscores = np.random.default_rng(1).standard_normal((len(X), layers[-1][0].shape[1]))
    scores, gradient = bound(layers)
    np.testing.assert_allclose(scores(X), torch_scores(layers, torch.from_numpy(X)).numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(gradient(X, dscores), autograd(layers, X, dscores), rtol=TOL, atol=TOL)
    script_scores, script_gradient = models.functions(layers)
    np.testing.assert_allclose(script_scores(X), scores(X), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(script_gradient(X, dscores), gradient(X, dscores), rtol=TOL, atol=TOL)


def test_committed_weights_are_what_the_training_script_makes(tmp_path):
    """Rerunning the training script (one thread) reproduces visualization_models.npz to roundoff, and the models classify the digits."""
    out = tmp_path / "models.npz"
    single = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "assignments" / "data" / "visualization_models.py"), str(out)],
                          env=single, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    retrained, committed = models.load_models(out), models.load_models()
    digits = models.load_digits()
    for name in models.ARCHITECTURES:
        for (W, b), (W_saved, b_saved) in zip(retrained[name], committed[name]):
            np.testing.assert_allclose(W, W_saved, rtol=0, atol=1e-9)
            np.testing.assert_allclose(b, b_saved, rtol=0, atol=1e-9)
        assert models.accuracy(committed[name], digits["X_val"], digits["y_val"]) > 0.95, name
    assert [W.shape for W, _ in committed["mlp"]] == [(64, 32), (32, 10)]


def test_hidden_is_the_first_layer_activations():
    """models.hidden is relu(x @ W1 + b1), computed in torch."""
    layers = models.load_models()["mlp"]
    X = models.load_digits()["X_val"][:20]
    expected = torch.relu(torch.from_numpy(X.reshape(20, -1)) @ torch.from_numpy(layers[0][0]) + torch.from_numpy(layers[0][1]))
    np.testing.assert_allclose(models.hidden(layers, X), expected.numpy(), rtol=TOL, atol=TOL)


# -- saliency --------------------------------------------------------------------------------

@pytest.mark.parametrize("layers, shape", NETWORKS)
def test_saliency_map_matches_autograd(layers, shape):
    """|d scores[i, y_i] / d X_i| by autograd on the true class's score summed over the batch."""
    X, y = images(shape)
    x = torch.tensor(X, requires_grad=True)
    torch_scores(layers, x)[torch.arange(len(y)), torch.from_numpy(y)].sum().backward()
    saliency = vis.saliency_map(*bound(layers), X, y)
    assert saliency.dtype == np.float64 and saliency.shape == X.shape
    np.testing.assert_allclose(saliency, x.grad.abs().numpy(), rtol=TOL, atol=TOL)


def test_saliency_of_a_linear_model_is_its_weights():
    """For scores = x @ W + b the saliency of class c is |W[:, c]| on every image."""
    layers = models.load_models()["linear"]
    X, y = images((8, 8))
    saliency = vis.saliency_map(*bound(layers), X, y)
    np.testing.assert_array_equal(saliency, np.abs(layers[0][0][:, y].T).reshape(X.shape))


# -- occlusion --------------------------------------------------------------------------------

def brute_force_occlusion(layers, X, y, patch, stride, fill):
    """Every image alone, every patch that fits, in plain loops: the true score minus the occluded one."""
    scores, _ = bound(layers)
    count, height, width = X.shape
    rows = [r for r in range(0, height - patch + 1) if r % stride == 0]
    cols = [c for c in range(0, width - patch + 1) if c % stride == 0]
    out = np.zeros((count, len(rows), len(cols)))
    for i in range(count):
        base = scores(X[i : i + 1])[0, y[i]]
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                covered = X[i].copy()
                for p in range(r, r + patch):
                    for q in range(c, c + patch):
                        covered[p, q] = fill
                out[i, a, b] = base - scores(covered[None])[0, y[i]]
    return out


@pytest.mark.parametrize("layers, shape", NETWORKS)
@pytest.mark.parametrize("patch, stride, fill", [(1, 1, 0.0), (2, 1, 0.5), (3, 2, 0.0), (2, 3, 1.0), (5, 1, 0.25), (4, 4, 0.0)])
def test_occlusion_map_matches_brute_force(layers, shape, patch, stride, fill):
    """Patch 1 up to min(H, W), strides that divide and that do not, fills other than 0."""
    X, y = images(shape)
    out = vis.occlusion_map(bound(layers)[0], X, y, patch, stride, fill)
    expected = brute_force_occlusion(layers, X, y, patch, stride, fill)
    assert out.dtype == np.float64 and out.shape == expected.shape == (len(X), (shape[0] - patch) // stride + 1, (shape[1] - patch) // stride + 1)
    np.testing.assert_allclose(out, expected, rtol=TOL, atol=TOL)


def test_occlusion_at_patch_min_side():
    """patch = min(H, W) on a 5 x 7 image: one row of 3 positions; patch min + 1 raises."""
    _, layers, shape = networks()[2]
    X, y = images(shape)
    assert vis.occlusion_map(bound(layers)[0], X, y, 5).shape == (5, 1, 3)
    with pytest.raises(ValueError, match="patch"):
        vis.occlusion_map(bound(layers)[0], X, y, 6)


@pytest.mark.parametrize("patch, stride", [(0, 1), (2, 0), (2.0, 1), (2, 1.0), (True, 1), (-1, 1)])
def test_occlusion_map_rejects_bad_sizes(patch, stride):
    """Sizes are integers in range (Python's or numpy's), else ValueError."""
    _, layers, shape = networks()[2]
    X, y = images(shape)
    with pytest.raises(ValueError, match="patch|stride"):
        vis.occlusion_map(bound(layers)[0], X, y, patch, stride)
    np.testing.assert_array_equal(vis.occlusion_map(bound(layers)[0], X, y, np.int64(2), np.int32(2)),
                                  vis.occlusion_map(bound(layers)[0], X, y, 2, 2))


# -- class visualization ------------------------------------------------------------------------

def torch_ascent(layers, target, shape, steps, lr, l2, x0):
    """torch.optim.SGD(maximize=True) on scores[0, target] - l2 * sum(x ** 2) from x0."""
    x = torch.tensor(np.zeros(shape) if x0 is None else x0, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr, maximize=True)
    for _ in range(steps):
        optimizer.zero_grad()
        (torch_scores(layers, x[None])[0, target] - l2 * (x**2).sum()).backward()
        optimizer.step()
    return x.detach().numpy()


@pytest.mark.parametrize("layers, shape", NETWORKS)
@pytest.mark.parametrize("steps, lr, l2, start", [(30, 0.2, 0.05, False), (15, 0.1, 0.0, True), (0, 0.1, 0.1, True), (40, 0.5, 0.3, True)])
def test_class_visualization_matches_torch_sgd(layers, shape, steps, lr, l2, start):
    """The ascent x = x + lr * (g - 2 l2 x), step for step as torch's SGD with maximize=True."""
    x0 = np.random.default_rng(2).random(shape) if start else None
    before = None if x0 is None else x0.copy()
    x = vis.class_visualization(*bound(layers), 2, shape, steps, lr, l2, x0)
    assert x.dtype == np.float64 and x.shape == shape
    np.testing.assert_allclose(x, torch_ascent(layers, 2, shape, steps, lr, l2, x0), rtol=1e-9, atol=1e-9)
    if x0 is not None:
        np.testing.assert_array_equal(x0, before)


def test_class_visualization_of_a_linear_model_without_l2_is_a_multiple_of_its_weights():
    """With l2 = 0 the gradient of x @ W[:, c] is W[:, c] at every step: x = steps * lr * W[:, c]."""
    layers = models.load_models()["linear"]
    x = vis.class_visualization(*bound(layers), 7, (8, 8), 10, 0.3, 0.0)
    np.testing.assert_allclose(x, 3.0 * layers[0][0][:, 7].reshape(8, 8), rtol=1e-12)


# -- fooling images ------------------------------------------------------------------------------

def torch_fooling(layers, x, target, lr, max_steps):
    """The fooling loop with torch's argmax and autograd's gradient."""
    x = torch.tensor(x)
    for step in range(max_steps):
        current = x.clone().requires_grad_(True)
        score = torch_scores(layers, current[None])[0]
        if int(torch.argmax(score)) == target:
            return x.numpy(), step
        score[target].backward()
        norm = torch.linalg.vector_norm(current.grad)
        if norm == 0:
            return x.numpy(), step
        x = x + lr * current.grad / norm
    return x.numpy(), max_steps


@pytest.mark.parametrize("layers, shape", NETWORKS)
@pytest.mark.parametrize("target, lr, max_steps", [(0, 0.1, 100), (4, 0.05, 30), (3, 0.3, 200)])
def test_fooling_image_matches_torch(layers, shape, target, lr, max_steps):
    """x_fool and the step count as torch's argmax and autograd give them."""
    X, _ = images(shape, count=1, seed=3)
    before = X[0].copy()
    x_fool, steps = vis.fooling_image(*bound(layers), X[0], target, lr, max_steps)
    expected, expected_steps = torch_fooling(layers, X[0], target, lr, max_steps)
    assert type(steps) is int and steps == expected_steps
    assert x_fool.dtype == np.float64 and x_fool.shape == shape
    np.testing.assert_allclose(x_fool, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(X[0], before)


def test_fooling_reaches_its_target_on_digits():
    """The trained models are fooled: from a correctly classified digit to every other class, in small steps."""
    digits = models.load_digits()
    for name, layers in models.load_models().items():
        scores, gradient = bound(layers)
        x = digits["X_val"][0]
        for target in set(range(10)) - {int(digits["y_val"][0])}:
            x_fool, steps = vis.fooling_image(scores, gradient, x, target, 0.1, 300)
            assert 0 < steps < 300 and int(np.argmax(scores(x_fool[None]))) == target, (name, target)
            assert np.linalg.norm(x_fool - x) <= 0.1 * steps + 1e-12


def test_fooling_stops_at_step_0_and_breaks_ties_to_the_first_class():
    """Zero gradient, the target already highest and max_steps = 0 give (x, 0); a target tied with a lower class is never reached."""
    rng = np.random.default_rng(4)
    scores, gradient, x, target, lr, max_steps = suite.zero_gradient(rng)
    weights = dict(scores.kwargs)
    layers = list(zip(weights["weights"], weights["biases"]))
    assert vis.fooling_image(*bound(layers), x, target, lr, max_steps)[1] == 0
    tied = suite.tied_linear(rng, 1, 3)
    x = rng.random((6, 6))
    s = bound(tied)[0](x[None])[0]
    assert s[1] == s[3] == s.max()
    assert vis.fooling_image(*bound(tied), x, 1, 0.25, 7)[1] == 0
    x_fool, steps = vis.fooling_image(*bound(tied), x, 3, 0.25, 7)
    assert steps == 7 and np.linalg.norm(x_fool - x) == pytest.approx(7 * 0.25)
    np.testing.assert_array_equal(vis.fooling_image(*bound(tied), x, 3, 0.25, 0)[0], x)


# -- PCA ---------------------------------------------------------------------------------------

def eigh_pca(X, k):
    """PCA from the eigenvectors of the covariance matrix, each flipped so that its first entry of
    (almost) the largest magnitude is positive; the ratio from the eigenvalues."""
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1][:k]
    components = vectors[:, order].T
    for j in range(k):
        big = np.abs(components[j]).max()
        first = next(i for i, v in enumerate(components[j]) if abs(v) >= big * (1 - 1e-9))
        components[j] *= 1.0 if components[j, first] > 0 else -1.0
    return components, centred @ components.T, values[order] / values.sum()


PCA_DATA = [
    pytest.param(lambda rng: (suite.correlated(rng, 30, 5), 2), id="k=2"),
    pytest.param(lambda rng: (suite.correlated(rng, 12, 4), 4), id="k=min(N,D)=D"),
    pytest.param(lambda rng: (suite.correlated(rng, 40, 8), 1), id="k=1"),
    pytest.param(lambda rng: (suite.tied_signs(rng), 2), id="tied-magnitudes"),
    pytest.param(suite.pca_hidden, id="hidden-layer"),
]


@pytest.mark.parametrize("draw", PCA_DATA)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pca_matches_the_eigendecomposition_of_the_covariance(draw, seed):
    """components, projected and the ratio as eigh of Xc^T Xc gives them, signs by the contract's rule."""
    X, k = draw(np.random.default_rng(seed))
    before = X.copy()
    components, projected, ratio = vis.pca(X, k)
    expected = eigh_pca(X, k)
    assert components.shape == (k, X.shape[1]) and projected.shape == (len(X), k) and ratio.shape == (k,)
    np.testing.assert_allclose(components, expected[0], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(projected, expected[1], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ratio, expected[2], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(components @ components.T, np.eye(k), atol=1e-12)
    np.testing.assert_array_equal(X, before)


def test_pca_tie_goes_to_the_first_entry():
    """Magnitudes 1 and 1 + 1e-12 are tied: the first is made positive although the second is larger."""
    components, _, _ = vis.pca(suite.tied_signs(np.random.default_rng(0)), 1)
    assert abs(components[0, 1]) > abs(components[0, 0]) and components[0, 0] > 0 > components[0, 1]


def test_pca_ratio_sums_to_one_at_k_equal_d():
    """With k = D the components carry all the variance, and the ratio is torch's explained variance."""
    X = suite.correlated(np.random.default_rng(3), 25, 4)
    _, projected, ratio = vis.pca(X, np.int64(4))
    assert ratio.sum() == pytest.approx(1.0, abs=1e-12)
    _, S, _ = torch.linalg.svd(torch.from_numpy(X - X.mean(axis=0)))
    np.testing.assert_allclose(ratio, (S**2 / (S**2).sum()).numpy(), rtol=1e-10)
    np.testing.assert_allclose(projected.var(axis=0) * len(X) / np.sum((X - X.mean(axis=0)) ** 2), ratio, rtol=1e-10)


def test_pca_matches_torch_pca_lowrank_up_to_sign():
    """torch.pca_lowrank (centred, q = k, many power iterations) finds the same components, up to their sign."""
    X = suite.correlated(np.random.default_rng(6), 50, 6)
    components, _, _ = vis.pca(X, 3)
    torch.manual_seed(0)
    _, _, V = torch.pca_lowrank(torch.from_numpy(X), q=3, center=True, niter=30)
    np.testing.assert_allclose(np.abs(components @ V.numpy()), np.eye(3), atol=1e-8)


@pytest.mark.parametrize("k", [0, 5, 2.0, True, -1])
def test_pca_rejects_bad_k(k):
    """k must be an integer in [1, min(N, D)]."""
    with pytest.raises(ValueError, match="k"):
        vis.pca(suite.correlated(np.random.default_rng(0), 10, 4), k)


@pytest.mark.parametrize("X", [np.tile([0.1, 2.0, -3.0], (5, 1)), np.full((3, 2), 7.0), np.zeros((1, 4))])
def test_pca_rejects_data_without_variance(X):
    """Every row the same (also a single row): ValueError."""
    with pytest.raises(ValueError, match="variance"):
        vis.pca(X, 1)
