"""Points are for substance: a submission with the reference's form and none of its values scores 0.

Each assignment's form-only submission is generated from its reference (tests/submissions.py):
every function runs the reference on copies of its arguments, so it leaves them untouched and
raises exactly where the reference raises, and returns results of the right types, shapes and
dtypes with wrong values (every number + 1 and every bool negated, or every entry 0). The side
cases it would pass on their own (errors raised, arguments unchanged, indices in range, the same
draw for the same seed, answers of all zeros) are withheld because no main case passes.
"""

from __future__ import annotations

import pytest

from autograder.judge import Raises
from autograder.suites import SUITES
from submissions import Grades, form_only

pytestmark = pytest.mark.engine

ASSIGNMENTS = [pytest.param(name, marks=getattr(pytest.mark, name)) for name in sorted(SUITES)]


@pytest.mark.parametrize("zeros", [False, True], ids=["shifted", "zeros"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_form_only_submission_scores_zero(assignment, zeros, tmp_path):
    result = Grades(assignment, tmp_path)(form_only(assignment, zeros))
    assert result.staff == ()
    passed = [case.name for case in result.cases if case.passed]
    assert passed == [] and result.score == 0
    cases = {case.name: case for case in SUITES[assignment].cases}
    for case in result.cases:
        # it raises where the reference raises, so only the principle stops a Raises case
        assert case.message.startswith("Withheld: ") or not isinstance(cases[case.name].judge, Raises), case.name
        if case.message.startswith("Withheld: "):
            main = case.message.split("(see ", 1)[1].split(").", 1)[0][1:-1]
            assert main in cases and not cases[main].side, case.name
