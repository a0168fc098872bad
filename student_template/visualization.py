"""Assignment 14: seeing what a network learned: saliency, occlusion, class visualization, fooling images, PCA.

A trained classifier is a function from images to class scores; these tools ask it what it
looks at. A saliency map is the size of the gradient of the true class's score with respect to
each pixel (Simonyan et al., 2014); an occlusion map is how much that score drops when a patch
of the image is greyed out (Zeiler and Fergus, 2014). Gradient ascent on the input instead of
the weights makes an image the network scores highly as a class (class visualization), or
nudges a real image until the network calls it something else (a fooling image). PCA shows a
layer's representations of many images in two dimensions.

Tasks:
    14.1  saliency_map           14.4  fooling_image
    14.2  occlusion_map          14.5  pca
    14.3  class_visualization

A model is given as two functions, never as weights:

    scores(X) -> (N, C)                  the class scores of N images X (N, H, W)
    input_gradient(X, dscores) -> dX     (N, H, W): the gradient of sum(dscores * scores(X))
                                         with respect to X, for dscores (N, C)

Row i of scores(X) depends on image X[i] only, so images may be scored in one batch; a single
image x (H, W) is passed as x[None]. The gradient of the score of class c of every image is
input_gradient(X, dscores) with dscores one-hot: dscores[i, c] = 1, 0 elsewhere.

Conventions: outputs are float64; the inputs are never modified; sizes (patch, stride, k) are
integers (Python's or numpy's), else ValueError. Use numpy and the standard library only.
"""

import numpy as np


def saliency_map(scores, input_gradient, X, y):
    """Saliency maps: how strongly each pixel moves the true class's score. Task 14.1.

        saliency[i, r, c] = | d scores(X)[i, y[i]] / d X[i, r, c] |

    The magnitude, not the signed gradient: a pixel matters as much when raising it lowers
    the score as when it raises it.

    Args:
        scores, input_gradient: the model (see the module docstring).
        X: images, shape (N, H, W).
        y: their true classes, integers of shape (N,).
    Returns:
        saliency: shape (N, H, W), float64, >= 0.
    """
    raise NotImplementedError("saliency_map: not implemented yet (task 14.1)")


def occlusion_map(scores, X, y, patch, stride=1, fill=0.0):
    """Occlusion maps: how much the true class's score drops when a square patch is covered. Task 14.2.

    The patches lie inside the image, with their top-left corners (r * stride, c * stride):

        out[i, r, c] = scores(X)[i, y[i]] - scores(X with X[i, r*stride : r*stride + patch,
                                                         c*stride : c*stride + patch] = fill)[i, y[i]]

    for r < H' = (H - patch) // stride + 1 and c < W' = (W - patch) // stride + 1 (a stride
    that does not divide H - patch leaves the last rows or columns uncovered; no patch runs
    off the image). Positive where covering the patch hurts the true class.

    Args:
        scores: the model's scores function.
        X: images, shape (N, H, W).
        y: their true classes, integers of shape (N,).
        patch: the side of the square patch, an integer with 1 <= patch <= min(H, W).
        stride: the step between patches, an integer >= 1.
        fill: the value the covered pixels take.
    Returns:
        out: shape (N, H', W'), float64.
    Raises:
        ValueError: patch or stride not an integer, or out of range.
    """
    raise NotImplementedError("occlusion_map: not implemented yet (task 14.2)")


def class_visualization(scores, input_gradient, target, shape, steps, lr, l2=0.0, x0=None):
    """An image the model scores highly as class ``target``, by gradient ascent on the input. Task 14.3.

    Maximizes scores(x[None])[0, target] - l2 * sum(x ** 2) from x0 (zeros if None): ``steps``
    times,

        x = x + lr * (d scores(x[None])[0, target] / dx - 2 * l2 * x)

    The l2 term keeps the image small, so it cannot raise the score by growing without bound.

    Args:
        scores, input_gradient: the model (see the module docstring).
        target: the class to visualize, an integer.
        shape: the image's shape (H, W).
        steps: the number of ascent steps (0: x0 itself).
        lr: the step size.
        l2: the weight of the penalty on the image's squared norm.
        x0: the starting image, shape ``shape`` (not modified), or None for zeros.
    Returns:
        x: shape (H, W), float64.
    Raises:
        ValueError: x0 does not have shape ``shape``.
    """
    raise NotImplementedError("class_visualization: not implemented yet (task 14.3)")


def fooling_image(scores, input_gradient, x, target, lr, max_steps):
    """Change image x a little at a time until the model classifies it as ``target``. Task 14.4.

    Before each step: stop if the highest score of scores(x[None])[0] (the first on ties, as
    np.argmax) is ``target``; else, with g the gradient of the target's score with respect to
    x, stop if g is zero everywhere, otherwise take a step of length lr along g:

        x = x + lr * g / ||g||_2        (||g||_2 = sqrt(sum(g ** 2)))

    Args:
        scores, input_gradient: the model (see the module docstring).
        x: the image to change, shape (H, W) (not modified).
        target: the class to reach, an integer.
        lr: the length of each step.
        max_steps: the most steps to take.
    Returns:
        x_fool: the last image, shape (H, W), float64 (x itself, copied, after no step).
        steps: the number of steps taken, an int in [0, max_steps].
    """
    raise NotImplementedError("fooling_image: not implemented yet (task 14.4)")


def pca(X, k):
    """Principal component analysis of the rows of X, by the singular value decomposition. Task 14.5.

    With Xc = X minus its column means and Xc = U diag(S) V^T (S in decreasing order):

        components = the first k rows of V^T, shape (k, D), orthonormal
        projected = Xc @ components.T, shape (N, k)
        explained_variance_ratio[j] = S[j] ** 2 / sum(S ** 2), shape (k,)

    the share of the total variance of X (over all D columns) along component j. A singular
    vector's sign is arbitrary, so each component is made to have its largest-magnitude entry
    positive (the first such entry when magnitudes are tied: within a relative 1e-9 of the
    largest). A component whose singular value is 0 may be any unit vector that completes
    the orthonormal set.

    Args:
        X: data, shape (N, D), one example per row.
        k: the number of components, an integer with 1 <= k <= min(N, D).
    Returns:
        (components (k, D), projected (N, k), explained_variance_ratio (k,)), float64.
    Raises:
        ValueError: k not an integer or out of range; X has no variance at all (every row the same).
    """
    raise NotImplementedError("pca: not implemented yet (task 14.5)")
