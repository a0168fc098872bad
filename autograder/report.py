"""Views of a :class:`~autograder.results.SubmissionResult`: the terminal table and
Gradescope's results.json. Student-facing text only; staff diagnostics are kept apart."""

from __future__ import annotations

import json
import math
import textwrap

from .results import SubmissionResult

GRADESCOPE_VISIBILITY = {"visible": "visible", "hidden": "after_due_date"}
PRINTED_LINES = 20


def points(value: float) -> str:
    """A score as the reports print it: 60, 57.5, 0."""
    return f"{value:g}"


def table(result: SubmissionResult, width: int = 100) -> str:
    """A readable report: one row per case, failure messages indented under their row, totals."""
    lines = []
    for assignment in result.assignments:
        heading = f"{assignment.assignment}.py" + (f"  ({assignment.file})" if assignment.file and assignment.file != f"{assignment.assignment}.py" else "")
        lines += ["", f"{heading}: {points(assignment.score)} / {points(assignment.max_score)}"]
        if assignment.note:
            lines.append(f"  note: {assignment.note}")
        if assignment.problem:
            lines += _wrapped(assignment.problem, "  ", width)
            continue
        name_width = max(len(case.name) for case in assignment.cases)
        for case in assignment.cases:
            mark = "ok  " if case.passed else "FAIL"
            tag = "" if case.visibility == "visible" else "  (hidden)"
            lines.append(f"  {mark} {case.name:<{name_width}}  {points(case.score):>3} / {points(case.max_score):<3}{tag}")
            if case.message and not case.passed:
                lines += _wrapped(case.message, "         ", width)
    if result.problem:
        lines += [""] + _wrapped(result.problem, "", width)
    if result.printed:
        shown = result.printed.splitlines()[:PRINTED_LINES]
        lines += ["", f"Your code printed (the first {len(shown)} lines):", *(f"  | {line}" for line in shown)]
    lines += ["", f"Total: {points(result.score)} / {points(result.max_score)}    (hidden inputs drawn with seed {result.seed}; "
              f"graded in {result.seconds:.1f} s)"]
    return "\n".join(lines).lstrip("\n")


def _wrapped(text: str, indent: str, width: int) -> list:
    """Wrap prose; keep traceback lines (which start with spaces) as they are."""
    lines = []
    for paragraph in text.splitlines():
        if paragraph.startswith(" "):
            lines.append(indent + paragraph)
        else:
            lines += textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
    return lines


def gradescope(result: SubmissionResult, visibility=None, stdout_visibility: str = "hidden") -> dict:
    """Gradescope's results.json as a dict (its autograder specification's fields).

    ``visibility(case)`` is a case's Gradescope visibility (default: visible cases
    ``visible``, hidden ones ``after_due_date``). The summary in the top-level output counts
    only the cases a student sees now, so it gives away nothing of the others.
    """
    visibility = visibility or (lambda case: GRADESCOPE_VISIBILITY[case.visibility])
    tests = []
    for number, case in enumerate(result.cases, start=1):
        tests.append({
            "name": f"{case.assignment}: {case.name}",
            "number": str(number),
            "score": case.score,
            "max_score": case.max_score,
            "status": "passed" if case.passed else "failed",
            "output": case.message or (case.about and f"Checks {case.about}.") or "Passed.",
            "visibility": visibility(case),
            "tags": [case.assignment],
        })
    summary = [_summary(a, visibility) for a in result.assignments]
    return {
        "score": result.score,
        "execution_time": math.ceil(result.seconds),
        "output": "\n".join(summary),
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }


def _summary(assignment, visibility) -> str:
    """One line per assignment: the score on the cases shown now, and how many points are shown later."""
    shown = [case for case in assignment.cases if visibility(case) == "visible"]
    later = sum(case.max_score for case in assignment.cases if visibility(case) != "visible")
    line = f"{assignment.assignment}.py: {points(sum(c.score for c in shown))} / {points(sum(c.max_score for c in shown))}"
    if later:
        line += f" on the cases shown now; {points(later)} more points in cases shown later"
    return line + (f" ({assignment.problem or assignment.note})" if assignment.problem or assignment.note else "")


def gradescope_json(result: SubmissionResult, **options) -> str:
    """results.json text: strict JSON (finite numbers only); ``options`` go to :func:`gradescope`."""
    return json.dumps(gradescope(result, **options), indent=2, allow_nan=False)
