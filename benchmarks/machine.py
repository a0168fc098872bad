"""The machine a benchmark ran on, in one line, for the header of its table."""

from __future__ import annotations

import os
import platform

import numpy as np


def machine() -> str:
    """The machine in one line: usable CPUs (what ``nproc`` says), CPU model, OS, Python, numpy."""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"nproc {usable} ({cpu or 'unknown CPU'}), {platform.system()} {platform.release()}, Python {platform.python_version()}, numpy {np.__version__}"
