"""The judging code of the suites' visible cases, and nothing else of the suites."""
