"""The hidden graded suites, one module per assignment, registered by assignment name.

Adding an assignment adds a module here, named after the assignment, that defines ``SUITE``;
nothing else to edit. A suite module is imported only when its suite is first looked up:
listing the names (``list(SUITES)``, ``name in SUITES``) imports none, so a command that
grades one assignment pays for that one alone.
"""

import importlib
import os
from collections.abc import Iterator, Mapping


class Suites(Mapping):
    """The suites of the modules ``names`` of this package, by assignment name, each imported on first access.

    Iteration, ``in`` and ``len`` use the names alone. Looking a name up imports its module
    once and returns its ``SUITE`` (an :class:`autograder.suite.Suite`): ``KeyError`` for a
    name not in ``names``, ``LookupError`` when the module's suite is registered under another
    assignment's name.
    """

    def __init__(self, names):
        self._names = tuple(names)
        self._loaded = {}

    def __getitem__(self, name: str):
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            suite = importlib.import_module(f"{__name__}.{name}").SUITE
            if suite.assignment != name:  # the module's name is the key the CLI and the configs use
                raise LookupError(f"{__name__}.{name} defines the suite of {suite.assignment!r}: rename one of the two")
            self._loaded[name] = suite
        return self._loaded[name]

    def __contains__(self, name) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# the folder's own listing: pkgutil.iter_modules would import inspect (8 ms) to do the same
_MODULES = (entry.removesuffix(".py") for entry in os.listdir(__path__[0]) if entry.endswith(".py") and entry != "__init__.py")
SUITES = Suites(sorted(name for name in _MODULES if name.isidentifier()))
