"""The hidden graded suites, one module per assignment, registered by assignment name.

Adding an assignment adds a module here that defines ``SUITE``; nothing else to edit.
"""

import importlib
import pkgutil

SUITES = {}
for _module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
    _suite = importlib.import_module(f"{__name__}.{_module}").SUITE
    SUITES[_suite.assignment] = _suite
