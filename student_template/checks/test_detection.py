"""Public checks for detection.py: its visible graded cases, as on Gradescope (made by `dlgrade release`).

    pytest checks/test_detection.py                      every visible case
    pytest checks/test_detection.py::test_<function>     the cases of one function (its exact name)
"""

from .harness import pytest_tests

globals().update(pytest_tests("detection"))
