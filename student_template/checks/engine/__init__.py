"""Copies of the grader's judging code, made by `dlgrade release`: never edit them."""
