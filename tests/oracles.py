"""What the reference tests share: importing a solution or a stub by path, torch tensors of
numpy arrays, central differences computed here (independent of any reference's own), and
the checks that a stub has its reference's API and says which task it is."""

import importlib.util
import inspect

import numpy as np
import pytest
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


def public_functions(module) -> list:
    """The names of the public functions ``module`` defines (not imports), in source order."""
    return [name for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and name[0] != "_"]


def assert_stub_mirrors(reference, stub, names, task):
    """The stub and the reference define the functions ``names`` (the SPEC's, in its order) and
    no others, with the same signatures and docstrings (the modules' too); function k's
    docstring says "Task TASK.k."."""
    assert public_functions(reference) == names
    assert public_functions(stub) == names
    assert stub.__doc__ == reference.__doc__
    for k, name in enumerate(names, start=1):
        ref_fn, stub_fn = getattr(reference, name), getattr(stub, name)
        assert inspect.signature(stub_fn) == inspect.signature(ref_fn), name
        assert stub_fn.__doc__ == ref_fn.__doc__, name
        assert f"Task {task}.{k}." in ref_fn.__doc__, name


def assert_stub_raises(stub, name, task, k):
    """The stub's ``name``, called with None for each required argument, raises
    NotImplementedError with "NAME: not implemented yet (task TASK.K)" and nothing more."""
    fn = getattr(stub, name)
    required = [p for p in inspect.signature(fn).parameters.values() if p.default is p.empty]
    with pytest.raises(NotImplementedError, match=rf"^{name}: not implemented yet \(task {task}\.{k}\)$"):
        fn(*[None] * len(required))
