"""The public checks of word2vec (assignments/checks/test_word2vec.py) pass on right answers and catch the mistakes.

They run as a student runs them: in a folder laid out like the handout (the module as
word2vec.py, checks/ with the expected values recorded from the reference, as the release
does), in a fresh interpreter, through harness.run_checks. The wrong submissions are the
grading tests' one-mistake versions of the reference.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import test_word2vec_grading as mistakes
from submissions import reference_source, stub_source

pytestmark = pytest.mark.word2vec

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ["test_sigmoid", "test_naive_softmax_loss_and_gradient", "test_neg_sampling_loss_and_gradient", "test_skipgram"]
RUN = "import sys; sys.path.insert(0, 'checks'); import harness; sys.exit(0 if harness.run_checks('word2vec') else 1)"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """source -> {check name: its line} from running every check on a word2vec.py holding source."""
    handout = tmp_path_factory.mktemp("handout")
    shutil.copytree(ROOT / "assignments" / "checks", handout / "checks", ignore=shutil.ignore_patterns("__pycache__", "expected"))
    (handout / "word2vec.py").write_text(reference_source("word2vec"))
    record = "import harness; harness.write_expected('test_word2vec.py', '../word2vec.py', 'expected/word2vec.json')"
    subprocess.run([sys.executable, "-c", record], cwd=handout / "checks", check=True, capture_output=True)

    def run_source(source):
        (handout / "word2vec.py").write_text(source)
        done = subprocess.run([sys.executable, "-c", RUN], cwd=handout, capture_output=True, text=True, timeout=120)
        lines = {line.split()[1].rstrip(":"): line for line in done.stdout.splitlines() if line.startswith(("ok ", "FAIL "))}
        assert set(lines) == set(CHECKS), done.stdout + done.stderr
        return lines
    return run_source


def failing(lines: dict) -> set:
    return {name for name, line in lines.items() if line.startswith("FAIL")}


@pytest.mark.parametrize("source", [reference_source("word2vec"), mistakes.LOOPS, mistakes.VECTORIZED], ids=["reference", "loops", "vectorized"])
def test_right_answers_pass_every_check(run, source):
    """The reference and the grading tests' correct alternatives pass all four checks."""
    assert failing(run(source)) == set()


def test_stubs_fail_every_check_with_their_task(run):
    """Every check fails on the stubs, saying which task is not implemented yet."""
    lines = run(stub_source("word2vec"))
    assert failing(lines) == set(CHECKS)
    assert "not implemented yet (task 7.4)" in lines["test_skipgram"]


NEG, NAIVE, SKIPGRAM, SIGMOID = CHECKS[2], CHECKS[1], CHECKS[3], CHECKS[0]


@pytest.mark.parametrize("source, expected", [
    pytest.param(mistakes.NEG_SIGN, {NEG, SKIPGRAM}, id="neg-sampling-gradient-sign"),
    pytest.param(mistakes.NEG_UNIQUE, {NEG, SKIPGRAM}, id="repeated-negatives-np-unique"),
    pytest.param(mistakes.NEG_FANCY_ADD, {NEG}, id="repeated-negatives-fancy-index-add"),
    pytest.param(mistakes.NEG_ONE_FANCY_WRITE, {NEG}, id="outside-and-negatives-one-fancy-index-add"),
    pytest.param(mistakes.NAIVE_NO_ONE_HOT, {NAIVE, SKIPGRAM}, id="naive-softmax-without-one-hot"),
    pytest.param(mistakes.NAIVE_OUTER_TRANSPOSED, {NAIVE, SKIPGRAM}, id="naive-softmax-outer-transposed"),
    pytest.param(mistakes.NAIVE_NO_SHIFT, {NAIVE}, id="naive-softmax-without-max-shift"),
    pytest.param(mistakes.NAIVE_GRADIENTS_NEGATED, {NAIVE, SKIPGRAM}, id="naive-softmax-gradients-negated"),
    pytest.param(mistakes.NEG_GRADIENTS_NEGATED, {NEG, SKIPGRAM}, id="neg-sampling-gradients-negated"),
    pytest.param(mistakes.SKIPGRAM_AVERAGED, {SKIPGRAM}, id="skipgram-averaged"),
    pytest.param(mistakes.SKIPGRAM_SWAPPED, {SKIPGRAM}, id="skipgram-outside-word-as-centre"),
    pytest.param(mistakes.SKIPGRAM_CENTRE_OVERWRITTEN, {SKIPGRAM}, id="skipgram-centre-gradient-overwritten"),
    pytest.param(mistakes.SIGMOID_NAIVE, {SIGMOID, NEG}, id="sigmoid-naive-overflows"),
    pytest.param(mistakes.NEG_LOG_SIGMOID, {NEG}, id="neg-sampling-loss-as-log-of-sigmoid"),
])
def test_each_mistake_fails_the_check_of_its_task(run, source, expected):
    """A one-mistake submission fails the checks of the tasks it breaks (skipgram's uses the student's losses) and passes the others."""
    assert failing(run(source)) == expected


def test_overflow_message_names_the_warning(run):
    """An overflowing sigmoid is told which numpy warning it raised."""
    assert "overflow encountered in exp" in run(mistakes.SIGMOID_NAIVE)[SIGMOID]
