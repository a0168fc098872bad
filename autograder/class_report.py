"""Views of a graded class: grades.csv, one feedback file per student, and a staff summary.

The staff summary (``summary.md`` with ``scores.png``) shows the score distribution per
assignment, the cases most students fail with their most common message, and how many
students each recognised misconception caught: which idea the class missed; and, if any,
the grader's own problems (staff diagnostics, stored results that failed their integrity
check), which no student's feedback shows.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from pathlib import Path

from .batch import Graded, file_name
from .private import private_folder, write_private
from .report import points, table

TOP_CASES = 10


def write_class_report(graded: list[Graded], out: Path, assignments: list[str]) -> None:
    """Write grades.csv, feedback/<student>.txt, summary.md and scores.png under ``out``,
    each readable by its owner only (grades and feedback are the instructor's to release)."""
    out = Path(out)
    private_folder(out)
    write_private(out / "grades.csv", grades_csv(graded, assignments))
    feedback = out / "feedback"
    private_folder(feedback)
    for entry in graded:
        write_private(feedback / f"{file_name(entry.submission.student)}.txt", table(entry.result) + "\n")
    write_private(out / "summary.md", summary(graded, assignments))
    write_private(out / "scores.png", histogram(graded, assignments))


def grades_csv(graded: list[Graded], assignments: list[str]) -> str:
    """Columns ``student``, one per assignment, ``total``; one row per student, sorted by student."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student", *assignments, "total"])
    for entry in sorted(graded, key=lambda entry: entry.submission.student):
        scores = {a.assignment: a.score for a in entry.result.assignments}
        writer.writerow([entry.submission.student, *(points(scores.get(name, 0.0)) for name in assignments), points(entry.result.score)])
    return text.getvalue()


def summary(graded: list[Graded], assignments: list[str]) -> str:
    """The staff summary in Markdown: distributions, the most failed cases, misconceptions."""
    lines = [f"# Class summary: {len(graded)} students", "", "![score distribution](scores.png)", "",
             "| assignment | max | mean | median | min | max scored | full marks |", "|---|---|---|---|---|---|---|"]
    for name in assignments:
        scores = _scores(graded, name)
        if not scores:
            continue
        top = _maximum(graded, name)
        lines.append(f"| {name} | {points(top)} | {sum(scores) / len(scores):.1f} | {points(statistics.median(scores))} | "
                     f"{points(min(scores))} | {points(max(scores))} | {scores.count(top)} |")
    failing, messages = Counter(), {}
    for entry in graded:
        for case in entry.result.cases:
            if not case.passed:
                key = (case.assignment, case.name)
                failing[key] += 1
                first = case.message.splitlines()[0] if case.message else ""
                messages.setdefault(key, {}).setdefault(_gist(first), []).append(first)
    lines += ["", f"## The {TOP_CASES} cases most students fail", "", "| case | students failing | most common message |", "|---|---|---|"]
    for (assignment, name), count in failing.most_common(TOP_CASES):
        examples = max(messages[assignment, name].values(), key=len)
        lines.append(f"| {assignment}: {name} | {count} | {_cell(examples[0])} ({len(examples)} students) |")
    hints = Counter()
    for entry in graded:
        for assignment, hint in {(case.assignment, case.hint) for case in entry.result.cases if case.hint}:
            hints[assignment, hint] += 1
    lines += ["", "## Misconceptions recognised", "", "| assignment | misconception | students |", "|---|---|---|"]
    lines += [f"| {assignment} | {hint} | {count} |" for (assignment, hint), count in hints.most_common()] or ["| - | none recognised | 0 |"]
    problems = Counter(first for entry in graded for first in {line.partition("\n")[0] for line in entry.result.staff})
    problems.update(entry.problem for entry in graded if entry.problem)
    if problems:  # the grader's own failures (a reference that raised): the details are in results/<student>.json
        lines += ["", "## Grader problems", "", "| problem (details: \"staff\" in results/<student>.json) | students |", "|---|---|"]
        lines += [f"| {_cell(problem)} | {count} |" for problem, count in problems.most_common()]
    return "\n".join(lines) + "\n"


def histogram(graded: list[Graded], assignments: list[str]) -> bytes:
    """One histogram of scores per assignment, side by side: the PNG's bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(assignments), figsize=(3.2 * len(assignments), 2.8), squeeze=False)
    for axis, name in zip(axes[0], assignments):
        axis.hist(_scores(graded, name), bins=20, range=(0, _maximum(graded, name) or 1), color="tab:blue")
        axis.set_title(name)
        axis.set_xlabel("score")
    axes[0][0].set_ylabel("students")
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=80, metadata={"Software": None})
    plt.close(figure)
    return image.getvalue()


def _scores(graded: list[Graded], name: str) -> list[float]:
    return [a.score for entry in graded for a in entry.result.assignments if a.assignment == name]


def _maximum(graded: list[Graded], name: str) -> float:
    return max((a.max_score for entry in graded for a in entry.result.assignments if a.assignment == name), default=0.0)


def _gist(message: str) -> str:
    """A message with its numbers blanked: students with different hidden inputs see
    different numbers for the same mistake."""
    return re.sub(r"-?\d[\d.]*(e[+-]?\d+)?", "#", message)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")[:160]
