"""The fork server of the class pool's grading processes, which can be started ahead of need.

The server imports the engine once (its preload: :mod:`autograder.forkserver_preload`, then
:mod:`autograder.batch`) and forks each grading process from that state. ``dlgrade grade
--class`` starts it (:func:`start`) before the command's own imports, so that the two overlap;
:func:`autograder.batch.pool` then finds it running. This module imports no numpy.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

PRELOAD = ["autograder.forkserver_preload", "autograder.batch"]


def context():
    """The multiprocessing context whose processes the fork server makes, its preload set."""
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    return forkserver


def start() -> None:
    """Start the fork server now, unless it runs; it loads its preload while this process goes on."""
    context()
    multiprocessing.forkserver.ensure_running()
