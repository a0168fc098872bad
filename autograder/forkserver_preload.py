"""Imported first by the class pool's fork server (:data:`autograder.forkserver.PRELOAD`): the server, and so every grading process it forks, is not
dumpable from the start (see :func:`autograder.private.not_dumpable`), and the numpy it
imports next (with :mod:`autograder.batch`) starts one BLAS thread."""

import os

from .private import not_dumpable
from .threads import ONE_THREAD

not_dumpable()
os.environ.update(ONE_THREAD)
