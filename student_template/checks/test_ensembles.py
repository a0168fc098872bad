"""Public checks for ensembles.py: its visible graded cases, as on Gradescope (made by `dlgrade release`).

    pytest checks/test_ensembles.py                      every visible case
    pytest checks/test_ensembles.py::test_<function>     the cases of one function (its exact name)
"""

from .harness import pytest_tests

globals().update(pytest_tests("ensembles"))
