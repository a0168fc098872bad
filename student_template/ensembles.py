"""Assignment 12: ensembles, bagging, boosting, averaging and distillation.

One model makes errors of its own; several models that err differently can be combined so
that their errors cancel. Bagging trains each member on a bootstrap sample (n draws with
replacement from the n training examples, about 1 - 1/e = 63.2% of them distinct), which
lowers the variance of the average, not its bias. Boosting (AdaBoost) trains members one
after another, each on weights that favour the examples the previous ones got wrong.
Averaging predictions (probabilities, or votes) always makes sense; averaging parameters
makes sense only for models whose parameters lie close together, such as snapshots of one
training run, kept as an exponential moving average. Distillation trains one small model to
match the softened predictions of an ensemble (Hinton et al., 2015).

Tasks:
    12.1  bootstrap_indices          12.5  ema_update
    12.2  average_predictions        12.6  adaboost_update
    12.3  majority_vote              12.7  distillation_loss
    12.4  average_parameters

Conventions: arrays are float64 unless stated, indices and labels int64; shapes are exact,
(N,) is not (1, N); the inputs are never modified (a dict of parameters is a new dict). The
random draws come from the generator passed in (numpy.random.Generator), never from
np.random's global state. Logits of magnitude 1e3 must give finite results without overflow
warnings. Use numpy and the standard library only.
"""

import numpy as np


def bootstrap_indices(n, rng):
    """Indices of one bootstrap sample. Task 12.1.

    n draws, independent and uniform, *with replacement*, from range(n): some examples
    appear several times, and about a share (1 - 1/n)**n ~ 1/e = 36.8% not at all.

    Args:
        n: the number of training examples, a positive int.
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        indices: int64 array of shape (n,), entries in [0, n).
    """
    # Your code here
    raise NotImplementedError("bootstrap_indices: not implemented yet (task 12.1)")


def average_predictions(probs):
    """The ensemble's prediction: the mean of its members' predicted probabilities. Task 12.2.

        out[i, c] = (1 / M) * sum_m probs[m, i, c]

    Args:
        probs: shape (M, N, C), model m's class probabilities for example i.

    Returns:
        out: shape (N, C); each row sums to 1 when the members' rows do.
    """
    # Your code here
    raise NotImplementedError("average_predictions: not implemented yet (task 12.2)")


def majority_vote(labels, num_classes):
    """The label most members predict, per example; ties go to the smallest label. Task 12.3.

    Args:
        labels: int array of shape (M, N), model m's predicted label for example i, each in
            [0, num_classes).
        num_classes: C, the number of classes (some may get no vote at all).

    Returns:
        votes: int64 array of shape (N,).
    """
    # Your code here
    raise NotImplementedError("majority_vote: not implemented yet (task 12.3)")


def average_parameters(params):
    """The element-wise mean of several models' parameters, name by name. Task 12.4.

        out[name] = (1 / M) * sum_m params[m][name]

    Args:
        params: a non-empty list of M dicts, each from a parameter name (str) to an array;
            all have the same names, though perhaps in a different order, and each name
            the same shape in every dict.

    Returns:
        out: a new dict from each name to its mean array (the shape of that parameter).

    Raises:
        ValueError: if params is empty, or the dicts' names or a parameter's shapes differ.
    """
    # Your code here
    raise NotImplementedError("average_parameters: not implemented yet (task 12.4)")


def ema_update(average, params, decay):
    """One step of an exponential moving average of parameters. Task 12.5.

        new[name] = decay * average[name] + (1 - decay) * params[name]

    With decay close to 1 the average changes slowly: it is a smoothed mean of the recent
    snapshots of one training run (decay 0.99 averages over about 100 steps).

    Args:
        average: dict from name to array, the running average so far.
        params: dict with the same names and shapes, the current parameters.
        decay: the weight of the old average, in [0, 1].

    Returns:
        new: a new dict with the names of average; average and params are not modified.
    """
    # Your code here
    raise NotImplementedError("ema_update: not implemented yet (task 12.5)")


def adaboost_update(sample_weights, y_true, y_pred):
    """One round of AdaBoost: the member's vote alpha and the re-weighted examples. Task 12.6.

        err   = sum(w * (y_true != y_pred)) / sum(w), clipped to [1e-10, 1 - 1e-10]
        alpha = 0.5 * ln((1 - err) / err)
        new   = w * exp(-alpha * y_true * y_pred) / Z,   Z such that sum(new) = 1

    Examples the member got wrong (y_true * y_pred = -1) gain weight, the others lose it.

    Args:
        sample_weights: w, non-negative weights of shape (N,) with a positive sum (not
            necessarily 1).
        y_true: labels in {-1, +1}, shape (N,).
        y_pred: the member's predictions in {-1, +1}, shape (N,).

    Returns:
        new_weights: shape (N,), summing to 1.
        alpha: the member's weight in the ensemble, a Python float.
    """
    # Your code here
    raise NotImplementedError("adaboost_update: not implemented yet (task 12.6)")


def distillation_loss(student_logits, teacher_logits, y, temperature=1.0, alpha=0.5):
    """Knowledge distillation: match the teacher's softened predictions and the labels. Task 12.7.

    With T = temperature, p = softmax(teacher_logits / T), q = softmax(student_logits / T),

        loss = alpha * T**2 * mean_i KL(p_i || q_i) + (1 - alpha) * mean_i CE(student_logits_i, y_i)

    where KL(p || q) = sum_c p_c (log p_c - log q_c) and CE is the softmax cross-entropy at
    temperature 1; as PyTorch writes it,
    F.kl_div(F.log_softmax(s / T), F.softmax(t / T), reduction="batchmean") * T**2. The KL
    term's gradient, (q - p) / T per example, shrinks like 1 / T**2 as T grows; the T**2
    factor keeps it on the scale of the hard term's. Stable for logits of magnitude 1e3: no
    overflow, no 0 * log 0.

    Args:
        student_logits: s, shape (N, C).
        teacher_logits: t, shape (N, C); constants (no gradient flows to the teacher).
        y: integer labels in [0, C), shape (N,).
        temperature: T > 0.
        alpha: the weight of the soft (teacher) term, in [0, 1].

    Returns:
        loss: a Python float.
        dstudent: dloss/dstudent_logits, shape (N, C).
    """
    # Your code here
    raise NotImplementedError("distillation_loss: not implemented yet (task 12.7)")
