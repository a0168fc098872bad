"""Views of a graded class: what staff read, what scripts read, what gradebooks import.

- ``report.html``: one self-contained page (inline CSS, figures as inline SVG, drawn by
  :mod:`autograder.figures`) for staff: the
  score distribution of each assignment in a grid of histograms, the cases students fail
  sorted by how many fail them (ties grouped) with the most common message, how many
  students each recognised misconception caught, the grader's own problems, and every
  student's scores with their feedback one click away.
- ``summary.md`` with ``scores.png``: the same summary in Markdown, for a repository or a chat.
- ``grades.csv`` (``student``, one column per assignment, ``total``) and
  ``feedback/<student>.txt`` (the table the student would see), for scripts.
- ``gradebook_canvas.csv`` and ``gradebook_gradescope.csv``: the scores in the layouts
  Canvas's gradebook import and Gradescope's score upload read (see :func:`canvas_csv`,
  :func:`gradescope_csv`).

Every view is computed from one :class:`ClassSummary`, so they never disagree.
"""

from __future__ import annotations

import csv
import html
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import figures
from .batch import Graded, file_name
from .private import private_folder, write_private
from .report import points, table

TOP_CASES = 10  # the Markdown lists at least this many rows of failed cases (whole tie groups), the HTML page all
MESSAGE_CHARACTERS = 160  # a Markdown cell's message is cut at a word boundary before this


@dataclass(frozen=True)
class Distribution:
    """One assignment's scores over the class."""

    assignment: str
    scores: tuple
    max_score: float

    @property
    def full_marks(self) -> int:
        return sum(score == self.max_score for score in self.scores)


@dataclass(frozen=True)
class FailedCases:
    """Cases failed by the same number of ``students`` with the same most common message
    (numbers aside), which ``seen`` of them got: ``cases`` are ``"assignment: case"`` names."""

    cases: tuple
    students: int
    message: str
    seen: int


@dataclass(frozen=True)
class ClassSummary:
    """Everything the staff views show, computed once from the graded class."""

    students: int
    distributions: tuple  # of Distribution, in the order of the assignments graded
    failing: tuple  # tie groups (most failed first) of FailedCases (one per message, in suite order)
    misconceptions: tuple  # (assignment, misconception, students), most common first
    problems: tuple  # (first line of a grader problem, students), most common first


def summarize(graded: list[Graded], assignments: list[str]) -> ClassSummary:
    """The class's distributions, failed cases (ties grouped), misconceptions and grader problems."""
    distributions = []
    for name in assignments:
        results = [a for entry in graded for a in entry.result.assignments if a.assignment == name]
        if results:
            distributions.append(Distribution(name, tuple(a.score for a in results), max(a.max_score for a in results)))
    failing, messages, order = Counter(), {}, {}
    for entry in graded:
        for case in entry.result.cases:
            key = (case.assignment, case.name)
            order.setdefault(key, len(order))
            if not case.passed:
                failing[key] += 1
                first = case.message.splitlines()[0] if case.message else ""
                messages.setdefault(key, {}).setdefault(_gist(first), []).append(first)
    groups = {}  # students failing -> the message's gist -> [cases, an example of the message, students who saw it]
    for key in sorted(failing, key=order.get):
        examples = max(messages[key].values(), key=len)
        row = groups.setdefault(failing[key], {}).setdefault(_gist(examples[0]), [[], examples[0], 0])
        row[0].append(f"{key[0]}: {key[1]}")
        row[2] = max(row[2], len(examples))
    tied = tuple(tuple(FailedCases(tuple(cases), count, message, seen) for cases, message, seen in groups[count].values())
                 for count in sorted(groups, reverse=True))
    hints = Counter()
    for entry in graded:
        for assignment, hint in {(case.assignment, case.hint) for case in entry.result.cases if case.hint}:
            hints[assignment, hint] += 1
    problems = Counter(first for entry in graded for first in {line.partition("\n")[0] for line in entry.result.staff})
    problems.update(entry.problem for entry in graded if entry.problem)  # stored results that failed their integrity check
    return ClassSummary(len(graded), tuple(distributions), tied,
                        tuple((a, h, n) for (a, h), n in hints.most_common()), tuple(problems.most_common()))


def write_class_report(graded: list[Graded], out: Path, assignments: list[str], drawer: figures.Drawer | None = None) -> None:
    """Write every view under ``out``: report.html, summary.md and scores.png, grades.csv,
    feedback/<student>.txt, gradebook_canvas.csv and gradebook_gradescope.csv. The figures
    come from ``drawer`` (started before the grading), else are drawn here."""
    out = Path(out)
    overview = summarize(graded, assignments)
    png, svgs = drawer.draw(overview.distributions) if drawer is not None else figures.draw(overview.distributions)
    private_folder(out)  # grades and feedback are the instructor's to release: folders 0700, files 0600
    write_private(out / "grades.csv", grades_csv(graded, assignments))
    write_private(out / "gradebook_canvas.csv", canvas_csv(graded, overview))
    write_private(out / "gradebook_gradescope.csv", gradescope_csv(graded))
    feedback = out / "feedback"
    private_folder(feedback)
    for entry in graded:
        write_private(feedback / f"{file_name(entry.submission.student)}.txt", table(entry.result) + "\n")
    write_private(out / "summary.md", markdown(overview))
    write_private(out / "scores.png", png)
    write_private(out / "report.html", page(graded, overview, svgs))


# -- for scripts and gradebooks ---------------------------------------------------------------

def _by_student(graded: list[Graded]) -> list[Graded]:
    return sorted(graded, key=lambda entry: entry.submission.student)


def _scores(entry: Graded) -> dict:
    return {a.assignment: a.score for a in entry.result.assignments}


def _table_text(rows: list) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue()


def grades_csv(graded: list[Graded], assignments: list[str]) -> str:
    """Columns ``student``, one per assignment, ``total``; one row per student, sorted by student."""
    rows = [["student", *assignments, "total"]]
    for entry in _by_student(graded):
        scores = _scores(entry)
        rows.append([entry.submission.student, *(points(scores.get(name, 0.0)) for name in assignments), points(entry.result.score)])
    return _table_text(rows)


def canvas_csv(graded: list[Graded], overview: ClassSummary) -> str:
    """Canvas's gradebook import: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
    ``Section``, then one column per assignment, with a ``Points Possible`` row first.

    Canvas matches a row by one of its identifiers: the student's id here goes in
    ``SIS Login ID`` (an email, for a Gradescope export), ``ID`` and ``Section`` are left
    empty. A column named like none of the course's assignments creates a new one.
    """
    names = [d.assignment for d in overview.distributions]
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names],
            ["Points Possible", "", "", "", "", *(points(d.max_score) for d in overview.distributions)]]
    for entry in _by_student(graded):
        scores = _scores(entry)
        rows.append([entry.submission.name or entry.submission.student, "", "", entry.submission.student, "",
                     *(points(scores.get(name, 0.0)) for name in names)])
    return _table_text(rows)


def gradescope_csv(graded: list[Graded]) -> str:
    """Gradescope's score upload for one assignment: ``Name``, ``Email``, ``SID``, ``Total Score``.

    Gradescope matches students by email (else SID): a student id holding ``@`` is taken as
    the email, any other as the SID.
    """
    rows = [["Name", "Email", "SID", "Total Score"]]
    for entry in _by_student(graded):
        student = entry.submission
        email = student.email or (student.student if "@" in student.student else "")
        rows.append([student.name, email, "" if email else student.student, points(entry.result.score)])
    return _table_text(rows)


# -- Markdown ---------------------------------------------------------------------------------

def _students(count: int) -> str:
    return f"{count} student" if count == 1 else f"{count} students"


def markdown(overview: ClassSummary) -> str:
    """The staff summary in Markdown: distributions, the most failed cases (ties grouped), misconceptions."""
    lines = [f"# Class summary: {_students(overview.students)}", "", "Full report, with each student's feedback: report.html", "",
             "![score distribution per assignment](scores.png)", "",
             "| assignment | max | mean | median | min | max scored | full marks |", "|---|---|---|---|---|---|---|"]
    for d in overview.distributions:
        lines.append(f"| {_cell(d.assignment)} | {points(d.max_score)} | {statistics.fmean(d.scores):.1f} | {points(statistics.median(d.scores))} | "
                     f"{points(min(d.scores))} | {points(max(d.scores))} | {d.full_marks} |")
    lines += ["", "## The cases most students fail", "", "Ties share one count.", "",
              "| students failing | case | most common message |", "|---|---|---|"]
    shown = 0
    for group in overview.failing:
        if shown >= TOP_CASES:
            break
        for index, row in enumerate(group):
            count = f"{row.students} of {overview.students}" if index == 0 else ""
            lines.append(f"| {count} | {_cell(_listed(row.cases))} | {_cell(_shortened(row.message))} ({_students(row.seen)}) |")
            shown += 1
    if not overview.failing:
        lines.append("| 0 | none failed | - |")
    lines += ["", "## Misconceptions recognised", "", "| assignment | misconception | students |", "|---|---|---|"]
    lines += [f"| {_cell(a)} | {_cell(h)} | {n} |" for a, h, n in overview.misconceptions] or ["| - | none recognised | 0 |"]
    if overview.problems:  # the grader's own failures (a reference that raised): the details are in results/<student>.json
        lines += ["", "## Grader problems", "", "| problem (details: \"staff\" in results/<student>.json) | students |", "|---|---|"]
        lines += [f"| {_cell(_shortened(problem))} | {count} |" for problem, count in overview.problems]
    return "\n".join(lines) + "\n"


def _listed(cases: tuple, limit: int = 4) -> str:
    """Case names joined, the first ``limit`` of a long list named and the rest counted."""
    more = f"; and {len(cases) - limit} more" if len(cases) > limit else ""
    return "; ".join(cases[:limit]) + more


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: ``|`` escaped, on one line."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _shortened(text: str, limit: int = MESSAGE_CHARACTERS) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _gist(message: str) -> str:
    """A message with its numbers blanked: students with different hidden inputs see
    different numbers for the same mistake."""
    return re.sub(r"-?\d[\d.]*(e[+-]?\d+)?", "#", message)


# -- HTML -------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; margin: 2em auto; max-width: 1280px; padding: 0 1.5em; }
h1 { font-size: 1.7em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
nav a { margin-right: 1.2em; } .muted { color: #666; }
table { border-collapse: collapse; margin: .6em 0; } th, td { border-bottom: 1px solid #e4e4e4; padding: .35em .7em; text-align: left; vertical-align: top; }
th { background: #f4f5f7; } td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 1em; }
figure.histogram { margin: 0; border: 1px solid #e4e4e4; border-radius: 6px; padding: .4em; background: #fff; }
figure.histogram svg { width: 100%; height: auto; display: block; }
.bar { display: inline-block; height: .8em; background: #c0504d; border-radius: 2px; vertical-align: middle; margin-right: .5em; }
.bar.hint { background: #3b6ea8; }
tr.group-start td { border-top: 2px solid #bbb; }
code, pre { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: #f7f7f9; padding: .8em; overflow-x: auto; white-space: pre-wrap; max-width: 1100px; }
details summary { cursor: pointer; color: #1f5fa8; }
"""


def _case_list(cases: tuple, shown: int = 4) -> str:
    """The case names of a row; beyond the first ``shown``, one click away."""
    names = [html.escape(case) for case in cases]
    if len(names) <= shown:
        return "<br>".join(names)
    return "<br>".join(names[:shown]) + f"<details><summary>and {len(names) - shown} more</summary>" + "<br>".join(names[shown:]) + "</details>"


def page(graded: list[Graded], overview: ClassSummary, svgs: list[str]) -> str:
    """The staff report as one self-contained HTML page (no file or network fetched when opened),
    ``svgs`` the histograms of ``overview``'s distributions (:func:`autograder.figures.draw`)."""
    e = html.escape
    names = [d.assignment for d in overview.distributions]
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Class report: {e(_students(overview.students))}</title><style>{STYLE}</style></head><body>",
             f"<h1>Class report: {e(_students(overview.students))}</h1>",
             f'<p class="muted">Graded: {e(", ".join(names) or "nothing")}. Beside this page: grades.csv, feedback/, summary.md, '
             "gradebook_canvas.csv, gradebook_gradescope.csv.</p>",
             '<nav><a href="#scores">Scores</a><a href="#cases">Failed cases</a><a href="#misconceptions">Misconceptions</a>'
             + ('<a href="#problems">Grader problems</a>' if overview.problems else "") + '<a href="#students">Students</a></nav>',
             '<h2 id="scores">Scores</h2>',
             "<table><tr><th>assignment</th><th>max</th><th>mean</th><th>median</th><th>min</th><th>max scored</th><th>full marks</th></tr>"]
    for d in overview.distributions:
        cells = (points(d.max_score), f"{statistics.fmean(d.scores):.1f}", points(statistics.median(d.scores)), points(min(d.scores)),
                 points(max(d.scores)), f"{d.full_marks} of {len(d.scores)}")
        parts.append(f"<tr><td>{e(d.assignment)}</td>" + "".join(f'<td class="number">{cell}</td>' for cell in cells) + "</tr>")
    parts.append("</table>")
    parts.append('<div class="grid">' + "".join(f'<figure class="histogram" data-assignment="{e(d.assignment)}">{svg}</figure>'
                                                for d, svg in zip(overview.distributions, svgs)) + "</div>")
    parts += ['<h2 id="cases">Failed cases</h2>',
              '<p class="muted">Sorted by how many students fail them; cases failed by the same number of students share a row group.</p>']
    if overview.failing:
        parts.append('<table class="cases"><tr><th>students failing</th><th>case</th><th>most common message</th></tr>')
        for group in overview.failing:
            share = group[0].students / max(overview.students, 1)
            for index, row in enumerate(group):
                head = (f'<td class="number" rowspan="{len(group)}"><span class="bar" style="width:{60 * share:.0f}px"></span>'
                        f"{row.students} of {overview.students} ({share:.0%})</td>") if index == 0 else ""
                parts.append(f'<tr class="{"group-start" if index == 0 else ""}">{head}<td>{_case_list(row.cases)}</td>'
                             f"<td>{e(row.message)} <span class=\"muted\">({e(_students(row.seen))})</span></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No student failed any case.</p>")
    parts.append('<h2 id="misconceptions">Misconceptions recognised</h2>')
    if overview.misconceptions:
        parts.append("<table><tr><th>assignment</th><th>misconception</th><th>students</th></tr>")
        for assignment, hint, count in overview.misconceptions:
            width = 60 * count / max(overview.students, 1)
            parts.append(f'<tr><td>{e(assignment)}</td><td>{e(hint)}</td><td class="number"><span class="bar hint" style="width:{width:.0f}px"></span>{count}</td></tr>')
        parts.append("</table>")
    else:
        parts.append("<p>None recognised.</p>")
    if overview.problems:
        parts += ['<h2 id="problems">Grader problems</h2>', '<p class="muted">The details are under "staff" in results/&lt;student&gt;.json; no student sees them.</p>',
                  "<table><tr><th>problem</th><th>students</th></tr>"]
        parts += [f'<tr><td><code>{e(problem)}</code></td><td class="number">{count}</td></tr>' for problem, count in overview.problems]
        parts.append("</table>")
    parts += ['<h2 id="students">Students</h2>', '<p class="muted">Click a student for the feedback they would see (hidden cases included).</p>',
              "<table><tr><th>student</th>" + "".join(f"<th>{e(name)}</th>" for name in names) + "<th>total</th></tr>"]
    for entry in _by_student(graded):
        scores = _scores(entry)
        student = entry.submission.student
        parts.append(f'<tr id="student-{e(file_name(student))}"><td><details><summary>{e(student)}</summary><pre>{e(table(entry.result))}</pre>'
                     f'<a href="feedback/{e(file_name(student))}.txt">feedback/{e(file_name(student))}.txt</a></details></td>'
                     + "".join(f'<td class="number">{points(scores.get(name, 0.0))}</td>' for name in names)
                     + f'<td class="number">{points(entry.result.score)} / {points(entry.result.max_score)}</td></tr>')
    parts += ["</table>", "</body></html>"]
    return "\n".join(parts) + "\n"
