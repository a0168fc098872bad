"""How an assignment's graded cases are written: declarative, seeded, judged.

A :class:`Case` names what it grades, is worth some points, is ``visible`` (public inputs
from a fixed seed: the student can reproduce them) or ``hidden`` (inputs from the course's
secret seed, fresh for every grading run, so hard-coded answers score nothing), builds its
:class:`~autograder.plan.Plan` from a random generator, and says how it is judged.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .judge import Compare
from .plan import Made

DATA = Path(__file__).resolve().parent.parent / "assignments" / "data"  # beside the engine in autograder.zip too
PUBLIC_SEED = 182231  # fixed: public cases draw the same inputs everywhere, every time
VISIBILITIES = ("visible", "hidden")
# For inputs of magnitude 1e3: the right values computed with an overflow on the way still fail.
STABLE = Compare(no_warnings=True)


@dataclass(frozen=True)
class Case:
    """One graded check: all of its points or none.

    ``build(rng)`` returns the plan (the calls and the outputs to judge); ``judge`` is a
    :mod:`autograder.judge` judge; ``timeout`` is in seconds for the whole plan (``None``:
    the sandbox's default); ``about`` says in a few words what the case checks; ``hints``
    are the misconception hints (:class:`~autograder.hints.Hint`) tried when it fails.

    Points are for substance. A *side* case (its judge is ``side``: a :class:`~autograder.judge.Raises`,
    a ``Compare`` with ``form_only`` outputs, a ``Property(..., side=True)``; or ``side_of`` is
    given) judges a side property of one function: by default the plan's last call, else
    ``side_of``. It earns its points only when that function's *main case* passed in the same
    grading: the suite's first visible case that is not a side case and whose plan's last
    call is that function (the first hidden one if it has no visible one).
    """

    name: str
    points: float
    build: Callable
    judge: object = field(default_factory=Compare)
    visibility: str = "visible"
    timeout: float | None = None
    about: str = ""
    hints: tuple = ()
    side_of: str | None = None

    @property
    def side(self) -> bool:
        """Whether the case judges a side property, counted only beside right values."""
        return self.side_of is not None or bool(getattr(self.judge, "side", False))

    def __post_init__(self):
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"case {self.name!r}: visibility must be one of {VISIBILITIES}, not {self.visibility!r}")
        if self.points < 0:
            raise ValueError(f"case {self.name!r}: points must be >= 0")

    def rng(self, secret_seed: int) -> np.random.Generator:
        """The case's generator: the public seed for visible cases, the secret one for hidden."""
        seed = PUBLIC_SEED if self.visibility == "visible" else secret_seed
        return np.random.default_rng([seed, zlib.crc32(self.name.encode())])


@dataclass(frozen=True)
class Entry:
    """An optional leaderboard quantity (Gradescope's ``leaderboard`` field), never graded.

    ``plan(source)`` reads the configuration the student states in their file's text (parsed,
    never run) and returns the :class:`~autograder.plan.Plan` to run with their code, ``None``
    when they did not opt in, or raises ``ValueError`` saying what is wrong with it;
    ``value(outputs, plan)`` turns the plan's outputs into the number posted, or raises
    ``ValueError`` saying why there is none. ``order`` is Gradescope's ("desc": higher ranks
    higher); ``timeout`` is in seconds for the whole plan (``None``: the sandbox's default).
    """

    name: str
    plan: Callable
    value: Callable
    order: str = "desc"
    timeout: float | None = None

    def __post_init__(self):
        if self.order not in ("asc", "desc"):
            raise ValueError(f"leaderboard entry {self.name!r}: order must be 'asc' or 'desc', not {self.order!r}")


@dataclass(frozen=True)
class Suite:
    """An assignment's cases: ``assignment`` is the module name students submit (``backprop``).

    ``leaderboard`` holds its optional :class:`Entry` s; ``data`` names the files of
    ``assignments/data/`` its cases read (through :func:`data_file`); the Gradescope autograder carries them.
    """

    assignment: str
    cases: tuple
    leaderboard: tuple = ()
    data: tuple = ()

    def __post_init__(self):
        names = [case.name for case in self.cases]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"suite {self.assignment!r}: duplicate case names {duplicates}")

    @property
    def max_score(self) -> float:
        return sum(case.points for case in self.cases)


def per_output(build: Callable, name: str, points: dict, **options) -> list[Case]:
    """One case per named output of the plans ``build`` makes, each worth ``points[output]``.

    Grading each gradient of a backward pass on its own means a wrong ``db`` costs the
    ``db`` points only. A case named ``f"{name}: {output}"`` judges just that output;
    ``options`` go to every :class:`Case`. With a single output the name is kept as is.
    """
    def restricted(output):
        def build_one(rng):
            plan = build(rng)
            plan.outputs = {output: plan.outputs[output]}
            return plan
        return build_one

    return [Case(name if len(points) == 1 else f"{name}: {output}", worth, restricted(output), **options) for output, worth in points.items()]


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal float64 draws of ``shape``, times ``scale``."""
    return scale * rng.standard_normal(shape)


def with_zeros(rng: np.random.Generator, x: np.ndarray, share: float = 0.25) -> np.ndarray:
    """``x`` with about ``share`` of its entries (at least one) set to exactly 0: ReLU's kink."""
    x = x.copy()
    zeros = rng.random(x.shape) < share
    zeros.flat[rng.integers(x.size)] = True
    x[zeros] = 0.0
    return x


# -- drawing a case's inputs: the same calls on the generator wherever a suite uses them --------

def fixed(*values) -> Callable:
    """A draw that does not depend on the generator: ``fixed(4, 5)(rng)`` is ``(4, 5)``."""
    return lambda rng: values


def draw(rng: np.random.Generator, low: int, high: int) -> int:
    """A Python int in [low, high], both ends included."""
    return int(rng.integers(low, high + 1))


def distinct(rng: np.random.Generator, low: int, high: int, count: int = 2) -> list[int]:
    """``count`` different Python ints from [low, high], both ends included."""
    return [int(value) for value in rng.choice(range(low, high + 1), size=count, replace=False)]


def away_from_zero(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Magnitudes in [0.5, 2] with random signs, of ``shape``: never 0, never close to it."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def extreme_values(rng: np.random.Generator) -> np.ndarray:
    """16 values, shuffled: magnitudes up to 1e3 with both signs, and 0. exp(x) overflows from
    x = 709.8 on, so a naive sigmoid, tanh or ELU warns or gives NaN here."""
    values = [-1000.0, -745.5, -700.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 700.0, 745.5, 1000.0]
    return rng.permutation(values + list(normal(rng, 5, scale=30.0)))


def large_logit_rows(rng: np.random.Generator) -> np.ndarray:
    """(4, 6) logits around +-1e3, row 2 tied at its maximum: an unshifted softmax overflows."""
    x = normal(rng, 4, 6, scale=300.0) + rng.choice([-1000.0, 1000.0], size=(4, 1))
    x[2, :3] = x[2].max()
    return x


@functools.cache
def data_file(name: str) -> dict:
    """The arrays of ``assignments/data/<name>`` (an .npz), read once; a suite lists ``name`` in its ``data``."""
    with np.load(DATA / name) as arrays:
        return {key: arrays[key] for key in arrays.files}


def generator(seed) -> Made:
    """A numpy Generator made from ``seed`` on both sides, in the grader and in the worker."""
    return Made("generator", (("seed", int(seed)),))
