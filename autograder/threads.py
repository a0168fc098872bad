"""One BLAS thread per grading process.

Class mode runs one grading process per core, each with its worker beside it: a BLAS that
starts a thread per core in every process only makes them compete for the cores (the
matrices graded are small). :data:`ONE_THREAD` is the environment that gives a numpy
imported afterwards one thread; :func:`one_blas_thread` also limits a BLAS already loaded.
"""

from __future__ import annotations

import ctypes
import os

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# OpenBLAS's setter, under the names numpy's wheels (scipy-openblas) and distributions export it
SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
           "openblas_set_num_threads")


def one_blas_thread() -> None:
    """Give this process's BLAS one thread, and set :data:`ONE_THREAD` for what it starts later."""
    os.environ.update(ONE_THREAD)
    try:
        with open("/proc/self/maps") as maps:
            loaded = {line.split(maxsplit=5)[5].strip() for line in maps if line.count(" ") >= 5 and "openblas" in line.lower()}
    except OSError:  # not Linux: the environment is all there is
        return
    for path in loaded:
        library = ctypes.CDLL(path)
        for name in SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                break
