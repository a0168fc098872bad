"""Public checks for visualization.py: run `pytest checks/test_visualization.py` (one task: add `-k occlusion_map`).

Each example below draws fixed inputs and calls your functions with a model (the assignment's
trained digit classifiers from data/visualization_models.py, or a small random ReLU network on
non-square images); its outputs are compared with the reference's, stored in
checks/expected/visualization.json (relative error 1e-6). Beside the examples: the saliency of
a linear model is |its weights|, occlusion against a loop over patches, l2 = 0 ascent of a
linear model, fooling that must stop at once, PCA's orthonormal components and its sign rule,
and the documented ValueErrors.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import visualization
from harness import Examples, assert_close, assert_property, assert_shape, assert_unchanged, rng

examples = Examples("visualization")

_spec = importlib.util.spec_from_file_location("visualization_models", Path(__file__).resolve().parent.parent / "data" / "visualization_models.py")
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)
TRAINED = models.load_models()
X_VAL, Y_VAL = models.load_digits()["X_val"], models.load_digits()["y_val"]


def random_network(r, height, width, hidden=(9,), classes=5):
    """The layers [(W, b), ...] of a random ReLU network on (height, width) images."""
    dims = [height * width, *hidden, classes]
    return [(r.standard_normal((m, n)) * np.sqrt(2.0 / m), 0.1 * r.standard_normal(n)) for m, n in zip(dims[:-1], dims[1:])]


LINEAR = models.functions(TRAINED["linear"])
MLP = models.functions(TRAINED["mlp"])
SMALL = models.functions(random_network(rng(140), 5, 7))  # on 5 x 7 images, 5 classes


# -- 14.1 saliency -----------------------------------------------------------------------------

@examples.register
def saliency_map(vz):
    r = rng(141)
    return {"saliency of the MLP on 4 digits": vz.saliency_map(*MLP, X_VAL[:4], Y_VAL[:4]),
            "saliency of a random network on two 5 x 7 images": vz.saliency_map(*SMALL, r.random((2, 5, 7)), np.array([4, 0]))}


def test_saliency_map():
    """saliency_map: |the true class's gradient|, (N, H, W); for a linear model |W[:, y]| on every image."""
    examples.check(saliency_map, visualization)
    W = TRAINED["linear"][0][0]
    labels = np.array([3, 3, 8])
    X = X_VAL[:3].copy()
    saliency = visualization.saliency_map(*LINEAR, X, labels)
    assert_unchanged("X after saliency_map", X_VAL[:3], X)
    assert_close("saliency of the linear model (|W[:, y]|)", saliency, np.abs(W[:, labels].T).reshape(3, 8, 8))


# -- 14.2 occlusion ----------------------------------------------------------------------------

@examples.register
def occlusion_map(vz):
    r = rng(142)
    X = r.random((2, 5, 7))
    return {"occlusion, MLP, patch 2, stride 1": vz.occlusion_map(MLP[0], X_VAL[:3], Y_VAL[:3], 2),
            "occlusion, MLP, patch 3, stride 2, fill 0.5": vz.occlusion_map(MLP[0], X_VAL[3:5], Y_VAL[3:5], 3, 2, 0.5),
            "occlusion, 5 x 7 images, patch 5 (= min(H, W))": vz.occlusion_map(SMALL[0], X, np.array([1, 2]), 5)}


def test_occlusion_map():
    """occlusion_map: (N, (H - patch) // stride + 1, (W - patch) // stride + 1), the score's drop; ValueError for bad sizes."""
    examples.check(occlusion_map, visualization)
    X, y = rng(143).random((1, 5, 7)), np.array([3])
    out = visualization.occlusion_map(SMALL[0], X, y, 2, np.int64(2), 0.25)
    assert_shape("occlusion_map with patch 2, stride 2 on 5 x 7", out, (1, 2, 3))
    base = SMALL[0](X)[0, 3]
    for r, c in ((0, 0), (1, 2)):
        covered = X.copy()
        covered[0, 2 * r : 2 * r + 2, 2 * c : 2 * c + 2] = 0.25
        assert_close(f"out[0, {r}, {c}] (the score minus the occluded score)", float(out[0, r, c]), float(base - SMALL[0](covered)[0, 3]))
    for patch, stride in ((0, 1), (6, 1), (2, 0), (2.0, 1)):
        with pytest.raises(ValueError):
            visualization.occlusion_map(SMALL[0], X, y, patch, stride)


# -- 14.3 class visualization ------------------------------------------------------------------

@examples.register
def class_visualization(vz):
    return {"class 3 of the linear model, 40 steps from zeros, l2 0.05": vz.class_visualization(*LINEAR, 3, (8, 8), 40, 0.2, 0.05),
            "class 7 of the MLP, 25 steps from a digit, l2 0.1": vz.class_visualization(*MLP, 7, (8, 8), 25, 0.1, 0.1, X_VAL[0])}


def test_class_visualization():
    """class_visualization: x += lr * (gradient - 2 * l2 * x); without l2 a linear model gives steps * lr * W[:, c]; x0 unchanged."""
    examples.check(class_visualization, visualization)
    W = TRAINED["linear"][0][0]
    assert_close("10 steps of lr 0.3 on the linear model, l2 = 0", visualization.class_visualization(*LINEAR, 5, (8, 8), 10, 0.3),
                 3.0 * W[:, 5].reshape(8, 8))
    x0 = X_VAL[1].copy()
    x = visualization.class_visualization(*MLP, 2, (8, 8), 0, 0.1, 0.1, x0)
    assert_close("class_visualization after 0 steps (x0)", x, X_VAL[1])
    visualization.class_visualization(*MLP, 2, (8, 8), 5, 0.1, 0.1, x0)
    assert_unchanged("x0 after class_visualization", X_VAL[1], x0)


# -- 14.4 fooling images -----------------------------------------------------------------------

@examples.register
def fooling_image(vz):
    x_fool, steps = vz.fooling_image(*MLP, X_VAL[0], 3, 0.1, 100)
    return {"x_fool of digit 0 of X_val, MLP, target 3": x_fool, "steps of digit 0 of X_val, MLP, target 3": steps}


def test_fooling_image():
    """fooling_image: steps of length lr until the first highest score is the target; (x, 0) if it already is."""
    examples.check(fooling_image, visualization)
    x = X_VAL[2].copy()
    label = int(np.argmax(MLP[0](x[None])))
    x_fool, steps = visualization.fooling_image(*MLP, x, label, 0.1, 50)
    assert_close("steps when the target is already the highest score", steps, 0)
    assert_close("x_fool when the target is already the highest score", x_fool, X_VAL[2])
    target = (label + 1) % 10
    x_fool, steps = visualization.fooling_image(*MLP, x, target, 0.1, 200)
    assert_unchanged("x after fooling_image", X_VAL[2], x)
    assert_property(0 < steps < 200 and int(np.argmax(MLP[0](x_fool[None]))) == target,
                    f"fooling_image took {steps} steps and ended on class {int(np.argmax(MLP[0](x_fool[None])))}, not {target}")
    assert_property(np.linalg.norm(x_fool - x) <= 0.1 * steps + 1e-9, "each step has length lr: ||x_fool - x|| <= lr * steps")


# -- 14.5 PCA ----------------------------------------------------------------------------------

def correlated(r, count, dims):
    """Correlated columns of distinct variances, far from the origin."""
    mixing = r.standard_normal((dims, dims)) * np.linspace(2.0, 0.3, dims)[:, None]
    return r.standard_normal((count, dims)) @ mixing + 3.0


@examples.register
def pca(vz):
    outputs = {}
    for k, (count, dims) in ((2, (30, 5)), (4, (12, 4))):
        components, projected, ratio = vz.pca(correlated(rng(145 + k), count, dims), k)
        outputs.update({f"components, k = {k}": components, f"projected, k = {k}": projected, f"explained_variance_ratio, k = {k}": ratio})
    return outputs


def test_pca():
    """pca: orthonormal components, largest-magnitude entry positive (first on ties), ratio of the total variance; ValueErrors."""
    examples.check(pca, visualization)
    X = correlated(rng(150), 20, 6)
    components, projected, ratio = visualization.pca(X, 3)
    assert_close("components @ components.T", components @ components.T, np.eye(3))
    for j, component in enumerate(components):
        assert_property(component[np.argmax(np.abs(component))] > 0, f"component {j}'s largest-magnitude entry is negative")
    assert_close("projected", projected, (X - X.mean(axis=0)) @ components.T)
    assert_close("explained_variance_ratio at k = D sums to", float(visualization.pca(X, 6)[2].sum()), 1.0)
    t = rng(151).standard_normal(10)
    tied = np.column_stack([t, -(1 + 1e-12) * t, 0.1 * rng(152).standard_normal(10)])
    assert_property(visualization.pca(tied, 1)[0][0, 0] > 0, "magnitudes within 1e-9 are tied: the first of them is made positive")
    for k in (0, 7, 2.0):
        with pytest.raises(ValueError):
            visualization.pca(X, k)
    with pytest.raises(ValueError):
        visualization.pca(np.tile([1.0, 2.0, 3.0], (4, 1)), 1)
