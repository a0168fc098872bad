"""Two small classifiers of the 8 x 8 digits, for visualization.py: trained here, loaded by the notebook.

Both read an image as its 64 pixels divided by 16 (values in [0, 1]), row by row:

- ``linear``: softmax regression, scores = x @ W1 + b1 (W1 (64, 10));
- ``mlp``: one hidden layer of 32 ReLU units, scores = relu(x @ W1 + b1) @ W2 + b2.

Each is trained on ``digits.npz``'s training images by full-batch gradient descent on the mean
softmax cross-entropy plus (REG / 2) * the sum of squared weights, from a fixed seed (He
initialization for the MLP, zeros for the linear model). Deterministic, numpy only, a few
seconds on one core.

    python assignments/data/visualization_models.py [OUT]   # rewrites visualization_models.npz (or writes OUT)

``visualization_models.npz`` holds ``{model}_W{l}`` and ``{model}_b{l}`` for l = 1, 2, ... (float64).
In the notebook:

    import visualization_models as models       # from the data folder
    layers = models.load_models()["mlp"]         # [(W1, b1), (W2, b2)]
    scores, input_gradient = models.functions(layers)
"""

import io
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = HERE / "visualization_models.npz"
DIGITS = HERE / "digits.npz"
ARCHITECTURES = {"linear": [64, 10], "mlp": [64, 32, 10]}
SEED = 2014  # the year of Simonyan et al.'s saliency maps
STEPS, LR, REG = 1500, 0.5, 1e-3


def load_digits(path=DIGITS) -> dict:
    """The digits with pixels scaled to [0, 1]: {"X_train": (1197, 8, 8) float64, "y_train", "X_val", ...}."""
    with np.load(path) as data:
        return {name: data[name] / 16.0 if name.startswith("X") else data[name] for name in data.files}


def load_models(path=MODELS) -> dict:
    """{"linear": [(W1, b1)], "mlp": [(W1, b1), (W2, b2)]}: each model's layers, first to last."""
    with np.load(path) as data:
        return {name: [(data[f"{name}_W{l}"], data[f"{name}_b{l}"]) for l in range(1, len(dims))]
                for name, dims in ARCHITECTURES.items()}


def forward(layers, X):
    """Scores (N, C) of images X (N, H, W), and each layer's input (the flattened images, then the hidden activations)."""
    h, inputs = np.reshape(X, (len(X), -1)), []
    for i, (W, b) in enumerate(layers):
        inputs.append(h)
        h = h @ W + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return h, inputs


def backward(layers, inputs, dscores):
    """Gradients of sum(dscores * scores): the input's (N, D) and each layer's (dW, db)."""
    grads, dh = [], dscores
    for i in reversed(range(len(layers))):
        W, _ = layers[i]
        grads.append((inputs[i].T @ dh, dh.sum(axis=0)))
        dh = dh @ W.T
        if i > 0:
            dh = dh * (inputs[i] > 0)  # inputs[i] is the ReLU's output: its slope is 1 where it is positive
    return dh, grads[::-1]


def functions(layers):
    """The model as visualization.py takes it: ``scores(X) -> (N, C)`` and ``input_gradient(X, dscores) -> (N, H, W)``."""
    def scores(X):
        return forward(layers, X)[0]

    def input_gradient(X, dscores):
        dX, _ = backward(layers, forward(layers, X)[1], dscores)
        return dX.reshape(np.shape(X))

    return scores, input_gradient


def hidden(layers, X):
    """The first hidden layer's activations (N, H1) of images X: what the MLP has made of them."""
    W1, b1 = layers[0]
    return np.maximum(np.reshape(X, (len(X), -1)) @ W1 + b1, 0.0)


def train(dims, X, y, rng) -> list:
    """Full-batch gradient descent from He initialization (zeros for a single layer); the layers."""
    layers = [(rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in) if len(dims) > 2 else np.zeros((fan_in, fan_out)),
               np.zeros(fan_out)) for fan_in, fan_out in zip(dims[:-1], dims[1:])]
    onehot = np.eye(dims[-1])[y]
    for _ in range(STEPS):
        scores, inputs = forward(layers, X)
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        _, grads = backward(layers, inputs, (probs - onehot) / len(X))
        layers = [(W - LR * (dW + REG * W), b - LR * db) for (W, b), (dW, db) in zip(layers, grads)]
    return layers


def accuracy(layers, X, y) -> float:
    """The share of images whose highest score (the first on ties) is the label."""
    return float(np.mean(np.argmax(forward(layers, X)[0], axis=1) == y))


def main(out=MODELS) -> None:
    digits = load_digits()
    rng = np.random.default_rng(SEED)
    arrays = {}
    for name, dims in ARCHITECTURES.items():
        layers = train(dims, digits["X_train"], digits["y_train"], rng)
        print(f"{name}: train accuracy {accuracy(layers, digits['X_train'], digits['y_train']):.3f}, "
              f"validation {accuracy(layers, digits['X_val'], digits['y_val']):.3f}")
        for l, (W, b) in enumerate(layers, start=1):
            arrays[f"{name}_W{l}"], arrays[f"{name}_b{l}"] = W, b
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    Path(out).write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main(*sys.argv[1:])
