"""What the reference tests share: importing a solution or a stub by path, torch tensors of
numpy arrays, and central differences computed here, independent of any reference's own."""

import importlib.util

import numpy as np
import torch


def load(path, name):
    """Import a module from a file path, outside any package."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def t(a, grad=False):
    """A float64 torch tensor copied from a numpy array."""
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar f at x (x is restored afterwards)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad
