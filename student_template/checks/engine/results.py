"""Grading results: small frozen records with derived totals.

The terminal table, Gradescope's results.json and any CSV are views of these
(:mod:`autograder.report`); nothing here formats for a particular output.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome: ``passed`` is the judge's verdict, ``score`` is ``max_score`` if it
    passed and 0 otherwise; ``message`` is for the student; ``hint`` names the misconception
    the failure looks like, if one was recognised (its text is already in ``message``)."""

    assignment: str
    name: str
    max_score: float
    passed: bool
    visibility: str
    message: str = ""
    about: str = ""
    student_seconds: float = 0.0
    hint: str = ""

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0


@dataclass(frozen=True)
class Standing:
    """A leaderboard quantity the submission posts: ``order`` "desc" ranks higher values higher."""

    name: str
    value: float
    order: str = "desc"


@dataclass(frozen=True)
class AssignmentResult:
    """One assignment: its cases, the file graded (relative to the submission), and
    ``problem`` when it could not be graded at all (missing file, failed import).
    ``leaderboard`` holds its :class:`Standing` s (none unless the student opted in)."""

    assignment: str
    cases: tuple
    file: str | None = None
    problem: str = ""
    note: str = ""
    leaderboard: tuple = ()

    @property
    def score(self) -> float:
        return sum(case.score for case in self.cases)

    @property
    def max_score(self) -> float:
        return sum(case.max_score for case in self.cases)


@dataclass(frozen=True)
class SubmissionResult:
    """A whole submission: ``seed`` drew the hidden inputs; ``seconds`` is the wall time of
    grading and ``student_seconds`` the part spent inside the student's own calls.
    ``printed`` is the start of what the student's code printed; ``staff`` holds diagnostics
    for course staff only (a reference that failed, say); ``problem`` says why nothing was
    graded when no assignment was asked for by name and the submission holds none;
    ``isolation`` says in one line how the worker that ran the student's code was confined."""

    assignments: tuple
    seed: int
    seconds: float = 0.0
    student_seconds: float = 0.0
    printed: str = ""
    staff: tuple = ()
    problem: str = ""
    isolation: str = ""

    @property
    def score(self) -> float:
        return sum(a.score for a in self.assignments)

    @property
    def max_score(self) -> float:
        return sum(a.max_score for a in self.assignments)

    @property
    def cases(self) -> list:
        return [case for a in self.assignments for case in a.cases]
