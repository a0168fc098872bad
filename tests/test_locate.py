"""Finding a submission's files: folders, zips (nested too), near misses, and safe unpacking."""

import io
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import locate as locate_module
from autograder.locate import SubmissionError, locate, opened

pytestmark = pytest.mark.engine

SOURCE = "def affine_forward(x, w, b):\n    return x @ w + b\n"
MISSING = "No file named backprop.py in your submission (expected: backprop.py)."


def write(root: Path, files: dict) -> Path:
    """Write ``{relative path: text}`` under ``root``; return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def zip_bytes(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding ``{member name: text or bytes}``, as bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def find(path, names=("backprop",)):
    """Open ``path`` and locate ``names`` in it; return (Found, folder it was opened as)."""
    with opened(path) as folder:
        return locate(folder, list(names)), folder


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Make tempfile create its folders under tmp_path/tmp, so escapes and leftovers can be seen."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


# ---------------------------------------------------------------- finding


def test_file_at_the_root(tmp_path):
    """backprop.py at the top of the submission folder is found, with no problem or note."""
    write(tmp_path, {"backprop.py": SOURCE})
    found, folder = find(tmp_path)
    assert folder == tmp_path
    assert found.files == {"backprop": tmp_path / "backprop.py"}
    assert found.problems == {} and found.notes == {}


def test_file_nested_three_folders_deep(tmp_path):
    """backprop.py three folders down is found."""
    write(tmp_path, {"a/b/c/backprop.py": SOURCE, "a/readme.txt": "hi"})
    found, _ = find(tmp_path)
    assert found.files["backprop"] == tmp_path / "a" / "b" / "c" / "backprop.py"
    assert found.problems == {}


def test_file_inside_a_zip(tmp_path):
    """backprop.py inside a zip (in a folder of the zip) is found and readable."""
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"hw1/backprop.py": SOURCE}))
    with opened(archive) as folder:
        found = locate(folder, ["backprop"])
        assert found.files["backprop"].read_text() == SOURCE
        assert found.files["backprop"].relative_to(folder) == Path("hw1/backprop.py")


def test_file_inside_a_zip_inside_a_zip(tmp_path):
    """A zip inside the uploaded zip is unpacked too, and the file found in it."""
    inner = zip_bytes({"code/backprop.py": SOURCE})
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"inner.zip": inner, "notes.md": "x"}))
    with opened(archive) as folder:
        found = locate(folder, ["backprop"])
        assert found.files["backprop"].read_text() == SOURCE
        assert found.problems == {}


def test_single_py_file(tmp_path):
    """A path to a single .py file is treated as a folder holding just that file."""
    file = write(tmp_path, {"backprop.py": SOURCE}) / "backprop.py"
    with opened(file) as folder:
        assert folder != tmp_path
        assert [p.name for p in folder.iterdir()] == ["backprop.py"]
        found = locate(folder, ["backprop"])
        assert found.files["backprop"].read_text() == SOURCE


def test_shallowest_wins_with_a_note(tmp_path):
    """Of two files with the right name the shallowest is graded, and a note names the ignored one."""
    write(tmp_path, {"old/version/backprop.py": "old", "backprop.py": SOURCE})
    found, _ = find(tmp_path)
    assert found.files["backprop"] == tmp_path / "backprop.py"
    assert found.notes["backprop"] == "Graded backprop.py; also found old/version/backprop.py, which was ignored."


def test_same_depth_ties_are_alphabetical(tmp_path):
    """At the same depth, the alphabetically first path wins."""
    write(tmp_path, {"b/backprop.py": "b", "a/backprop.py": "a"})
    found, _ = find(tmp_path)
    assert found.files["backprop"] == tmp_path / "a" / "backprop.py"
    assert found.notes["backprop"] == "Graded a/backprop.py; also found b/backprop.py, which was ignored."


@pytest.mark.parametrize("ignored", ["__MACOSX", ".ipynb_checkpoints", ".hidden", ".git", "__pycache__"])
def test_ignored_folders_are_not_searched(tmp_path, ignored):
    """Copies under __MACOSX, .ipynb_checkpoints and hidden folders are never graded."""
    write(tmp_path, {f"{ignored}/backprop.py": "junk"})
    found, _ = find(tmp_path)
    assert found.files == {}
    assert found.problems["backprop"] == MISSING


def test_ignored_copy_does_not_shadow_the_real_file(tmp_path):
    """A shallower copy in __MACOSX or a checkpoint folder neither wins nor earns a note."""
    write(tmp_path, {"__MACOSX/backprop.py": "junk", ".ipynb_checkpoints/backprop.py": "junk", "hw/backprop.py": SOURCE})
    found, _ = find(tmp_path)
    assert found.files["backprop"] == tmp_path / "hw" / "backprop.py"
    assert found.notes == {}


def test_macosx_folder_inside_zip_is_ignored(tmp_path):
    """A Mac-made zip's __MACOSX/._backprop.py companion is not graded."""
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"__MACOSX/hw/backprop.py": b"\x00\x05\x16\x07", "hw/backprop.py": SOURCE}))
    with opened(archive) as folder:
        found = locate(folder, ["backprop"])
        assert found.files["backprop"].read_text() == SOURCE
        assert found.notes == {}


# ---------------------------------------------------------------- missing files and near misses


def test_missing_file_lists_expected_names(tmp_path):
    """A missing file gets a message listing the expected file names."""
    write(tmp_path, {"other.md": "x"})
    found = locate(tmp_path, ["backprop"])
    assert found.files == {}
    assert found.problems == {"backprop": MISSING}


def test_missing_file_lists_every_expected_name(tmp_path):
    """With several assignments, the message lists all their file names."""
    write(tmp_path, {"backprop.py": SOURCE})
    found = locate(tmp_path, ["backprop", "cnn"])
    assert found.files == {"backprop": tmp_path / "backprop.py"}
    assert found.problems == {"cnn": "No file named cnn.py in your submission (expected: backprop.py, cnn.py)."}


@pytest.mark.parametrize("name", ["Backprop.py", "backprop (1).py", "backprop_final.py", "backprop.py.txt", "BACKPROP copy.py", "backprop-v2.py"])
def test_near_miss_gets_a_rename_hint(tmp_path, name):
    """A re-cased, copied or mis-suffixed file is named, with the rename that fixes it."""
    write(tmp_path, {name: SOURCE})
    found = locate(tmp_path, ["backprop"])
    assert found.files == {}
    assert found.problems["backprop"] == f"{MISSING} Found {name!r}: rename it to backprop.py and submit again."


def test_near_miss_in_a_subfolder_is_named_by_its_path(tmp_path):
    """The near miss is named by its path inside the submission."""
    write(tmp_path, {"hw1/Backprop.py": SOURCE})
    found = locate(tmp_path, ["backprop"])
    assert found.problems["backprop"].endswith("Found 'hw1/Backprop.py': rename it to backprop.py and submit again.")


def test_unreadable_notebook_is_named_in_the_problem(tmp_path):
    """A backprop.ipynb that is not notebook JSON (and no backprop.py): the problem says so."""
    write(tmp_path, {"backprop.ipynb": "{}"})
    found = locate(tmp_path, ["backprop"])
    assert found.files == {}
    assert found.problems["backprop"] == "No file named backprop.py in your submission, and backprop.ipynb is not a readable Jupyter notebook."


def test_near_miss_notebook_gets_a_rename_to_the_notebook_name(tmp_path):
    """A misnamed notebook is pointed out with the notebook name to rename it to."""
    write(tmp_path, {"Backprop (1).ipynb": "{}"})
    found = locate(tmp_path, ["backprop"])
    assert found.problems["backprop"] == f"{MISSING} Found 'Backprop (1).ipynb': rename it to backprop.ipynb and submit again."


@pytest.mark.parametrize("name", ["utils.py", "README.md", "layers.py", "notes.txt", "data.npz"])
def test_unrelated_file_gives_no_hint(tmp_path, name):
    """An unrelated file is never suggested as a rename."""
    write(tmp_path, {name: "x"})
    found = locate(tmp_path, ["backprop"])
    assert found.problems["backprop"] == MISSING


def test_empty_submission(tmp_path):
    """An empty folder: every assignment is missing, nothing found."""
    found = locate(tmp_path, ["backprop"])
    assert found.files == {} and found.problems == {"backprop": MISSING}


# ---------------------------------------------------------------- unsafe and broken input


def test_zip_member_paths_never_escape_the_temp_folder(tmp_path, private_tmp):
    """Members named with ../ or an absolute path are not written anywhere; the rest is unpacked."""
    upload = tmp_path / "upload"
    upload.mkdir()
    archive = upload / "submission.zip"
    absolute = f"/dlgrade-escape-{tmp_path.name}.py"
    archive.write_bytes(
        zip_bytes(
            {
                "../escaped_one.py": "bad",
                "../../escaped_two.py": "bad",
                "hw/../../escaped_three.py": "bad",
                absolute: "bad",
                "hw/backprop.py": SOURCE,
            }
        )
    )
    with opened(archive) as folder:
        assert folder.parent == private_tmp
        found = locate(folder, ["backprop"])
        assert found.files["backprop"].read_text() == SOURCE
        inside = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        assert inside == ["hw/backprop.py"]
    assert [p.name for p in tmp_path.rglob("escaped*")] == []
    assert not Path(absolute).exists()
    assert list(private_tmp.iterdir()) == []


def test_corrupt_member_data_raises_submission_error(tmp_path):
    """A zip whose compressed data is damaged raises SubmissionError, not a zlib error."""
    data = bytearray(zip_bytes({"backprop.py": SOURCE * 50}))
    start = 30 + len("backprop.py")  # the member's data follows its local header
    for i in range(start + 2, start + 12):
        data[i] ^= 0xFF
    archive = tmp_path / "submission.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="submission.zip is not a readable zip file"):
        find(archive)


def test_bad_crc_raises_submission_error(tmp_path):
    """A stored (uncompressed) member whose bytes were changed fails its CRC check: SubmissionError."""
    data = bytearray(zip_bytes({"backprop.py": SOURCE}, compression=zipfile.ZIP_STORED))
    start = 30 + len("backprop.py")
    data[start] ^= 0x01
    archive = tmp_path / "submission.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="submission.zip is not a readable zip file"):
        find(archive)


def test_truncated_zip_raises_submission_error(tmp_path):
    """A zip cut short (an interrupted upload) raises SubmissionError saying it is not a readable zip."""
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"backprop.py": SOURCE})[:40])
    with pytest.raises(SubmissionError, match="submission.zip is not a readable zip file"):
        find(archive)


def test_unknown_file_type_raises_submission_error(tmp_path):
    """A file that is neither a folder, a zip nor a .py raises SubmissionError saying so."""
    archive = tmp_path / "submission.tar.gz"
    archive.write_bytes(b"\x1f\x8b not really")
    with pytest.raises(SubmissionError, match=r"submission.tar.gz is neither a folder, a .zip nor a .py file"):
        find(archive)


def test_oversized_zip_raises_submission_error(tmp_path, monkeypatch):
    """A zip that unpacks to more than MAX_UNZIPPED_BYTES raises SubmissionError before writing."""
    monkeypatch.setattr(locate_module, "MAX_UNZIPPED_BYTES", 1000)
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"backprop.py": SOURCE, "data.bin": b"\x00" * 2000}))
    with pytest.raises(SubmissionError, match="submission.zip unpacks to more than"):
        find(archive)


def test_nested_zips_share_one_size_budget(tmp_path, monkeypatch):
    """Zips inside a zip count against the same MAX_UNZIPPED_BYTES: small inner bombs add up."""
    monkeypatch.setattr(locate_module, "MAX_UNZIPPED_BYTES", 1000)
    inners = {f"inner{k}.zip": zip_bytes({f"part{k}.bin": b"\x00" * 900}) for k in range(3)}
    archive = tmp_path / "submission.zip"
    archive.write_bytes(zip_bytes({"backprop.py": SOURCE, **inners}))
    assert len(archive.read_bytes()) < 1000
    with pytest.raises(SubmissionError, match="unpacks to more than"):
        find(archive)


def test_missing_path_raises_submission_error(tmp_path):
    """A path that does not exist raises SubmissionError naming it."""
    with pytest.raises(SubmissionError, match="nothere.zip does not exist"):
        find(tmp_path / "nothere.zip")


# ---------------------------------------------------------------- clean-up


@pytest.mark.parametrize("kind", ["zip", "py"])
def test_temp_folder_is_removed_after_the_context(tmp_path, private_tmp, kind):
    """The temporary folder of a zip or .py submission is gone once the context exits."""
    if kind == "zip":
        path = tmp_path / "submission.zip"
        path.write_bytes(zip_bytes({"backprop.py": SOURCE, "inner.zip": zip_bytes({"x.py": "1"})}))
    else:
        path = write(tmp_path, {"backprop.py": SOURCE}) / "backprop.py"
    with opened(path) as folder:
        assert folder.is_dir() and (folder / "backprop.py").exists()
    assert not folder.exists()
    assert list(private_tmp.iterdir()) == []
    assert path.exists()


def test_temp_folder_is_removed_when_the_body_raises(tmp_path, private_tmp):
    """The temporary folder is removed even when grading inside the context raises."""
    path = tmp_path / "submission.zip"
    path.write_bytes(zip_bytes({"backprop.py": SOURCE}))
    with pytest.raises(RuntimeError, match="boom"):
        with opened(path) as folder:
            raise RuntimeError("boom")
    assert not folder.exists()
    assert list(private_tmp.iterdir()) == []


def test_temp_folder_is_removed_after_a_bad_zip(tmp_path, private_tmp, monkeypatch):
    """A zip refused as oversized leaves no temporary folder behind."""
    monkeypatch.setattr(locate_module, "MAX_UNZIPPED_BYTES", 10)
    path = tmp_path / "submission.zip"
    path.write_bytes(zip_bytes({"backprop.py": SOURCE}))
    with pytest.raises(SubmissionError, match="unpacks to more than"):
        find(path)
    assert list(private_tmp.iterdir()) == []


def test_folder_submission_is_left_untouched(tmp_path):
    """A folder is used in place and never deleted."""
    write(tmp_path, {"backprop.py": SOURCE})
    with opened(tmp_path) as folder:
        assert folder == tmp_path
    assert (tmp_path / "backprop.py").read_text() == SOURCE
