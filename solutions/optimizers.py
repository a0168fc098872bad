"""Assignment 8: optimizers, update rules, learning-rate schedules, clipping and tuning.

Training follows the gradient downhill; how far and in which direction each step goes is
the optimizer's choice. Every update rule here has the one shape

    next_w, config = rule(w, dw, config=None)

where config holds the hyperparameters (a missing one takes its default, PyTorch's) and the
state the rule needs between steps (a velocity, a running average of squared gradients, a
step count), created on the first call under keys of your choosing. The returned config is
passed to the next call, so the state lives in config, never in globals. Every rule takes
weight_decay (default 0): the L2 term added to the gradient first, g = dw + weight_decay * w,
as torch.optim does, and each rule matches its torch.optim counterpart step for step.

The rest of the toolbox: Newton's method (one step to the stationary point of a quadratic,
and why its Hessian is out of reach for a network), learning-rate schedules, gradient
clipping, random search in log space, and the ratio of the update to the weights, the
number to watch while training.

Tasks:
    8.1  sgd                    8.6   adam                   8.11  inverse_sqrt_decay
    8.2  sgd_momentum           8.7   newton_step            8.12  clip_by_value
    8.3  nesterov_momentum      8.8   step_decay             8.13  clip_by_norm
    8.4  adagrad                8.9   exponential_decay      8.14  log_uniform
    8.5  rmsprop                8.10  inverse_time_decay     8.15  update_ratio

Conventions: arrays are float64 and every returned array is float64, of the shape of w;
w, dw, grads and the other array arguments are never modified (return new arrays: no
w -= ...). Each rule checks the hyperparameters it uses: ValueError for a negative lr, eps
or weight_decay, or a momentum, alpha, beta1 or beta2 outside [0, 1). Use numpy and the
standard library only.
"""

import numpy as np

NONNEGATIVE = ("lr", "eps", "weight_decay")
FRACTIONS = ("momentum", "alpha", "beta1", "beta2")  # each in [0, 1)
NORM_EPS = 1e-6  # added to the total norm before dividing, as torch.nn.utils.clip_grad_norm_


def _settings(config, **defaults):
    """A new dict: ``config`` (None for none) over ``defaults`` and weight_decay 0, checked.

    Raises ValueError for a negative lr, eps or weight_decay, or a momentum, alpha, beta1
    or beta2 outside [0, 1), among the keys the rule uses.
    """
    config = {**defaults, "weight_decay": 0.0, **(config or {})}
    for key in (*defaults, "weight_decay"):  # in this order, not a set's: the first bad key named is the same in every process
        if key in NONNEGATIVE and not config[key] >= 0:
            raise ValueError(f"{key} must be >= 0, got {config[key]}")
        if key in FRACTIONS and not 0 <= config[key] < 1:
            raise ValueError(f"{key} must be in [0, 1), got {config[key]}")
    return config


def _gradient(w, dw, config):
    """The gradient with the L2 term: g = dw + weight_decay * w."""
    return dw + config["weight_decay"] * w


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent. Task 8.1.

        g = dw + weight_decay * w        next_w = w - lr * g

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-3;
            "weight_decay": L2 coefficient, default 0.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call.

    Raises:
        ValueError: for a negative lr or weight_decay.
    """
    config = _settings(config, lr=1e-3)
    return w - config["lr"] * _gradient(w, dw, config), config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum. Task 8.2.

    The velocity v (0 before the first step) is a running sum of gradients, damped by
    momentum, as torch.optim.SGD(momentum=...) without dampening:

        g = dw + weight_decay * w        v = momentum * v + g        next_w = w - lr * v

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-3;
            "momentum": in [0, 1), default 0.9;
            "weight_decay": L2 coefficient, default 0;
            and the velocity, stored by the previous call under a key of your choosing.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call, holding the new velocity.

    Raises:
        ValueError: for a negative lr or weight_decay, or a momentum outside [0, 1).
    """
    config = _settings(config, lr=1e-3, momentum=0.9)
    v = config["momentum"] * config.get("velocity", 0.0) + _gradient(w, dw, config)
    config["velocity"] = v
    return w - config["lr"] * v, config


def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum, in the form torch.optim.SGD(nesterov=True) uses. Task 8.3.

    The step looks ahead along the new velocity:

        g = dw + weight_decay * w        v = momentum * v + g        next_w = w - lr * (g + momentum * v)

    with v = 0 before the first step.

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-3;
            "momentum": in [0, 1), default 0.9;
            "weight_decay": L2 coefficient, default 0;
            and the velocity, stored by the previous call under a key of your choosing.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call, holding the new velocity.

    Raises:
        ValueError: for a negative lr or weight_decay, or a momentum outside [0, 1).
    """
    config = _settings(config, lr=1e-3, momentum=0.9)
    g = _gradient(w, dw, config)
    v = config["momentum"] * config.get("velocity", 0.0) + g
    config["velocity"] = v
    return w - config["lr"] * (g + config["momentum"] * v), config


def adagrad(w, dw, config=None):
    """Adagrad: a per-coordinate step size that shrinks with the gradients seen. Task 8.4.

    With s the sum of all squared gradients so far (0 before the first step):

        g = dw + weight_decay * w        s = s + g**2        next_w = w - lr * g / (sqrt(s) + eps)

    eps is added after the square root, as torch.optim.Adagrad does.

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-2;
            "eps": default 1e-10;
            "weight_decay": L2 coefficient, default 0;
            and s, stored by the previous call under a key of your choosing.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call, holding the new s.

    Raises:
        ValueError: for a negative lr, eps or weight_decay.
    """
    config = _settings(config, lr=1e-2, eps=1e-10)
    g = _gradient(w, dw, config)
    s = config.get("sum_squares", 0.0) + g**2
    config["sum_squares"] = s
    return w - config["lr"] * g / (np.sqrt(s) + config["eps"]), config


def rmsprop(w, dw, config=None):
    """RMSProp: Adagrad with a leaky average of squared gradients. Task 8.5.

    With s = 0 before the first step:

        g = dw + weight_decay * w        s = alpha * s + (1 - alpha) * g**2
        next_w = w - lr * g / (sqrt(s) + eps)

    eps is added after the square root, as torch.optim.RMSprop does.

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-2;
            "alpha": decay of the average, in [0, 1), default 0.99;
            "eps": default 1e-8;
            "weight_decay": L2 coefficient, default 0;
            and s, stored by the previous call under a key of your choosing.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call, holding the new s.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or an alpha outside [0, 1).
    """
    config = _settings(config, lr=1e-2, alpha=0.99, eps=1e-8)
    g = _gradient(w, dw, config)
    s = config["alpha"] * config.get("square_avg", 0.0) + (1 - config["alpha"]) * g**2
    config["square_avg"] = s
    return w - config["lr"] * g / (np.sqrt(s) + config["eps"]), config


def adam(w, dw, config=None):
    """Adam: momentum and RMSProp together, with bias correction. Task 8.6.

    With the step count t, m and v all 0 before the first step:

        g = dw + weight_decay * w        t = t + 1
        m = beta1 * m + (1 - beta1) * g          v = beta2 * v + (1 - beta2) * g**2
        next_w = w - lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    m and v start at 0 and so underestimate the averages in the first steps; dividing by
    1 - beta**t (with t already incremented) corrects that. As torch.optim.Adam.

    Args:
        w: weights, an array of any shape.
        dw: the gradient of the loss with respect to w, the shape of w.
        config: None or a dict with the keys (any may be missing)
            "lr": learning rate, default 1e-3;
            "beta1": decay of m, in [0, 1), default 0.9;
            "beta2": decay of v, in [0, 1), default 0.999;
            "eps": default 1e-8;
            "weight_decay": L2 coefficient, default 0;
            and t, m and v, stored by the previous call under keys of your choosing.

    Returns:
        next_w: the updated weights, a new array of the shape of w.
        config: the dict to pass to the next call, holding the new t, m and v.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or a beta1 or beta2 outside [0, 1).
    """
    config = _settings(config, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    beta1, beta2 = config["beta1"], config["beta2"]
    g = _gradient(w, dw, config)
    t = config.get("t", 0) + 1
    m = beta1 * config.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * config.get("v", 0.0) + (1 - beta2) * g**2
    config.update(t=t, m=m, v=v)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - config["lr"] * m_hat / (np.sqrt(v_hat) + config["eps"]), config


def newton_step(w, grad, hessian):
    """One step of Newton's method. Task 8.7.

        next_w = w - H^-1 grad

    computed by solving the linear system H x = grad (np.linalg.solve), never by forming
    the inverse. On a quadratic f(w) = w @ A @ w / 2 - b @ w (grad = A @ w - b, H = A) it
    lands on the stationary point in one step, whether a minimum or a saddle point: Newton's
    method looks for zero gradient, not for low loss.

    Args:
        w: the point, shape (D,).
        grad: the gradient at w, shape (D,).
        hessian: the Hessian at w, shape (D, D).

    Returns:
        next_w: shape (D,).

    Raises:
        numpy.linalg.LinAlgError: for a singular Hessian.
    """
    return w - np.linalg.solve(hessian, grad)


def _check_step(t):
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")


def step_decay(lr0, t, step_size, gamma=0.1):
    """Step decay: the learning rate times gamma every step_size steps. Task 8.8.

        lr = lr0 * gamma ** floor(t / step_size)

    as torch.optim.lr_scheduler.StepLR: constant for step_size steps, then a drop.

    Args:
        lr0: the initial learning rate, a float.
        t: the step (or epoch) count, an int from 0.
        step_size: steps between drops, an int >= 1.
        gamma: the factor of each drop, default 0.1.

    Returns:
        lr: a float.

    Raises:
        ValueError: for t < 0 or step_size < 1.
    """
    _check_step(t)
    if step_size < 1:
        raise ValueError(f"step_size must be >= 1, got {step_size}")
    return float(lr0 * gamma ** (t // step_size))


def exponential_decay(lr0, t, gamma):
    """Exponential decay: the learning rate times gamma at every step. Task 8.9.

        lr = lr0 * gamma ** t

    as torch.optim.lr_scheduler.ExponentialLR.

    Args:
        lr0: the initial learning rate, a float.
        t: the step (or epoch) count, an int from 0.
        gamma: the factor per step, a float.

    Returns:
        lr: a float.

    Raises:
        ValueError: for t < 0.
    """
    _check_step(t)
    return float(lr0 * gamma**t)


def inverse_time_decay(lr0, t, k):
    """1/t decay. Task 8.10.

        lr = lr0 / (1 + k * t)

    Args:
        lr0: the initial learning rate, a float.
        t: the step (or epoch) count, an int from 0.
        k: the decay rate, a float >= 0.

    Returns:
        lr: a float.

    Raises:
        ValueError: for t < 0.
    """
    _check_step(t)
    return float(lr0 / (1 + k * t))


def inverse_sqrt_decay(lr0, t, k):
    """1/sqrt(t) decay. Task 8.11.

        lr = lr0 / sqrt(1 + k * t)

    Args:
        lr0: the initial learning rate, a float.
        t: the step (or epoch) count, an int from 0.
        k: the decay rate, a float >= 0.

    Returns:
        lr: a float.

    Raises:
        ValueError: for t < 0.
    """
    _check_step(t)
    return float(lr0 / np.sqrt(1 + k * t))


def clip_by_value(grads, clip_value):
    """Clip every gradient entry to [-clip_value, clip_value]. Task 8.12.

    As torch.nn.utils.clip_grad_value_, but returning new arrays: the entries of grads are
    left as they are.

    Args:
        grads: a list of arrays, one per parameter, of any shapes.
        clip_value: a float > 0.

    Returns:
        clipped: a list of new arrays, the shapes of grads.

    Raises:
        Nothing.
    """
    return [np.clip(g, -clip_value, clip_value) for g in grads]


def clip_by_norm(grads, max_norm):
    """Scale all gradients together so that their total L2 norm is at most max_norm. Task 8.13.

        total_norm = sqrt(sum over every entry of every array of entry**2)
        clipped[i] = grads[i] * min(1, max_norm / (total_norm + 1e-6))

    The norm is of all the arrays together, so the direction of the whole gradient is kept.
    As torch.nn.utils.clip_grad_norm_ (which also adds the 1e-6), but returning new arrays.

    Args:
        grads: a list of arrays, one per parameter, of any shapes.
        max_norm: a float > 0.

    Returns:
        clipped: a list of new arrays, the shapes of grads.
        total_norm: the norm before clipping, a float.

    Raises:
        Nothing.
    """
    total_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = min(1.0, max_norm / (total_norm + NORM_EPS))
    return [g * scale for g in grads], total_norm


def log_uniform(low, high, size, rng):
    """Samples whose log10 is uniform on [log10 low, log10 high): random search in log space. Task 8.14.

    A learning rate or a regularization strength matters by its order of magnitude, so a
    random search draws as many values between 1e-4 and 1e-3 as between 1e-3 and 1e-2.

    Args:
        low: the smallest value, a float > 0.
        high: the bound above, a float > low.
        size: an int or a tuple of ints, the shape of the result.
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        samples: an array of shape size.

    Raises:
        ValueError: unless 0 < low < high.
    """
    if not 0 < low < high:
        raise ValueError(f"log_uniform needs 0 < low < high, got low={low}, high={high}")
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


def update_ratio(w, update):
    """The ratio of the update's norm to the weights' norm, to watch while training. Task 8.15.

        ratio = ||update|| / ||w||        (Frobenius norms: all entries, whatever the shape)

    Around 1e-3 is healthy; 1e-2 and above, the learning rate is too high; far below,
    too low.

    Args:
        w: the weights, an array of any shape.
        update: the step taken (next_w - w), the shape of w.

    Returns:
        ratio: a float.

    Raises:
        ValueError: when w is all zeros.
    """
    w_norm = np.sqrt(np.sum(w**2))
    if w_norm == 0:
        raise ValueError("update_ratio: w is all zeros, the ratio is undefined")
    return float(np.sqrt(np.sum(update**2)) / w_norm)
