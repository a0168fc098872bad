"""Imported first by the class pool's fork server (:func:`autograder.batch.pool` names it
in the server's preload list): the server, and so every grading process it forks, is not
dumpable from the start (see :func:`autograder.private.not_dumpable`)."""

from .private import not_dumpable

not_dumpable()
