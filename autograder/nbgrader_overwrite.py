"""nbgrader's autograde without its false alarm on test cells with hidden tests.

``nbgrader generate_assignment`` stores a test cell's checksum before it removes the hidden
tests, so ``nbgrader autograde`` warns "Attribute 'checksum' ... has changed!" on every such
cell of every submission, untouched or not (jupyter/nbgrader#1961). The course's
``nbgrader_config.py`` (written by ``dlgrade nbgrader export``) uses
:class:`OverwriteHiddenTestCells` in its place: a cell exactly as it was released is given
its hidden tests back silently; any other change still warns, as nbgrader's does.
Needs nbgrader; imported only by that config.
"""

from __future__ import annotations

import copy

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class OverwriteHiddenTestCells(OverwriteCells):
    """OverwriteCells that restores, without a warning, a locked cell left as released."""

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and cell.metadata.nbgrader.get("locked"):
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:  # nbgrader's own handling says so
                source = None
            if source is not None and cell.source == released(source.source, cell):
                cell.source = source.source
        return super().preprocess_cell(cell, resources, cell_index)


def released(source: str, cell) -> str:
    """``source`` as generate_assignment releases it: its hidden-test regions removed, by nbgrader's own rule."""
    draft = copy.deepcopy(cell)
    draft.source = source
    ClearHiddenTests()._remove_hidden_test_region(draft)
    return draft.source
