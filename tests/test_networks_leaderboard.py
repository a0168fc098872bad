"""The networks leaderboard: a configuration stated in LEADERBOARD, read without running the module,
trained with the student's own functions, posted as Gradescope's results.json ``leaderboard`` field.

The configuration's checks are tried at each limit on both sides; a graded reference with a
configuration posts the validation accuracy that the same run computes in-process, in a results.json
valid against the schema; no configuration posts nothing; a malformed one or a failing train says
why in the assignment's note and posts nothing, costing no points; the Gradescope autograder ships
the digits and posts the entry too.
"""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

from autograder import gradescope, report
from autograder.grade import reference
from autograder.suites import networks as suite
from submissions import ROOT, Grades, reference_source, swap

pytestmark = pytest.mark.networks

SCHEMA = json.loads((ROOT / "autograder" / "gradescope_files" / "results.schema.json").read_text())
REFERENCE = reference_source("networks")
STATED = '{"hidden": [32], "lr": 0.2, "epochs": 4, "batch_size": 16, "reg": 1e-4, "lr_decay": 0.9, "seed": 7}'


def with_leaderboard(source: str, config: str) -> str:
    return swap(source, "LEADERBOARD = None", f"LEADERBOARD = {config}")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return Grades("networks", tmp_path_factory.mktemp("networks-leaderboard"))


@pytest.mark.parametrize("config, expected", [
    ("None", None),
    ('{"hidden": [], "lr": 0.1, "epochs": 1, "batch_size": 8}', {"hidden": [], "lr": 0.1, "epochs": 1, "batch_size": 8, "reg": 0.0, "lr_decay": 1.0, "seed": 0}),
    ('{"hidden": [256, 1, 256], "lr": 1, "epochs": 50, "batch_size": 1197, "reg": 0, "lr_decay": 1.0, "seed": 0}',
     {"hidden": [256, 1, 256], "lr": 1, "epochs": 50, "batch_size": 1197, "reg": 0, "lr_decay": 1.0, "seed": 0}),
])
def test_a_stated_configuration_is_read_with_its_defaults(config, expected):
    """None opts out; the smallest and largest allowed values are accepted; missing optional keys take their defaults."""
    assert suite.stated_configuration(f"import numpy as np\nLEADERBOARD = {config}\n") == expected


def test_no_leaderboard_field_opts_out():
    """A module without LEADERBOARD, or one that does not parse, posts nothing (the cases report the syntax error)."""
    assert suite.stated_configuration("import numpy as np\n") is None
    assert suite.stated_configuration("def f(:\n") is None


@pytest.mark.parametrize("config, message", [
    ('dict(hidden=[8], lr=0.1, epochs=2, batch_size=8)', "literal dict"),
    ("[8]", "a dict or None"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 8, "momentum": 0.9}', "unknown keys ['momentum']"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2}', "lacks the keys ['batch_size']"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2.0, "batch_size": 8}', "'epochs'] must be an int"),
    ('{"hidden": [8], "lr": True, "epochs": 2, "batch_size": 8}', "'lr'] must be a number"),
    ('{"hidden": [257], "lr": 0.1, "epochs": 2, "batch_size": 8}', "1 to 256"),
    ('{"hidden": [0], "lr": 0.1, "epochs": 2, "batch_size": 8}', "1 to 256"),
    ('{"hidden": [8, 8, 8, 8], "lr": 0.1, "epochs": 2, "batch_size": 8}', "at most 3"),
    ('{"hidden": [8], "lr": 0.0, "epochs": 2, "batch_size": 8}', "'lr'] = 0.0 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 51, "batch_size": 8}', "'epochs'] = 51 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 0, "batch_size": 8}', "'epochs'] = 0 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 7}', "'batch_size'] = 7 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 8, "lr_decay": 0}', "'lr_decay'] = 0 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 8, "lr_decay": 1.01}', "'lr_decay'] = 1.01 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 8, "reg": -1e-3}', "'reg'] = -0.001 is outside"),
    ('{"hidden": [8], "lr": 0.1, "epochs": 2, "batch_size": 8, "seed": -1}', "'seed'] = -1 is outside"),
])
def test_a_malformed_configuration_says_what_is_wrong(config, message):
    """Just outside each limit, and anything but a literal dict: ValueError naming the problem."""
    with pytest.raises(ValueError, match=None) as raised:
        suite.stated_configuration(f"LEADERBOARD = {config}\n")
    assert message in str(raised.value)


def test_the_posted_accuracy_is_the_runs_own(graded):
    """Full marks as before, and results.json's leaderboard holds the validation accuracy of the stated run,
    recomputed here with the reference, valid against Gradescope's schema."""
    result = graded(with_leaderboard(REFERENCE, STATED))
    (assignment,) = result.assignments
    assert assignment.score == suite.SUITE.max_score and assignment.note == ""
    solution, data = reference("networks"), suite.digits()
    params = solution.init_mlp([64, 32, 10], np.random.default_rng(7))
    trained, _ = solution.train(params, data["X_train"], data["y_train"], data["X_val"], data["y_val"], 0.2, 4, 16, np.random.default_rng(8), reg=1e-4, lr_decay=0.9)
    expected = round(solution.accuracy(trained, data["X_val"], data["y_val"]), 4)
    results = report.gradescope(result)
    jsonschema.validate(results, SCHEMA)
    assert results["leaderboard"] == [{"name": suite.LEADERBOARD.name, "value": expected, "order": "desc"}]
    assert 0.85 < expected <= 1.0


def test_no_configuration_posts_nothing(graded):
    """LEADERBOARD = None (the stub's): no leaderboard field at all."""
    results = report.gradescope(graded(REFERENCE))
    jsonschema.validate(results, SCHEMA)
    assert "leaderboard" not in results


@pytest.mark.parametrize("source, note", [
    pytest.param(with_leaderboard(REFERENCE, '{"hidden": [8], "lr": 0.1, "epochs": 99, "batch_size": 8}'), "'epochs'] = 99 is outside", id="malformed"),
    pytest.param(with_leaderboard(swap(REFERENCE, "    history = {\"loss\": [], \"train_acc\": [], \"val_acc\": []}\n",
                                       "    history = {\"loss\": [], \"train_acc\": [], \"val_acc\": []}\n    if epochs == 4:\n        raise RuntimeError('four')\n"), STATED),
                 "train raised RuntimeError", id="train-raises"),
])
def test_an_entry_that_cannot_be_posted_says_why_and_costs_nothing(graded, source, note):
    """The assignment's note says why there is no entry; every graded point is kept; results.json stays valid."""
    result = graded(source)
    (assignment,) = result.assignments
    assert assignment.score == suite.SUITE.max_score and assignment.leaderboard == ()
    assert assignment.note.startswith("no leaderboard entry: ") and note in assignment.note
    results = report.gradescope(result)
    jsonschema.validate(results, SCHEMA)
    assert "leaderboard" not in results and note in results["output"]


def test_the_gradescope_autograder_ships_the_digits_and_posts_the_entry(tmp_path):
    """autograder.zip holds digits.npz where the suite reads it; its run_autograder grades the outcome case and posts the entry."""
    zip_path = tmp_path / "autograder.zip"
    gradescope.build(zip_path, assignments=["networks"])
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "networks.py").write_text(with_leaderboard(REFERENCE, STATED))
    results, output = gradescope.try_zip(zip_path, submission)
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == suite.SUITE.max_score, output
    assert [entry["name"] for entry in results["leaderboard"]] == [suite.LEADERBOARD.name]
