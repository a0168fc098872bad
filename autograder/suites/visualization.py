"""Graded cases for visualization.py (assignment 14): saliency, occlusion, class visualization, fooling images, PCA.

The student's functions get the model as two functions, ``scores`` and ``input_gradient``:
probes (:func:`autograder.probes.network_scores`, :func:`~autograder.probes.network_input_gradient`)
with a network's weights bound, which cross to the worker as plain arrays. The networks are the
two classifiers of the 8 x 8 digits trained by ``assignments/data/visualization_models.py``
(softmax regression and a 32-unit ReLU MLP, weights in ``visualization_models.npz``) on digits
of ``digits.npz``, and random ReLU networks on non-square images, so that rows and columns
cannot be swapped unseen. Hidden cases draw digits, targets, sizes and networks afresh.

The rules sloppy code gets wrong decide every case's answer: saliency batches hold a digit the
model misclassifies (the predicted class's gradient is not the true one's) and signed
gradients of both signs; occlusion strides that do not divide H - patch where a patch would
run off the image, patch 1 and patch = min(H, W), a fill other than 0; class visualization
with l2 > 0 from a non-zero start, and steps = 0; fooling that stops at step 0 (the target
already highest, a zero gradient, max_steps = 0), and a target tied with a lower class, which
never wins (the first maximum is the other class), so all max_steps are taken; PCA on data
far from the origin, with k = min(N, D), and a component whose two largest magnitudes differ
by 1e-12 relative (tied: the first is made positive, where a plain argmax picks the second).

Everything is deterministic: cases are judged against the reference (relative error 1e-6).
Each wrong implementation in MUTATIONS of tests/test_visualization_grading.py failed exactly
the same cases on every secret seed from 1 to 50 (measured in-process, running each case's
plan on the mutated reference). PCA cases judge three draws each, because a PCA that keeps
the signs np.linalg.svd gives is right by chance on a draw with probability 2^-k.

Time: a correct submission scoring one image at a time in plain loops (LOOPS in the grading
tests) took at most 0.052 s for any case and 0.204 s for the whole suite, over secret seeds
1 to 4, against the default 10 s per case.
"""

from __future__ import annotations

import numpy as np

from .. import probes
from ..hints import Hint
from ..judge import Compare, Raises
from ..plan import Call, Func, Plan
from ..suite import Case, Suite, data_file

DATA = ("digits.npz", "visualization_models.npz")
KEEPS = Compare(tol=0.0, form_only=("result",))


# -- models and images -------------------------------------------------------------------------

def model(layers) -> tuple:
    """The probes ``(scores, input_gradient)`` of the ReLU network with ``layers`` [(W, b), ...]."""
    bound = (("weights", tuple(W for W, _ in layers)), ("biases", tuple(b for _, b in layers)))
    return Func("probe", "network_scores", bound), Func("probe", "network_input_gradient", bound)


def trained(name) -> list:
    """The layers of the trained digit classifier ``name`` ("linear" or "mlp")."""
    arrays = data_file("visualization_models.npz")
    depth = sum(key.startswith(f"{name}_W") for key in arrays)
    return [(arrays[f"{name}_W{l}"], arrays[f"{name}_b{l}"]) for l in range(1, depth + 1)]


def digits() -> tuple:
    """The validation digits, pixels / 16 in [0, 1], and their labels."""
    arrays = data_file("digits.npz")
    return arrays["X_val"] / 16.0, arrays["y_val"]


def network_scores(layers, X) -> np.ndarray:
    """The scores of ``layers`` on images X, by the probe the student's code gets (for choosing inputs)."""
    return probes.network_scores(X, [W for W, _ in layers], [b for _, b in layers])


def some_digits(rng, layers, count) -> tuple:
    """``count`` validation digits and their labels, in a random order, the first drawn among those
    ``layers`` misclassify: its predicted class is not its label."""
    X, y = digits()
    wrong = np.flatnonzero(np.argmax(network_scores(layers, X), axis=1) != y)
    rows = rng.permutation(np.concatenate([[rng.choice(wrong)], rng.choice(np.setdiff1d(np.arange(len(y)), wrong), count - 1, replace=False)]))
    return X[rows], y[rows].copy()


def random_layers(rng, pixels, hidden, classes) -> list:
    """A ReLU network's layers [(W, b), ...] from ``pixels`` inputs through ``hidden`` to ``classes``, random."""
    dims = [pixels, *hidden, classes]
    return [(rng.standard_normal((m, n)) * np.sqrt(2.0 / m), 0.1 * rng.standard_normal(n)) for m, n in zip(dims[:-1], dims[1:])]


def random_images(rng, count, height, width) -> np.ndarray:
    """``count`` images of uniform pixels in [0, 1], shape (count, height, width)."""
    return rng.random((count, height, width))


def non_square(rng) -> tuple:
    """(H, W), different, each in [5, 9]."""
    height, width = (int(v) for v in rng.choice(np.arange(5, 10), size=2, replace=False))
    return height, width


def random_network(rng, height, width) -> list:
    """A random ReLU network on (height, width) images: 1 or 2 hidden layers, 4 to 7 classes."""
    hidden = [int(v) for v in rng.integers(6, 16, size=int(rng.integers(1, 3)))]
    return random_layers(rng, height * width, hidden, int(rng.integers(4, 8)))


# -- plans -------------------------------------------------------------------------------------

def several(function, draws, outputs=None):
    """One call per (name, draw): ``function(*draw(rng))``; each result named (``outputs(name, call)``:
    several named outputs of one call)."""
    def build(rng):
        calls = {name: Call(function, *draw(rng)) for name, draw in draws}
        named = {}
        for name, call in calls.items():
            named.update(outputs(name, call) if outputs else {name: call.out})
        return Plan(list(calls.values()), named)
    return build


def with_model(layers_of, images_of):
    """A draw ``(scores, input_gradient, *images_of(rng, layers))`` for the network ``layers_of(rng)``."""
    def draw(rng):
        layers = layers_of(rng)
        return (*model(layers), *images_of(rng, layers))
    return draw


def occluding(layers_of, images_of):
    """A draw ``(scores, *images_of(rng, layers))``: occlusion_map takes no gradient."""
    def draw(rng):
        layers = layers_of(rng)
        return (model(layers)[0], *images_of(rng, layers))
    return draw


def fooling_outputs(name, call):
    """fooling_image's count of steps and its image, named after the scene (steps first: a wrong count says more)."""
    return {f"steps, {name}": call.out[1], f"x_fool, {name}": call.out[0]}


def raising(name, function, *args) -> Case:
    """A case worth 0.5 whose one call the contract says must raise ValueError."""
    def build(rng):
        call = Call(function, *args)
        return Plan([call], {"result": call.out})
    return Case(f"{function} raises ValueError: {name}", 0.5, build, Raises(ValueError))


def keeps(function, draw, argument, name, result=lambda call: call.out):
    """``function(*draw(rng))`` must leave its argument at position ``argument`` (called ``name``) as it
    was; ``result(call)`` is the output that must still be well formed."""
    def build(rng):
        call = Call(function, *draw(rng))
        return Plan([call], {f"{name} after {function}": call.arg(argument), "result": result(call)})
    return build


# -- saliency ----------------------------------------------------------------------------------

def saliency_digits(name, count):
    """A draw for saliency_map on ``count`` digits with the trained model ``name``."""
    return with_model(lambda rng: trained(name), lambda rng, layers: some_digits(rng, layers, count))


def saliency_random(count):
    """A draw for saliency_map on ``count`` random non-square images, a random network, random labels."""
    def draw(rng):
        height, width = non_square(rng)
        layers = random_network(rng, height, width)
        return (*model(layers), random_images(rng, count, height, width), rng.integers(0, len(layers[-1][1]), size=count))
    return draw


# -- occlusion ---------------------------------------------------------------------------------

def running_off(rng) -> tuple:
    """(H, W, patch, stride) with H != W and a stride that does not divide H - patch nor W - patch,
    where a patch at the next multiple of the stride would run off the image along both axes."""
    while True:
        height, width = non_square(rng)
        patch, stride = int(rng.integers(2, min(height, width) + 1)), int(rng.integers(2, 4))
        if all((side - 1) // stride > (side - patch) // stride for side in (height, width)):
            return height, width, patch, stride


def occlusion_random(rng):
    """A random network, 3 images and random labels, with running_off's sizes and a random fill."""
    height, width, patch, stride = running_off(rng)
    layers = random_network(rng, height, width)
    labels = rng.integers(0, len(layers[-1][1]), size=3)
    return model(layers)[0], random_images(rng, 3, height, width), labels, patch, stride, float(rng.uniform(0.2, 0.8))


def occlusion_limits(patch_of):
    """A draw on 2 random (5, 7) images with patch ``patch_of(5, 7)`` and stride 1."""
    def draw(rng):
        layers = random_network(rng, 5, 7)
        return model(layers)[0], random_images(rng, 2, 5, 7), rng.integers(0, len(layers[-1][1]), size=2), patch_of(5, 7), 1
    return draw


# -- class visualization and fooling -----------------------------------------------------------

def visualizing(name, steps, lr, l2, start):
    """A draw for class_visualization with the trained model ``name`` and class 3; ``start``: a digit as x0."""
    def draw(rng):
        x0 = some_digits(rng, trained(name), 1)[0][0] if start else None
        return (*model(trained(name)), 3, (8, 8), steps, lr, l2, x0)
    return draw


def visualizing_random(rng):
    """class_visualization on a random network and non-square shape, random target, lr, l2 and start."""
    height, width = non_square(rng)
    layers = random_network(rng, height, width)
    target = int(rng.integers(len(layers[-1][1])))
    return (*model(layers), target, (height, width), int(rng.integers(5, 30)), float(rng.uniform(0.05, 0.3)),
            float(rng.uniform(0.01, 0.2)), random_images(rng, 1, height, width)[0])


def visualizing_trained(rng):
    """class_visualization with a trained model, random target, steps, lr and l2, from zeros or a digit."""
    layers = trained(str(rng.choice(["linear", "mlp"])))
    x0 = some_digits(rng, layers, 1)[0][0] if rng.random() < 0.5 else None
    return (*model(layers), int(rng.integers(10)), (8, 8), int(rng.integers(10, 60)), float(rng.uniform(0.05, 0.5)),
            float(rng.uniform(0.005, 0.1)), x0)


def fooling(name, lr=0.1, max_steps=100):
    """A draw for fooling_image: a digit the trained model ``name`` classifies right, a target that is another class."""
    def draw(rng):
        layers = trained(name)
        X, y = digits()
        right = np.flatnonzero(np.argmax(network_scores(layers, X), axis=1) == y)
        row = int(rng.choice(right))
        return (*model(layers), X[row], int((y[row] + rng.integers(1, 10)) % 10), lr, max_steps)
    return draw


def fooling_trained(rng):
    """fooling_image with a trained model, a random digit and target, lr and max_steps."""
    draw = fooling(str(rng.choice(["linear", "mlp"])), float(rng.uniform(0.05, 0.2)), int(rng.integers(20, 120)))
    return draw(rng)


def fooling_random(rng):
    """fooling_image on a random network and non-square image, a random target other than its class."""
    height, width = non_square(rng)
    layers = random_network(rng, height, width)
    x = random_images(rng, 1, height, width)
    others = np.setdiff1d(np.arange(len(layers[-1][1])), np.argmax(network_scores(layers, x), axis=1))
    return (*model(layers), x[0], int(rng.choice(others)), float(rng.uniform(0.05, 0.3)), int(rng.integers(5, 60)))


def tied_linear(rng, first, second) -> list:
    """A linear model on 6 x 6 images, 5 classes, where classes ``first`` and ``second`` score exactly
    the same on every image (both read one pixel, with the same weight 2: one product each, so no
    rounding can split them, and a gradient of norm 2, so an unnormalized step shows) and more than
    any other on images in [0, 1]."""
    W, b = 0.1 * rng.standard_normal((36, 5)), 0.1 * rng.standard_normal(5)
    W[:, [first, second]] = 0.0
    W[int(rng.integers(36)), [first, second]] = 2.0
    b[[first, second]] = 5.0
    return [(W, b)]


def fooling_ties(target):
    """fooling_image on tied_linear(1, 3), aiming at ``target``: 1 stops at once, 3 never wins the tie."""
    def draw(rng):
        return (*model(tied_linear(rng, 1, 3)), random_images(rng, 1, 6, 6)[0], target, 0.25, 7)
    return draw


def zero_gradient(rng):
    """fooling_image where the target's score does not depend on the image: stop at step 0."""
    W, b = 0.5 * rng.standard_normal((64, 10)), rng.standard_normal(10)
    W[:, 4], b[4] = 0.0, -10.0
    X, _ = digits()
    return (*model([(W, b)]), X[int(rng.integers(len(X)))], 4, 0.1, 50)


def already_there(rng):
    """fooling_image aiming at the class the MLP already gives the digit: stop at step 0."""
    layers = trained("mlp")
    X, _ = digits()
    x = X[int(rng.integers(len(X)))]
    return (*model(layers), x, int(np.argmax(network_scores(layers, x[None]))), 0.1, 50)


def no_steps(rng):
    """fooling_image with max_steps = 0."""
    draw = fooling("linear", 0.1, 0)
    return draw(rng)


# -- PCA ---------------------------------------------------------------------------------------

def correlated(rng, count, dims, offset=3.0) -> np.ndarray:
    """(count, dims) data: correlated columns of distinct variances, centred far from 0 (uncentred PCA is wrong)."""
    mixing = rng.standard_normal((dims, dims)) * np.linspace(2.0, 0.3, dims)[:, None]
    return rng.standard_normal((count, dims)) @ mixing + offset + rng.standard_normal(dims)


def tied_signs(rng) -> np.ndarray:
    """(20, 4) data whose top component is about (1, -(1 + 1e-12), 0, 0) / sqrt(2): its two largest
    magnitudes are tied within 1e-9, so the first (positive) decides the sign, not the larger."""
    t = rng.standard_normal(20) * 5.0
    return np.column_stack([t, -(1 + 1e-12) * t, 0.3 * rng.standard_normal(20), 0.2 * rng.standard_normal(20)]) + 2.0


PCA_OUTPUTS = ("components", "projected", "explained_variance_ratio")


def pca_cases(name, draws, points, **options) -> list:
    """One case per output of pca in ``points`` (output -> points), each judging that output of
    pca(*draw(rng)) for every draw of ``draws``: several draws, so that signs as the SVD happened
    to leave them are right on all of them by chance only rarely (1 in 2 per component)."""
    def build_for(output):
        def build(rng):
            calls = [Call("pca", *draw(rng)) for draw in draws]
            label = (lambda i: output) if len(draws) == 1 else (lambda i: f"{output}, data {i + 1}")
            return Plan(calls, {label(i): call.out[PCA_OUTPUTS.index(output)] for i, call in enumerate(calls)})
        return build

    return [Case(name if len(points) == 1 else f"{name}: {output}", worth, build_for(output), **options) for output, worth in points.items()]


def pca_random(rng):
    """Random correlated data (N in [8, 40], D in [3, 8]) and k in [2, D - 1]."""
    count, dims = int(rng.integers(8, 41)), int(rng.integers(3, 9))
    return correlated(rng, count, dims), int(rng.integers(2, dims))


def pca_hidden(rng):
    """The MLP's hidden layer on 60 to 300 validation digits, k in [2, 5]."""
    (W1, b1), _ = trained("mlp")
    X, _ = digits()
    rows = rng.choice(len(X), int(rng.integers(60, 301)), replace=False)
    return np.maximum(X[rows].reshape(len(rows), -1) @ W1 + b1, 0.0), int(rng.integers(2, 6))


# -- misconceptions ----------------------------------------------------------------------------
# Each is a wrong implementation run in the grader on the plan's inputs; a hint is offered only
# when the student's answer matches it and it differs from the right one (see autograder/hints.py).

def one_hot(count, classes, labels) -> np.ndarray:
    """dscores (count, classes), 1 at [i, labels[i]]."""
    dscores = np.zeros((count, classes))
    dscores[np.arange(count), labels] = 1.0
    return dscores


def saliency_variant(kind):
    """saliency_map that keeps the gradient's sign ("signed"), or takes the predicted class's gradient ("predicted")."""
    def saliency_map(scores, input_gradient, X, y):
        s = scores(X)
        labels = np.argmax(s, axis=1) if kind == "predicted" else y
        gradient = input_gradient(X, one_hot(len(X), s.shape[1], labels))
        return gradient if kind == "signed" else np.abs(gradient)
    return saliency_map


def occlusion_variant(kind):
    """occlusion_map giving the occluded score ("occluded"), the rise instead of the drop ("reversed"),
    or with corners at every multiple of the stride inside the image, patches clipped at its border ("off")."""
    def occlusion_map(scores, X, y, patch, stride=1, fill=0.0):
        count, height, width = X.shape
        last = (lambda side: side - 1) if kind == "off" else (lambda side: side - patch)
        rows, cols = last(height) // stride + 1, last(width) // stride + 1
        base = scores(X)[np.arange(count), y]
        out = np.zeros((count, rows, cols))
        for r in range(rows):
            for c in range(cols):
                covered = X.copy()
                covered[:, r * stride : r * stride + patch, c * stride : c * stride + patch] = fill
                occluded = scores(covered)[np.arange(count), y]
                out[:, r, c] = {"occluded": occluded, "reversed": occluded - base}.get(kind, base - occluded)
        return out
    return occlusion_map


def ascent_variant(l2_sign=-1.0, l2_factor=2.0, direction=1.0):
    """class_visualization stepping x + lr * (direction * g + l2_sign * l2_factor * l2 * x)."""
    def class_visualization(scores, input_gradient, target, shape, steps, lr, l2=0.0, x0=None):
        x = np.zeros(shape) if x0 is None else np.array(x0, dtype=np.float64)
        dscores = one_hot(1, scores(x[None]).shape[1], [target])
        for _ in range(steps):
            x = x + lr * (direction * input_gradient(x[None], dscores)[0] + l2_sign * l2_factor * l2 * x)
        return x
    return class_visualization


def fooling_variant(normalized=True, reached="argmax", check_first=True):
    """fooling_image with an unnormalized step, the target "reached" when its score equals the maximum
    ("tie") or, with ``check_first=False``, a step taken before the first check."""
    def fooling_image(scores, input_gradient, x, target, lr, max_steps):
        x = np.array(x, dtype=np.float64)
        for step in range(max_steps):
            s = scores(x[None])[0]
            done = s[target] >= s.max() if reached == "tie" else int(np.argmax(s)) == target
            if done and (check_first or step > 0):
                return x, step
            g = input_gradient(x[None], one_hot(1, len(s), [target]))[0]
            norm = np.sqrt(np.sum(g**2))
            if norm == 0:
                return x, step
            x = x + lr * (g / norm if normalized else g)
        return x, max_steps
    return fooling_image


def pca_variant(centred=True, signs=True, ratio_of="all"):
    """pca without centring, without the sign rule (LAPACK's signs), or with the ratio over the top k's variance."""
    def pca(X, k):
        X = np.asarray(X, dtype=np.float64)
        data = X - X.mean(axis=0) if centred else X
        _, singular, vt = np.linalg.svd(data, full_matrices=False)
        components = vt[:k].copy()
        if signs:
            for component in components:
                first = int(np.argmax(np.abs(component) >= (1 - 1e-9) * np.abs(component).max()))
                component *= np.sign(component[first])
        variance = singular**2
        return components, data @ components.T, variance[:k] / (variance.sum() if ratio_of == "all" else variance[:k].sum())
    return pca


def largest_first_sign(expected, plan):
    """The components with the sign rule by a plain argmax of the magnitudes: ties to the larger."""
    components = expected["components"].copy()
    for component in components:
        component *= np.sign(component[int(np.argmax(np.abs(component)))])
    return {"components": components}


SIGNED = Hint(
    "signed gradient", "Your saliency keeps the gradient's sign; a saliency map is its magnitude, |d score / d pixel|: "
    "a pixel matters as much when raising it lowers the score as when it raises it.", replace={"saliency_map": saliency_variant("signed")})
PREDICTED_CLASS = Hint(
    "the predicted class's gradient", "Your saliency is the gradient of the highest score, the predicted class; it is "
    "the true class y[i]'s score that is differentiated (they differ where the model is wrong).",
    replace={"saliency_map": saliency_variant("predicted")})
OCCLUDED_SCORE = Hint(
    "the occluded score", "Your map holds the true class's score with the patch covered; occlusion measures the drop: "
    "the score of the whole image minus the score with the patch covered.", replace={"occlusion_map": occlusion_variant("occluded")})
RISE = Hint(
    "the rise instead of the drop", "Your map is the occluded score minus the image's score; the contract takes the "
    "image's score minus the occluded one, positive where covering the patch hurts the true class.",
    replace={"occlusion_map": occlusion_variant("reversed")})
RUNS_OFF = Hint(
    "patches running off the image", "Your map has a patch at every multiple of the stride, cut off at the image's "
    "border; only patches that fit inside count: H' = (H - patch) // stride + 1.", replace={"occlusion_map": occlusion_variant("off")})
L2_SIGN = Hint(
    "the l2 term's sign", "Your ascent adds 2 * l2 * x; the penalty - l2 * sum(x ** 2) is subtracted from the score, so its "
    "gradient - 2 * l2 * x shrinks the image at every step.", replace={"class_visualization": ascent_variant(l2_sign=1.0)})
L2_FACTOR = Hint(
    "the l2 term's factor", "Your ascent uses l2 * x; the gradient of l2 * sum(x ** 2) is 2 * l2 * x.",
    replace={"class_visualization": ascent_variant(l2_factor=1.0)})
DESCENT = Hint(
    "descent instead of ascent", "Your image moves against the gradient of the target's score; class visualization "
    "climbs it: x = x + lr * (d score / dx - 2 * l2 * x).", replace={"class_visualization": ascent_variant(direction=-1.0)})
UNNORMALIZED = Hint(
    "an unnormalized step", "Your step is lr * g; the fooling step has length lr: x = x + lr * g / ||g||_2.",
    replace={"fooling_image": fooling_variant(normalized=False)})
STOP_AT_TIE = Hint(
    "a tie counted as reached", "Your fooling stops when the target's score equals the highest; the target is reached "
    "when it is the highest score as np.argmax finds it, the first on ties, so a tie with a lower class is not yet enough.",
    replace={"fooling_image": fooling_variant(reached="tie")})
STEP_BEFORE_CHECK = Hint(
    "a step before the first check", "Your fooling takes a step before looking at the scores; the check comes before "
    "each step, so an image already classified as the target is returned unchanged after 0 steps.",
    replace={"fooling_image": fooling_variant(check_first=False)})
UNCENTRED = Hint(
    "PCA on uncentred data", "Your PCA decomposes X itself; subtract the column means first, or the first component "
    "points at the data's mean instead of along its largest variance.", replace={"pca": pca_variant(centred=False)})
SIGNS_IGNORED = Hint(
    "signs as the SVD left them", "Your components keep the signs np.linalg.svd happened to give; the contract makes each "
    "component's largest-magnitude entry positive (flip the component and its column of projected).",
    replace={"pca": pca_variant(signs=False)})
TIE_TO_LARGER = Hint(
    "sign ties to the larger entry", "Your sign rule picks the largest magnitude with a plain argmax; magnitudes within a "
    "relative 1e-9 count as tied, and the first of them is made positive.", wrong=largest_first_sign)
RATIO_OF_K = Hint(
    "the ratio over the top k", "Your explained_variance_ratio divides by the variance of the k components; it divides "
    "by the total variance of X over all D columns, sum(S ** 2), so it sums to 1 only when k = D.",
    replace={"pca": pca_variant(ratio_of="k")})

SALIENCY_HINTS = (SIGNED, PREDICTED_CLASS)
OCCLUSION_HINTS = (OCCLUDED_SCORE, RISE, RUNS_OFF)
ASCENT_HINTS = (L2_SIGN, L2_FACTOR, DESCENT)
FOOLING_HINTS = (UNNORMALIZED, STOP_AT_TIE, STEP_BEFORE_CHECK)
PCA_HINTS = (UNCENTRED, SIGNS_IGNORED, RATIO_OF_K)
PCA_POINTS = {"components": 1, "projected": 0.5, "explained_variance_ratio": 0.5}


# -- the suite ---------------------------------------------------------------------------------

FOOLING_STOPS = [("target already highest", already_there), ("zero gradient", zero_gradient), ("max_steps = 0", no_steps)]


def raising_occlusion(name, patch, stride=1):
    """occlusion_map on two random 5 x 7 images, which must raise ValueError for this patch and stride."""
    def build(rng):
        layers = random_layers(np.random.default_rng(0), 35, [], 3)
        call = Call("occlusion_map", model(layers)[0], np.full((2, 5, 7), 0.5), np.array([0, 2]), patch, stride)
        return Plan([call], {"result": call.out})
    return Case(f"occlusion_map raises ValueError: {name}", 0.5, build, Raises(ValueError))


SUITE = Suite("visualization", (
    Case("saliency_map, the linear model on digits", 1, several("saliency_map", [("saliency", saliency_digits("linear", 4))]),
         about="|the true class's gradient|, one digit misclassified", hints=SALIENCY_HINTS),
    Case("saliency_map, the MLP on digits", 1, several("saliency_map", [("saliency", saliency_digits("mlp", 5))]), hints=SALIENCY_HINTS),
    Case("saliency_map, random networks on non-square images", 1,
         several("saliency_map", [("saliency, 4 images", saliency_random(4)), ("saliency, a batch of 1", saliency_random(1))]),
         visibility="hidden", hints=SALIENCY_HINTS),
    Case("saliency_map, trained models on random digits", 2,
         several("saliency_map", [(f"saliency, {name}", saliency_digits(name, 6)) for name in ("linear", "mlp")]),
         visibility="hidden", hints=SALIENCY_HINTS),
    Case("occlusion_map, patch 2, stride 1, the linear model", 1,
         several("occlusion_map", [("occlusion", occluding(lambda rng: trained("linear"), lambda rng, layers: (*some_digits(rng, layers, 3), 2)))]),
         hints=OCCLUSION_HINTS),
    Case("occlusion_map, patch 3, stride np.int64(2) (not dividing 8 - 3), fill 0.5, the MLP", 1,
         several("occlusion_map", [("occlusion", occluding(lambda rng: trained("mlp"),
                                                           lambda rng, layers: (*some_digits(rng, layers, 3), 3, np.int64(2), 0.5)))]),
         about="H' = (8 - 3) // 2 + 1 = 3", hints=OCCLUSION_HINTS),
    Case("occlusion_map, patch 1 and patch = min(H, W) on 5 x 7 images", 1,
         several("occlusion_map", [("occlusion, patch 1", occlusion_limits(lambda h, w: 1)),
                                   ("occlusion, patch 5", occlusion_limits(min))]), hints=OCCLUSION_HINTS),
    Case("occlusion_map, random sizes, strides not dividing, random fill", 2,
         several("occlusion_map", [(f"occlusion, images {i}", occlusion_random) for i in (1, 2)]), visibility="hidden", hints=OCCLUSION_HINTS),
    Case("occlusion_map, trained models on random digits", 1,
         several("occlusion_map", [(f"occlusion, {name}", occluding(lambda rng, name=name: trained(name),
                                                                    lambda rng, layers: (*some_digits(rng, layers, 2), 3, 2)))
                                   for name in ("linear", "mlp")]), visibility="hidden", hints=OCCLUSION_HINTS),
    raising_occlusion("patch = 0", 0),
    raising_occlusion("patch = min(H, W) + 1", 6),
    raising_occlusion("stride = 0", 2, 0),
    Case("class_visualization, the linear model from zeros", 1, several("class_visualization", [("x", visualizing("linear", 40, 0.2, 0.05, False))]),
         hints=ASCENT_HINTS),
    Case("class_visualization, the MLP from a digit", 1, several("class_visualization", [("x", visualizing("mlp", 25, 0.1, 0.1, True))]),
         hints=ASCENT_HINTS),
    Case("class_visualization, steps = 0", 0.5, several("class_visualization", [("x, from zeros", visualizing("mlp", 0, 0.1, 0.1, False)),
                                                                               ("x, from a digit", visualizing("mlp", 0, 0.1, 0.1, True))])),
    Case("class_visualization, trained models, random targets, lr and l2", 2,
         several("class_visualization", [(f"x, run {i}", visualizing_trained) for i in (1, 2)]), visibility="hidden", hints=ASCENT_HINTS),
    Case("class_visualization, random networks on non-square images", 1, several("class_visualization", [("x", visualizing_random)]),
         visibility="hidden", hints=ASCENT_HINTS),
    Case("class_visualization leaves x0 unchanged", 0.5, keeps("class_visualization", visualizing("mlp", 5, 0.1, 0.1, True), 7, "x0"), KEEPS),
    Case("fooling_image, the linear model on a digit", 1, several("fooling_image", [("a digit", fooling("linear"))], fooling_outputs),
         hints=FOOLING_HINTS),
    Case("fooling_image, the MLP on a digit", 1, several("fooling_image", [("a digit", fooling("mlp"))], fooling_outputs), hints=FOOLING_HINTS),
    Case("fooling_image, stopping at step 0", 1, several("fooling_image", FOOLING_STOPS, fooling_outputs), hints=FOOLING_HINTS),
    Case("fooling_image, a target tied with a lower class", 1,
         several("fooling_image", [("target 1 of tied 1 and 3", fooling_ties(1)), ("target 3 of tied 1 and 3", fooling_ties(3))], fooling_outputs),
         about="the first maximum wins: target 3 is never reached", hints=FOOLING_HINTS),
    Case("fooling_image, trained models, random digits and targets", 2,
         several("fooling_image", [(f"run {i}", fooling_trained) for i in (1, 2)], fooling_outputs), visibility="hidden", hints=FOOLING_HINTS),
    Case("fooling_image, random networks on non-square images", 1, several("fooling_image", [("an image", fooling_random)], fooling_outputs),
         visibility="hidden", hints=FOOLING_HINTS),
    Case("fooling_image leaves x unchanged", 0.5, keeps("fooling_image", fooling("mlp"), 2, "x", lambda call: call.out[0]), KEEPS),
    *pca_cases("pca, correlated data, k = 1, 2 and 3", [lambda rng, k=k: (correlated(rng, 30, 5), k) for k in (1, 2, 3)], PCA_POINTS,
               hints=PCA_HINTS),
    *pca_cases("pca, k = min(N, D) = np.int64(4)", [lambda rng: (correlated(rng, 12, 4), np.int64(4))], PCA_POINTS, hints=PCA_HINTS),
    *pca_cases("pca, tied largest magnitudes", [lambda rng: (tied_signs(rng), 2)], {"components": 1}, hints=(TIE_TO_LARGER, *PCA_HINTS)),
    *pca_cases("pca, random data", [pca_random] * 3, PCA_POINTS, visibility="hidden", hints=PCA_HINTS),
    *pca_cases("pca, the MLP's hidden layer on digits", [pca_hidden] * 3, PCA_POINTS, visibility="hidden", hints=PCA_HINTS),
    raising("k = min(N, D) + 1", "pca", np.arange(12.0).reshape(4, 3) ** 2, 4),
    raising("k = 0", "pca", np.arange(12.0).reshape(4, 3) ** 2, 0),
    raising("no variance (every row the same)", "pca", np.tile([0.1, 2.0, -3.0], (5, 1)), 1),
), data=DATA)
