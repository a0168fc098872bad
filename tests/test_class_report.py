"""The class's staff views: report.html rendered in headless Chromium, summary.md, gradebook CSVs.

The class here is made of results directly (no grading): each view is a function of them.
The HTML page is opened in Debian's Chromium (`/usr/bin/chromium`, installed by the test
set-up in README.md): a copy with a measuring script added reports, as the browser laid it
out, the size of each histogram and of its title and axis labels; the screenshot must show
the bars.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from autograder import figures
from autograder.batch import Graded
from autograder.class_report import markdown, summarize, write_class_report
from autograder.results import AssignmentResult, CaseResult, SubmissionResult
from autograder.roster import Submission

pytestmark = pytest.mark.classgrade

CHROMIUM = "/usr/bin/chromium"
# as root, on a closed network: no sandbox, and none of Chromium's own connections
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
LONG = ("dx differs from the expected value: the largest relative error is 0.5 at index (2, 3), where your dx is 1.25 and the "
        "expected one is 0.75; every other entry agrees within the tolerance of 1e-6, so look at how the cache is used here")
CASES = {  # assignment -> (case, points); names with | and long messages on purpose
    "backprop": [("affine_forward", 2), ("affine_backward: dx | dw", 3), ("sigmoid", 1)],
    "conv": [("conv_forward", 4), ("max_pool_forward", 2)],
}


def student(name: str, failed: dict, hint: str = "", email: str = "") -> Graded:
    """A graded student failing ``failed`` ({(assignment, case): message}), every other case passed."""
    assignments = tuple(
        AssignmentResult(assignment, tuple(
            CaseResult(assignment, case, points, (assignment, case) not in failed, "visible", failed.get((assignment, case), ""),
                       hint=hint if (assignment, case) in failed else "")
            for case, points in cases), f"{assignment}.py")
        for assignment, cases in CASES.items())
    return Graded(Submission(name, Path(name), name=name.title() if email else "", email=email), SubmissionResult(assignments, seed=1))


@pytest.fixture(scope="module")
def graded() -> list:
    """Five students: ties in failure counts, one message shared by one student only, a misconception caught once."""
    return [
        student("alice", {}),
        student("bob", {("backprop", "sigmoid"): "sigmoid overflowed at x = 710", ("conv", "conv_forward"): LONG}, hint="bias averaged"),
        student("carol", {("backprop", "sigmoid"): "sigmoid overflowed at x = 800", ("conv", "conv_forward"): LONG}),
        student("dan@example.edu", {("backprop", "affine_backward: dx | dw"): "dx has shape (4, 5), expected (4, 3)"}, email="dan@example.edu"),
        student("erin", {("backprop", "sigmoid"): "sigmoid returned NaN", ("conv", "conv_forward"): LONG,
                         ("conv", "max_pool_forward"): "max_pool_forward is not implemented yet"}),
    ]


@pytest.fixture(scope="module")
def report(graded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("grading")
    write_class_report(graded, out, list(CASES))
    return out


# -- Markdown ---------------------------------------------------------------------------------

def test_markdown_rows_keep_their_columns(graded):
    """A case name holding | is escaped: every row of the failed-cases table has exactly three cells."""
    text = markdown(summarize(graded, list(CASES)))
    table = text.split("## The cases most students fail")[1].split("##")[0]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) >= 4
    assert all(len(re.split(r"(?<!\\)\|", row)) == 5 for row in rows)  # 3 cells between 4 bars
    assert "backprop: affine_backward: dx \\| dw" in table


def test_markdown_sorts_failures_and_groups_ties(graded):
    """Most failed first; cases failed by as many students share one count (a row each, as their messages differ)."""
    text = markdown(summarize(graded, list(CASES)))
    rows = [line for line in text.split("## The cases most students fail")[1].split("##")[0].splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0] for row in rows] == ["| 3 of 5", "| ", "| 1 of 5", "| "]
    assert rows[0].startswith("| 3 of 5 | backprop: sigmoid | sigmoid overflowed at x = 710 (2 students) |")
    assert rows[1].startswith("|  | conv: conv_forward | dx differs")
    assert rows[2] == "| 1 of 5 | backprop: affine_backward: dx \\| dw | dx has shape (4, 5), expected (4, 3) (1 student) |"
    assert rows[3] == "|  | conv: max_pool_forward | max_pool_forward is not implemented yet (1 student) |"


def test_cases_with_one_count_and_one_message_share_a_row():
    """Two students without conv.py: conv's cases, failed by both with the same message, are one row naming them."""
    missing = "No file named conv.py in your submission (expected: conv.py)."
    overview = summarize([student(name, {("conv", case): missing for case, _ in CASES["conv"]}) for name in ("x", "y")], list(CASES))
    assert [[(row.cases, row.students, row.message, row.seen) for row in group] for group in overview.failing] == [
        [(("conv: conv_forward", "conv: max_pool_forward"), 2, missing, 2)]]


def test_markdown_cuts_long_messages_between_words(graded):
    """A long message is cut at a space, with an ellipsis; "1 student", never "1 students"."""
    text = markdown(summarize(graded, list(CASES)))
    row = next(line for line in text.splitlines() if "conv: conv_forward" in line)
    message = row.split(" | ")[2]
    cut = message.split(" …")[0]
    assert " …" in message and LONG.startswith(cut) and LONG[len(cut)] == " "
    assert "(1 students)" not in text and "| bias averaged | 1 |" in text


# -- gradebooks -------------------------------------------------------------------------------

def rows_of(path: Path) -> list:
    return list(csv.reader(io.StringIO(path.read_text())))


def test_canvas_gradebook_csv(report):
    """Canvas's import layout: its five identifying columns, one per assignment, a Points Possible row, then a row per student."""
    rows = rows_of(report / "gradebook_canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "backprop", "conv"]
    assert rows[1] == ["Points Possible", "", "", "", "", "6", "6"]
    assert rows[2] == ["alice", "", "", "alice", "", "6", "6"]
    assert ["Dan@Example.Edu", "", "", "dan@example.edu", "", "3", "6"] in rows
    assert len(rows) == 2 + 5


def test_gradescope_scores_csv(report):
    """Gradescope's score upload: Name, Email, SID, Total Score; an id with @ is the email, any other the SID."""
    rows = rows_of(report / "gradebook_gradescope.csv")
    assert rows[0] == ["Name", "Email", "SID", "Total Score"]
    assert ["", "", "alice", "12"] in rows and ["Dan@Example.Edu", "dan@example.edu", "", "9"] in rows
    assert len(rows) == 1 + 5


# -- HTML, rendered ---------------------------------------------------------------------------

MEASURE = """<script>
addEventListener("load", () => {
  const box = (element) => { const r = element.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const figures = [...document.querySelectorAll("figure.histogram")].map((figure) => ({
    assignment: figure.dataset.assignment, size: box(figure.querySelector("svg")),
    axes: figure.querySelectorAll('g[id^="matplotlib.axis"]').length,
    texts: [...figure.querySelectorAll("text")].map((text) => [text.textContent.trim(), box(text)[1]]),
  }));
  const feedback = [...document.querySelectorAll('tr[id^="student-"] details')].map((details) => {
    const pre = details.querySelector("pre"), before = pre.checkVisibility();
    details.querySelector("summary").click();  // one click shows the feedback
    return [details.querySelector("summary").textContent, before, pre.checkVisibility() && box(pre)[1], pre.textContent];
  });
  const out = document.createElement("pre"); out.id = "measured";
  out.textContent = JSON.stringify({figures, feedback, width: innerWidth});
  document.body.append(out);
});
</script>"""


def chromium(*arguments, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={cwd / 'profile'}", *arguments],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_report_html_is_self_contained(report):
    """report.html fetches nothing: no script, no stylesheet link, no source; links go within the page or to feedback/; the figures are inline SVG."""
    text = (report / "report.html").read_text()
    assert "<script" not in text and "<link" not in text and "src=" not in text
    assert {link.split("/")[0] if "/" in link else link[0] for link in re.findall(r'href="([^"]*)"', text)} == {"#", "feedback"}
    assert text.count("<svg") == len(CASES) and "<style>" in text


def test_report_html_renders_readable_figures_in_chromium(report, tmp_path):
    """In Chromium: one histogram per assignment at least 300 x 200 px, with its title and axis labels at least 9 px tall,
    x and y axes; each student's feedback one click away; the screenshot shows the bars."""
    measured = tmp_path / "measured.html"
    measured.write_text((report / "report.html").read_text().replace("</body>", MEASURE + "</body>"))
    dom = chromium("--window-size=1280,2000", "--dump-dom", measured.as_uri(), cwd=tmp_path).stdout
    found = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)[1].replace("&quot;", '"').replace("&amp;", "&"))
    assert [figure["assignment"] for figure in found["figures"]] == list(CASES)
    for figure in found["figures"]:
        width, height = figure["size"]
        assert width >= 300 and height >= 200, figure
        assert figure["axes"] == 2, figure  # an x and a y axis
        heights = dict(figure["texts"])
        title = next(text for text in heights if text.startswith(figure["assignment"]))
        assert title == f"{figure['assignment']} (max 6)"
        assert min(heights[title], heights["score"], heights["students"]) >= 9, figure
    assert [name for name, *_ in found["feedback"]] == ["alice", "bob", "carol", "dan@example.edu", "erin"]
    for name, before, after, text in found["feedback"]:
        assert before is False and after > 100 and "Total:" in text, name  # hidden until clicked, then the student's table

    chromium("--window-size=1280,1400", f"--screenshot={tmp_path / 'shot.png'}", (report / "report.html").as_uri(), cwd=tmp_path)
    import matplotlib.image
    import numpy as np

    shot = matplotlib.image.imread(tmp_path / "shot.png")[..., :3]
    assert shot.shape[:2] == (1400, 1280)
    bars = np.all(np.abs(shot - np.array([0x3b, 0x6e, 0xa8]) / 255) < 0.03, axis=-1)  # the histograms' blue
    assert bars.sum() > 2000


# -- the figures, drawn in a process of their own ------------------------------------------------

def test_the_drawing_process_draws_what_this_one_would(graded):
    """A Drawer (started before the grading, as `--class` starts it) gives the very bytes of the
    PNG and the SVGs that drawing in this process gives."""
    distributions = summarize(graded, list(CASES)).distributions
    drawer = figures.Drawer()
    png, svgs = drawer.draw(distributions)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(svgs) == len(CASES)
    assert (png, svgs) == figures.draw(distributions)
    assert drawer._process is None  # asked once, ended


def test_a_drawing_process_that_fails_leaves_the_drawing_to_this_one(graded, monkeypatch):
    """A drawing process that dies (or never starts) costs nothing but its time: the figures are
    drawn here, the same; a drawer never asked ends its process at close()."""
    distributions = summarize(graded, list(CASES)).distributions
    expected = figures.draw(distributions)
    monkeypatch.setattr(figures.sys, "executable", "/bin/false")
    assert figures.Drawer().draw(distributions) == expected
    monkeypatch.setattr(figures.sys, "executable", "/nonexistent/python")
    assert figures.Drawer().draw(distributions) == expected
    monkeypatch.undo()
    idle = figures.Drawer()
    process = idle._process
    idle.close()
    assert process.poll() is not None and idle._process is None
