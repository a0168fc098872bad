"""Public checks for backprop.py: its visible graded cases, as on Gradescope (made by `dlgrade release`).

    pytest checks/test_backprop.py                      every visible case
    pytest checks/test_backprop.py::test_<function>     the cases of one function (its exact name)
"""

from .harness import pytest_tests

globals().update(pytest_tests("backprop"))
