"""Public checks for visualization.py: its visible graded cases, as on Gradescope (made by `dlgrade release`).

    pytest checks/test_visualization.py                      every visible case
    pytest checks/test_visualization.py::test_<function>     the cases of one function (its exact name)
"""

from .harness import pytest_tests

globals().update(pytest_tests("visualization"))
