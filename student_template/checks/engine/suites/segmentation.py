"""The judging code of the visible cases of autograder/suites/segmentation.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import numpy as np


def broadcast_accuracy(outputs, plan) -> bool:
    """The student's pixel_accuracy returned the broadcast comparison's mean."""
    call = plan.calls[-1]
    (value,) = outputs.values()
    return isinstance(value, (float, np.floating)) and float(value) == float(np.mean(call.args[0] == call.args[1]))
