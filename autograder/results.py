"""Grading results: small frozen records with derived totals.

The terminal table, Gradescope's results.json and any CSV are views of these
(:mod:`autograder.report`); nothing here formats for a particular output.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome: ``score`` is 0 or ``max_score``; ``message`` is for the student."""

    assignment: str
    name: str
    max_score: float
    score: float
    visibility: str
    message: str = ""
    about: str = ""
    student_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.score == self.max_score


@dataclass(frozen=True)
class AssignmentResult:
    """One assignment: its cases, the file graded (relative to the submission), and
    ``problem`` when it could not be graded at all (missing file, failed import)."""

    assignment: str
    cases: tuple
    file: str | None = None
    problem: str = ""
    note: str = ""

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
    ``staff`` holds diagnostics for course staff only (a reference that failed, say)."""

    assignments: tuple
    seed: int
    seconds: float = 0.0
    student_seconds: float = 0.0
    staff: tuple = ()

    @property
    def score(self) -> float:
        return sum(a.score for a in self.assignments)

    @property
    def max_score(self) -> float:
        return sum(a.max_score for a in self.assignments)

    @property
    def cases(self) -> list:
        return [case for a in self.assignments for case in a.cases]
