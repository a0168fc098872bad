"""What one graded case asks a module to do: a short list of calls, and which results to keep.

A plan is executed twice, by the same function, on fresh copies of the same inputs: once
on the reference module in the grader, once on the student's module in the worker. Later
calls may use the results of earlier ones (a backward pass takes the cache of the
student's own forward pass), so a cache never has to leave the process that made it.

This module is copied into the worker's sandbox: it imports only the standard library.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A value produced while a plan runs.

    ``step`` is the call (a :class:`Call` while a plan is built, its position once encoded).
    ``kind`` is ``"out"`` (what the call returned) or ``"arg"`` (an argument of the call as
    it is afterwards: how in-place updates are graded). ``path`` indexes into it: positions,
    dict keys.
    """

    step: object
    kind: str
    path: tuple = ()

    @property
    def index(self) -> int:
        """The position of the call in its plan."""
        return self.step if isinstance(self.step, int) else self.step.step

    def __getitem__(self, key) -> Ref:
        return Ref(self.step, self.kind, self.path + (key,))


@dataclass(frozen=True)
class Func:
    """A function passed as an argument (``numerical_jacobian(f, x)``, ``skipgram(..., loss)``).

    ``source`` is ``"module"`` (a function of the module under test: the student's own in the
    worker, the reference's in the grader) or ``"probe"`` (a fixed test function from
    ``autograder/probes.py``); ``kwargs`` are bound to it, as ``functools.partial`` would.
    """

    source: str
    name: str
    kwargs: tuple = ()


@dataclass(frozen=True)
class Made:
    """A value made where the plan runs, by calling probe ``name`` with ``kwargs``.

    For arguments that cannot cross the wire as data: ``Made("generator", (("seed", 7),))``
    becomes a fresh ``numpy.random.Generator`` in the worker and another, identical one
    in the grader.
    """

    name: str
    kwargs: tuple = ()


class Call:
    """One call ``function(*args, **kwargs)``; arguments may hold :class:`Ref`, :class:`Func`
    and :class:`Made`. ``step`` is its position, set by the :class:`Plan` that holds it."""

    def __init__(self, function: str, *args, **kwargs):
        self.function, self.args, self.kwargs, self.step = function, args, kwargs, -1

    def __repr__(self) -> str:
        return f"Call({self.function!r}, step={self.step})"

    @property
    def out(self) -> Ref:
        """The call's return value (index it for the items of a returned tuple)."""
        return Ref(self, "out")

    def arg(self, key) -> Ref:
        """An argument (position or keyword name) as it is after the call."""
        return Ref(self, "arg", (key,))


class Plan:
    """Calls run in order, and the named results (``outputs``: name -> :class:`Ref`) to judge."""

    def __init__(self, calls, outputs=None):
        self.calls = list(calls)
        for step, call in enumerate(self.calls):
            call.step = step
        self.outputs = dict(outputs or {})

    def __repr__(self) -> str:
        return f"Plan({self.calls!r}, outputs={sorted(self.outputs)})"

    @property
    def functions(self) -> list[str]:
        """Names of the module functions the plan calls, in order."""
        return [call.function for call in self.calls]


class StepError(Exception):
    """Call ``step`` of a plan, to ``function``, went wrong; the cause is the ``__cause__``.

    ``kind`` says how: ``"raised"`` (the call raised), ``"missing"`` (the module has no
    such function), ``"unpack"`` (its result is not what the plan indexes, e.g. a forward
    pass that returned an array instead of the tuple ``(out, cache)``) or ``"probe"`` (the
    plan names a probe that does not exist: a bug in the suite, not the student's).
    """

    def __init__(self, step: int, function: str, kind: str):
        super().__init__(f"{function}: {kind}")
        self.step, self.function, self.kind = step, function, kind


def execute(plan: Plan, module, probes=None, catch=Exception, before_call=None) -> tuple[dict, float]:
    """Run ``plan`` against ``module``; return (named outputs, seconds spent inside its calls).

    Raises :class:`StepError`, chained to the original exception, for any of ``catch``
    raised by the module's code or while reading its results (the worker passes
    ``BaseException``: ``sys.exit()`` in student code is a result too).
    ``before_call(step)``, if given, is called just before each call starts.
    """
    returned, arguments, seconds = [], [], 0.0

    def probe(name: str, step: int):
        try:
            return getattr(probes, name)
        except AttributeError as error:
            raise StepError(step, name, "probe") from error

    def unpacked(value: Ref):
        if value.kind == "arg":
            root, path = arguments[value.index][value.path[0]], value.path[1:]
        else:
            root, path = returned[value.index], value.path
            if path and not isinstance(root, (tuple, list)):
                raise TypeError(f"it returned {type(root).__name__}, not a tuple")
        for key in path:
            root = root[key]
        return root

    def resolve(value, step: int):
        if isinstance(value, Ref):
            try:
                return unpacked(value)
            except catch as error:
                raise StepError(value.index, plan.calls[value.index].function, "unpack") from error
        if isinstance(value, Func):
            if value.source == "probe":
                target = probe(value.name, step)
            else:
                try:
                    target = getattr(module, value.name)
                except catch as error:
                    raise StepError(step, value.name, "missing") from error
            return functools.partial(target, **dict(value.kwargs)) if value.kwargs else target
        if isinstance(value, Made):
            return probe(value.name, step)(**dict(value.kwargs))
        if isinstance(value, (list, tuple)):
            return type(value)(resolve(item, step) for item in value)
        if isinstance(value, dict):
            return {key: resolve(item, step) for key, item in value.items()}
        return value

    for call in plan.calls:
        try:
            function = getattr(module, call.function)
        except catch as error:
            raise StepError(call.step, call.function, "missing") from error
        args = [resolve(a, call.step) for a in call.args]
        kwargs = {key: resolve(v, call.step) for key, v in call.kwargs.items()}
        if before_call is not None:
            before_call(call.step)
        start = time.perf_counter()
        try:
            result = function(*args, **kwargs)
        except catch as error:
            raise StepError(call.step, call.function, "raised") from error
        finally:
            seconds += time.perf_counter() - start
        returned.append(result)
        arguments.append({**dict(enumerate(args)), **kwargs})
    return {name: resolve(ref, len(plan.calls)) for name, ref in plan.outputs.items()}, seconds
