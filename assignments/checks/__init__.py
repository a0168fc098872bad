"""The public checks of the handout: the visible graded cases, run on your code (see harness.py)."""
