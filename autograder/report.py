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
    """A readable report, no line wider than ``width``: one row per case, failure messages
    indented under their row, then a summary per assignment and the total."""
    lines = []
    for assignment in result.assignments:
        heading = f"{assignment.assignment}.py" + (f"  ({assignment.file})" if assignment.file and assignment.file != f"{assignment.assignment}.py" else "")
        lines += ["", f"{heading}: {points(assignment.score)} / {points(assignment.max_score)}"]
        if assignment.note:
            lines += _wrapped(f"note: {assignment.note}", "  ", width)
        for standing in assignment.leaderboard:
            lines.append(f"  leaderboard: {standing.name} = {standing.value:g}")
        if assignment.problem:
            lines += _wrapped(assignment.problem, "  ", width)
            continue
        lines += _case_rows(assignment.cases, width)
    if result.problem:
        lines += [""] + _wrapped(result.problem, "", width)
    if result.printed:
        shown = result.printed.splitlines()[:PRINTED_LINES]
        lines += ["", f"Your code printed (the first {len(shown)} lines):", *_clipped((f"  | {line}" for line in shown), width)]
    if len(result.assignments) > 1:
        lines += ["", "Summary:", *_summary_table(result, width)]
    lines += [""] + _wrapped(f"Total: {points(result.score)} / {points(result.max_score)}    (hidden inputs drawn with seed {result.seed}; "
                             f"graded in {result.seconds:.1f} s)", "", width)
    return "\n".join(lines).lstrip("\n")


def coloured(text: str):
    """:func:`table`'s text as rich ``Text``, coloured for a terminal: marks, headings, hints, the total."""
    from rich.text import Text

    styled = Text(text)
    styled.highlight_regex(r"(?m)(?<=^  )ok ", "green")
    styled.highlight_regex(r"(?m)(?<=^  )FAIL", "bold red")
    styled.highlight_regex(r"(?m)^\S+\.py\b.*: [\d.]+ / [\d.]+$", "bold")
    styled.highlight_regex(r"(?m)^ +Hint: .*$", "yellow")
    styled.highlight_regex(r"(?m)^Total: [\d.]+ / [\d.]+", "bold")
    return styled


def _case_rows(cases, width: int) -> list:
    """``  ok   name  score / max`` per case; a long name wraps in its column, a failure's message follows."""
    scores = [f"{points(case.score):>3} / {points(case.max_score):<3}" + ("" if case.visibility == "visible" else "  (hidden)") for case in cases]
    name_width = max(12, min(max(len(case.name) for case in cases), width - 9 - max(map(len, scores))))
    lines = []
    for case, score in zip(cases, scores):
        names = textwrap.wrap(case.name, name_width, break_on_hyphens=False) or [""]
        mark = "ok  " if case.passed else "FAIL"
        lines.append(f"  {mark} {names[0]:<{name_width}}  {score}".rstrip())
        lines += [f"       {name}" for name in names[1:]]
        if case.message and not case.passed:
            lines += _wrapped(case.message, "         ", width)
    return lines


def _summary_table(result: SubmissionResult, width: int) -> list:
    """One line per assignment: its score, and how many of its cases passed (or that none ran).

    Plain columns, not rich: this report is also printed by run_autograder, whose Python
    has numpy only.
    """
    rows = []
    for assignment in result.assignments:
        passed = sum(case.passed for case in assignment.cases)
        detail = "not graded: see above" if assignment.problem else f"{passed} of {len(assignment.cases)} cases passed"
        rows.append((f"{assignment.assignment}.py", f"{points(assignment.score)} / {points(assignment.max_score)}", detail))
    names, scores = (max(len(row[column]) for row in rows) for column in (0, 1))
    return [line for name, score, detail in rows for line in _wrapped(f"{name:<{names}}  {score:>{scores}}  {detail}", "  ", width)]


def _wrapped(text: str, indent: str, width: int) -> list:
    """Wrap prose; traceback lines (which start with spaces) keep their layout, folded only past ``width``."""
    lines = []
    for paragraph in text.splitlines():
        if paragraph.startswith(" "):
            lines += _clipped([indent + paragraph], width)
        else:
            lines += textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False) or [indent]
    return lines


def _clipped(lines, width: int) -> list:
    """Lines kept as they are, a line wider than ``width`` folded onto the next ones."""
    folded = []
    for line in lines:
        while len(line) > width:
            folded.append(line[:width])
            line = "    " + line[width:]
        folded.append(line)
    return folded


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
    results = {
        "score": result.score,
        "execution_time": math.ceil(result.seconds),
        "output": "\n".join(summary),
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }
    standings = [standing for assignment in result.assignments for standing in assignment.leaderboard]
    if standings:  # Gradescope's leaderboard: an array of {name, value, order}
        results["leaderboard"] = [{"name": s.name, "value": s.value, "order": s.order} for s in standings]
    return results


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
