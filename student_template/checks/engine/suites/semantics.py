"""The judging code of the visible cases of autograder/suites/semantics.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import numpy as np


def int64_indices(outputs, plan):
    """The one output is an int64 array (values are judged by the other cases)."""
    (top,) = outputs.values()
    if not isinstance(top, np.ndarray) or top.dtype != np.int64:
        what = f"dtype {top.dtype}" if isinstance(top, np.ndarray) else type(top).__name__
        return [f"The indices are {what}, expected an int64 array (np.argsort gives int64; or .astype(np.int64))."]
    return []
