"""dlgrade: the grading engine (locate, suite, run, judge, report) and the `dlgrade` command."""
