"""The class report's figures: a histogram of each assignment's scores, drawn with matplotlib.

:func:`draw` gives the grid of histograms as one PNG (for ``summary.md``) and each histogram
as an inline SVG (for ``report.html``). matplotlib's import and the drawing take about a
second, more than grading a small class: a :class:`Drawer` does them in a process of its
own, started before the grading, so that they overlap it instead of following it.

A distribution is anything with ``assignment`` (str), ``scores`` (numbers) and ``max_score``
(:class:`autograder.class_report.Distribution`); this module imports none of the engine.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from .report import points

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # where the drawing process finds this package
DRAW_SECONDS = 120  # the drawing process's answer; past it, the figures are drawn here


def draw(distributions, columns: int = 3) -> tuple[bytes, list[str]]:
    """The PNG of every histogram in a grid ``columns`` wide, and one SVG per distribution."""
    return histograms_png(distributions, columns), [histogram_svg(distribution) for distribution in distributions]


class Drawer:
    """A process that imports matplotlib now and draws the figures when asked, once.

    :meth:`draw` gives what :func:`draw` gives; should the process fail, the figures are drawn
    in this one. :meth:`close` ends a process never asked.
    """

    def __init__(self):
        serve = f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); from autograder.figures import serve; serve()"
        try:
            self._process = subprocess.Popen([sys.executable, "-c", serve], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None

    def draw(self, distributions) -> tuple[bytes, list[str]]:
        """The figures of ``distributions`` (see :func:`draw`), from the drawing process if it can."""
        request = json.dumps([{"assignment": d.assignment, "scores": list(d.scores), "max_score": d.max_score} for d in distributions])
        if self._process is not None:
            try:
                answer, _ = self._process.communicate(request.encode(), timeout=DRAW_SECONDS)
                figures = json.loads(answer)
                if self._process.returncode == 0 and len(figures["svg"]) == len(distributions):
                    return base64.b64decode(figures["png"]), figures["svg"]
            except (OSError, ValueError, KeyError, TypeError, subprocess.TimeoutExpired):
                pass
            finally:
                self.close()
        return draw(distributions)

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None


def serve() -> None:
    """The drawing process: import matplotlib, read one request (a JSON list of distributions)
    from stdin, write the figures (``{"png": base64, "svg": [...]}``) to stdout."""
    _pyplot()
    distributions = [SimpleNamespace(**fields) for fields in json.load(sys.stdin)]
    png, svgs = draw(distributions)
    json.dump({"png": base64.b64encode(png).decode(), "svg": svgs}, sys.stdout)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _histogram(axis, distribution) -> None:
    """One assignment's histogram: scores on x from 0 to the maximum, students on y (whole numbers)."""
    from matplotlib.ticker import MaxNLocator

    top = distribution.max_score or 1
    axis.hist(distribution.scores, bins=min(20, max(1, math.ceil(top))), range=(0, top), color="#3b6ea8", edgecolor="white")
    axis.set_title(f"{distribution.assignment} (max {points(distribution.max_score)})", fontsize=11)
    axis.set_xlabel("score", fontsize=10)
    axis.set_ylabel("students", fontsize=10)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.tick_params(labelsize=9)
    axis.spines[["top", "right"]].set_visible(False)


def histograms_png(distributions, columns: int = 3) -> bytes:
    """The histograms in a grid (``columns`` wide), as one PNG (its bytes) for the Markdown summary."""
    plt = _pyplot()
    count = max(1, len(distributions))
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for axis in axes.flat[len(distributions):]:
        axis.set_visible(False)
    for axis, distribution in zip(axes.flat, distributions):
        _histogram(axis, distribution)
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return image.getvalue()


def histogram_svg(distribution) -> str:
    """One assignment's histogram as an inline ``<svg>`` element, its text kept as text (selectable, scalable)."""
    plt = _pyplot()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": distribution.assignment}):
        figure, axis = plt.subplots(figsize=(4, 3))
        _histogram(axis, distribution)
        figure.tight_layout()
        text = io.StringIO()
        figure.savefig(text, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(figure)
    svg = text.getvalue()
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg[svg.index("<svg"):], flags=re.S)  # RDF boilerplate
