"""The grader protects itself from what it grades (issue 17, item 2).

- The grader and the class's pool processes are not dumpable: a process of the same uid
  (student code outside Gradescope) can neither read their memory nor their environment.
- The wire decoder refuses oversized and over-nested messages before it allocates or parses.
- A deadline that has already passed is a timeout, never a crash.
- Class mode keeps its output to the instructor (0700 / 0600) and signs stored results:
  an edited result is regraded and reported; a bad ``OUT/secret`` is a one-line error.
- The Gradescope zip is 0600 from its first byte and never left half-built; ``try`` refuses
  a used ``--keep`` folder and a zip that is not an autograder, and installs privately.

Where the kernel's answer depends on the uid (root may read any process), the check runs in
a child that drops to an unused uid after its imports; outside root it runs as the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pwd
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder import gradescope, wire
from autograder.cli import main
from autograder.plan import Call, Plan
from autograder.sandbox import Limits, Sandbox
from submissions import REFERENCE, ROOT, stub_source

LINUX = sys.platform.startswith("linux")
AS_ROOT = os.geteuid() == 0
UNUSED_UID = next(uid for uid in range(62000, 65000) if uid not in {entry.pw_uid for entry in pwd.getpwall()})


def as_unprivileged(script: str, *arguments: str) -> str:
    """Run ``script`` (its imports done first) in a fresh Python as an ordinary user: under
    root it drops to an unused uid, dumpable again as a program started by that user would
    be (a uid change clears the flag); otherwise as the caller. Its stdout."""
    prelude = f"""
import ctypes, os, sys
if os.geteuid() == 0:
    os.setgroups([]); os.setgid({UNUSED_UID}); os.setuid({UNUSED_UID})
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)
"""
    imports, _, body = script.partition("# -- then\n")
    finished = subprocess.run([sys.executable, "-c", imports + prelude + body, *arguments], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def single_line_error(text: str, *parts: str) -> None:
    """``text`` is one ``dlgrade: error:`` line holding each of ``parts``, with no traceback."""
    assert text.count("\n") == 1 and text.startswith("dlgrade: error: ") and "Traceback" not in text, text
    for part in parts:
        assert part in text, text


# -- not dumpable -----------------------------------------------------------------------------

PEEK = """
import json, os, sys
from autograder import private
# -- then
if sys.argv[1] == "hardened":
    private.not_dumpable()
grader = os.getpid()
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:  # the attacker: a process of the grader's own uid
    seen = {"owner": os.stat(f"/proc/{grader}/mem").st_uid == os.getuid()}
    for name in ("environ", "mem"):
        try:
            open(f"/proc/{grader}/{name}", "rb").close()
            seen[name] = "opened"
        except PermissionError:
            seen[name] = "denied"
    os.write(write_end, json.dumps(seen).encode())
    os._exit(0)
os.close(write_end)
os.waitpid(child, 0)
print(os.read(read_end, 4096).decode())
"""


@pytest.mark.engine
@pytest.mark.skipif(not LINUX, reason="PR_SET_DUMPABLE is Linux's; elsewhere not_dumpable does nothing")
@pytest.mark.parametrize("state, expected", [
    ("ordinary", {"owner": True, "environ": "opened", "mem": "opened"}),
    ("hardened", {"owner": False, "environ": "denied", "mem": "denied"}),
])
def test_a_process_of_the_same_uid_cannot_read_a_non_dumpable_grader(state, expected):
    """Once not dumpable, the kernel gives the grader's /proc files to root: a same-uid child can open neither mem nor environ (an ordinary process: both)."""
    assert json.loads(as_unprivileged(PEEK, state)) == expected


@pytest.mark.engine
@pytest.mark.skipif(not LINUX, reason="PR_SET_DUMPABLE is Linux's; elsewhere not_dumpable does nothing")
@pytest.mark.parametrize("module, argv", [
    ("cli", ["grade", "no-such-submission"]),
    ("cli", ["gradescope", "try", "no.zip", "no-folder"]),
    ("cli", ["--help"]),
    ("gradescope", ["--root", "no-such-root"]),
], ids=["grade", "gradescope-try", "help", "run_autograder"])
def test_every_command_makes_the_grader_not_dumpable(tmp_path, module, argv):
    """dlgrade's main, and the one run_autograder runs, make the process not dumpable, whatever the command."""
    script = (f"import sys\nfrom autograder import {module}, private\nbefore = private.dumpable()\n"
              f"try:\n    {module}.main({argv!r})\nexcept SystemExit:\n    pass\nprint(before, private.dumpable(), file=sys.stderr)\n")
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert finished.stderr.splitlines()[-1] == "True False"


POOL = """
import concurrent.futures, multiprocessing, sys
from autograder import batch, private
if __name__ == "__main__":
    if sys.argv[1] == "class":
        with batch.pool(2) as workers:
            print(all(workers.submit(private.dumpable).result() is False for _ in range(4)), end=" ")
    # a pool without the initializer: its processes are as dumpable as the fork server that forks them
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as plain:
        print(plain.submit(private.dumpable).result())
"""


@pytest.mark.classgrade
@pytest.mark.skipif(not LINUX, reason="PR_SET_DUMPABLE is Linux's; elsewhere not_dumpable does nothing")
@pytest.mark.parametrize("pools, expected", [("plain", "True"), ("class", "True False")])
def test_the_class_pool_and_its_fork_server_are_not_dumpable(tmp_path, pools, expected):
    """The class pool's processes are not dumpable, and neither is its fork server: even a process it forks
    without the pool's initializer is born non-dumpable (a plain fork server's children are dumpable)."""
    (tmp_path / "pools.py").write_text(POOL)
    finished = subprocess.run([sys.executable, str(tmp_path / "pools.py"), pools], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == expected.split()


# -- the wire: bounded before it allocates or parses -------------------------------------------

@pytest.fixture
def pipe():
    """A pipe (read end, write end), both closed afterwards."""
    read_end, write_end = os.pipe()
    yield read_end, write_end
    os.close(read_end)
    os.close(write_end)


@pytest.mark.engine
@pytest.mark.parametrize("size", [wire.MAX_FRAME + 1, 2**62, 2**64 - 1])
def test_an_announced_huge_frame_is_refused_from_its_length_alone(pipe, size):
    """A frame announcing more than MAX_FRAME bytes is refused after reading its 8-byte length, nothing more."""
    read_end, write_end = pipe
    os.write(write_end, struct.pack(">Q", size) + b"[" * 1000)
    with pytest.raises(wire.WireError, match=f"message of {size} bytes exceeds the {wire.MAX_FRAME}-byte limit"):
        wire.receive(read_end)
    assert os.read(read_end, 4096) == b"[" * 1000  # the body was never read


@pytest.mark.engine
@pytest.mark.parametrize("declared", [23, 2**62, 2**64 - 1])
def test_a_header_longer_than_its_payload_is_refused(declared):
    """A payload whose header length runs past its end is malformed: nothing is read beyond it."""
    data = struct.pack(">Q", declared) + json.dumps({"tuple": [1, 2]}).encode()
    with pytest.raises(wire.WireError, match=f"a header of {declared} bytes in a payload of {len(data)} bytes"):
        wire.decode(data)


def nested(depth: int, wrap, value=0) -> object:
    """``value`` wrapped ``depth`` times by ``wrap``."""
    for _ in range(depth):
        value = wrap(value)
    return value


@pytest.mark.engine
@pytest.mark.parametrize("wrap", [lambda v: [v], lambda v: {"tuple": [v]}, lambda v: {"dict": [[0, v]]}, lambda v: {"a": v}],
                         ids=["lists", "tuples", "dicts", "objects"])
def test_a_header_nested_too_deeply_never_reaches_the_json_parser(monkeypatch, wrap):
    """Nesting beyond MAX_JSON_DEPTH, whatever brackets build it, is refused on the header's bytes."""
    header = json.dumps(nested(wire.MAX_JSON_DEPTH + 1, wrap)).encode()
    monkeypatch.setattr(json, "loads", lambda *_: pytest.fail("the header reached the JSON parser"))
    with pytest.raises(wire.WireError, match="message nested too deeply"):
        wire.decode(struct.pack(">Q", len(header)) + header)


@pytest.mark.engine
def test_a_huge_deep_header_is_refused_without_parsing(monkeypatch):
    """Eight megabytes of bracket groups, one of them a level too deep, are measured and refused without JSON."""
    depth = wire.MAX_JSON_DEPTH
    group = b"[" * (depth - 1) + b"]" * (depth - 1) + b","
    header = b"[" + group * ((8 << 20) // len(group)) + b"[" * depth + b"]" * depth + b"]"
    monkeypatch.setattr(json, "loads", lambda *_: pytest.fail("the header reached the JSON parser"))
    with pytest.raises(wire.WireError, match="message nested too deeply"):
        wire.decode(struct.pack(">Q", len(header)) + header)


@pytest.mark.engine
def test_brackets_inside_strings_do_not_count():
    """A string full of brackets (and escaped quotes) is data, not nesting: it decodes."""
    text = '[{"' * 5000 + '\\"]'
    assert wire.decode(wire.encode([text, {"k": text}])) == [text, {"k": text}]


@pytest.mark.engine
@pytest.mark.parametrize("header", [b"[[0]", b"[0]]", b"]["], ids=["open", "close", "reversed"])
def test_unbalanced_brackets_are_malformed(header):
    """Brackets that do not balance are refused as malformed."""
    with pytest.raises(wire.WireError, match="malformed message"):
        wire.decode(struct.pack(">Q", len(header)) + header)


WRAPPERS = {  # how to nest a value one level deeper, and how to take it out again
    "lists": (lambda v: [v], lambda v: v[0]),
    "tuples": (lambda v: (v,), lambda v: v[0]),
    "dicts": (lambda v: {"k": v}, lambda v: v["k"]),
}


@pytest.mark.engine
@pytest.mark.parametrize("wrap, unwrap", WRAPPERS.values(), ids=WRAPPERS.keys())
@pytest.mark.parametrize("leaf", [np.arange(3.0), np.float32(1.5), 1 + 2j], ids=["array", "scalar", "complex"])
def test_the_deepest_values_the_encoder_makes_still_decode(wrap, unwrap, leaf):
    """A value nested just within MAX_DEPTH comes back whole; a deeper one comes back cut to an Opaque by the
    encoder: what the encoder makes is always within the decoder's bound on the header's nesting."""
    back = wire.decode(wire.encode(nested(wire.MAX_DEPTH - 1, wrap, leaf)))
    for _ in range(wire.MAX_DEPTH - 1):
        back = unwrap(back)
    assert type(back) is type(leaf)
    np.testing.assert_array_equal(back, leaf)
    deep = wire.decode(wire.encode(nested(wire.MAX_DEPTH + 8, wrap, leaf)))
    for _ in range(wire.MAX_DEPTH - 1):
        deep = unwrap(deep)
    assert wire.Opaque("deeply nested structure") in (list(deep.values()) if isinstance(deep, dict) else list(deep))


@pytest.mark.engine
@pytest.mark.parametrize("tree, data, message", [
    ({"array": "<f8", "shape": [True, 2]}, b"\0" * 16, "not a list of integers"),
    ({"array": "<f8", "shape": [2.0]}, b"\0" * 16, "not a list of integers"),
    ({"array": "<f8", "shape": 2}, b"\0" * 16, "not a list of integers"),
    ([{"array": "<f8", "shape": [2]}] * 3, b"\0" * 40, "array data truncated"),
    ([{"array": "<f8", "shape": [2]}] * 2, b"\0" * 40, "8 bytes of array data left over"),
    ([{"array": "<f8", "shape": [0, 2**40]}] * 1000, b"\0" * 8, "8 bytes of array data left over"),
], ids=["bool-dimension", "float-dimension", "shape-not-a-list", "more-arrays-than-bytes", "bytes-left-over", "empty-arrays"])
def test_the_arrays_a_header_declares_must_account_for_the_payload(tree, data, message):
    """Array shapes are lists of integers, and the arrays declared use up the payload's bytes exactly."""
    header = json.dumps(tree).encode()
    with pytest.raises(wire.WireError, match=message):
        wire.decode(struct.pack(">Q", len(header)) + header + data)


# -- a passed deadline ---------------------------------------------------------------------------

@pytest.mark.engine
def test_a_deadline_already_passed_is_a_timeout_not_a_crash(tmp_path):
    """A call whose time budget is spent before the request is written times out (and the next call runs)."""
    (tmp_path / "twice.py").write_text("def double(x):\n    return 2 * x\n")
    call = Call("double", 21)
    plan = Plan([call], {"out": call.out})
    with Sandbox({"twice": tmp_path / "twice.py"}, Limits(import_seconds=20)) as sandbox:
        late = sandbox.run("twice", plan, seconds=1e-9)
        assert (late.status, late.value) == ("timeout", {"step": None})
        assert sandbox.run("twice", plan, seconds=20).value["outputs"] == {"out": 42}


# -- class mode: private output, signed results ---------------------------------------------

def class_of(root: Path) -> Path:
    """Two students, alice (the reference) and bob (the stubs); their folder."""
    for student, source in (("alice", REFERENCE), ("bob", stub_source("backprop"))):
        (root / "subs" / student).mkdir(parents=True)
        (root / "subs" / student / "backprop.py").write_text(source)
    return root / "subs"


def grade_class(subs: Path, capsys, *extra) -> tuple[int, str]:
    """``dlgrade grade SUBS --class -a backprop``: exit status and stderr (the progress bar left out)."""
    status = main(["grade", str(subs), "--class", "-a", "backprop", "--jobs", "1", *extra])
    err = capsys.readouterr().err
    return status, "".join(line + "\n" for line in err.splitlines() if not line.startswith("["))


def totals(out: Path) -> dict:
    lines = (out / "grades.csv").read_text().splitlines()[1:]
    return {line.split(",")[0]: line.split(",")[-1] for line in lines}


@pytest.fixture
def open_umask():
    """The most permissive umask while the test runs: only the grader's own modes protect its files."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.classgrade
def test_the_class_output_is_the_instructors_alone(tmp_path, capsys, open_umask):
    """Under umask 0, an existing output folder of ours is made 0700, its folders 0700, every file 0600."""
    subs = class_of(tmp_path)
    out = tmp_path / "grading"
    out.mkdir(mode=0o777)
    assert grade_class(subs, capsys)[0] == 0
    folders = [out, *(path for path in out.rglob("*") if path.is_dir())]
    files = [path for path in out.rglob("*") if path.is_file()]
    assert {path.relative_to(out).as_posix() for path in folders} == {".", "results", "feedback"}
    assert {"secret", "grades.csv", "summary.md", "scores.png", "results/alice.json", "feedback/bob.txt"} <= {p.relative_to(out).as_posix() for p in files}
    assert {stat.S_IMODE(path.stat().st_mode) for path in folders} == {0o700}
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}


def edited(record: dict) -> dict:
    """``record`` with every case passed (full marks: the score is derived from them), the HMAC kept."""
    for assignment in record["result"]["assignments"]:
        for case in assignment["cases"]:
            case["passed"] = True
    return record


def forged(record: dict) -> dict:
    """:func:`edited`, with the HMAC recomputed under a guessed key."""
    body = {key: value for key, value in edited(record).items() if key != "hmac"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return {**body, "hmac": hmac.new(hashlib.sha256(b"guess").digest(), canonical, hashlib.sha256).hexdigest()}


TAMPERING = {
    "edited": lambda text: json.dumps(edited(json.loads(text))),
    "forged": lambda text: json.dumps(forged(json.loads(text))),
    "unsigned": lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "hmac"}),
    "truncated": lambda text: text[: len(text) // 2],
}


@pytest.mark.classgrade
@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_tampered_stored_result_is_regraded_and_reported(tmp_path, capsys, tamper):
    """An edited, forged, unsigned or truncated results/bob.json is not reused: bob is regraded to his real score,
    the run says so on stderr and in summary.md's grader problems, and the next run reuses the fresh result silently."""
    subs = class_of(tmp_path)
    out = tmp_path / "grading"
    assert grade_class(subs, capsys)[0] == 0
    stored = out / "results" / "bob.json"
    stored.write_text(tamper(stored.read_text()))
    status, err = grade_class(subs, capsys)
    report = "results/bob.json failed its integrity check: regraded"
    assert status == 0 and f"dlgrade: staff: {report}\n" in err
    assert f"| {report} | 1 |" in (out / "summary.md").read_text()
    assert totals(out) == {"alice": "60", "bob": "0"}
    again, err = grade_class(subs, capsys)
    assert again == 0 and "integrity" not in err and "Grader problems" not in (out / "summary.md").read_text()


@pytest.mark.classgrade
def test_a_result_made_under_another_secret_is_regraded_without_a_report(tmp_path, capsys):
    """Results made with another --seed were made from other inputs: graded again, and not called tampered."""
    subs = class_of(tmp_path)
    assert grade_class(subs, capsys, "--seed", "1")[0] == 0
    status, err = grade_class(subs, capsys, "--seed", "2")
    assert status == 0 and "integrity" not in err
    assert totals(tmp_path / "grading") == {"alice": "60", "bob": "0"}


@pytest.mark.classgrade
@pytest.mark.parametrize("spoil", [
    lambda path: path.write_text("not a number\n"),
    lambda path: path.write_text(""),
    lambda path: path.write_bytes(b"\xff\xfe12"),
    lambda path: path.write_text("-5\n"),
    lambda path: path.mkdir(),
], ids=["text", "empty", "not-utf8", "negative", "a-folder"])
def test_a_bad_secret_file_is_a_one_line_error(tmp_path, capsys, spoil):
    """A corrupt or unreadable OUT/secret stops the run with one line saying what to do (exit 2); --seed still grades."""
    subs = class_of(tmp_path)
    (tmp_path / "grading").mkdir()
    spoil(tmp_path / "grading" / "secret")
    status, err = grade_class(subs, capsys)
    assert status == 2
    single_line_error(err, str(tmp_path / "grading" / "secret"), "delete it to start over with a new secret", "--seed")
    assert grade_class(subs, capsys, "--seed", "3")[0] == 0


@pytest.mark.classgrade
def test_an_output_path_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    """--out at a file is one line and exit 2, not a traceback."""
    subs = class_of(tmp_path)
    (tmp_path / "taken").write_text("")
    status, err = grade_class(subs, capsys, "--out", str(tmp_path / "taken"))
    assert status == 2
    single_line_error(err, f"cannot write {tmp_path / 'taken'}")


# -- the Gradescope zip ---------------------------------------------------------------------------

@pytest.mark.gradescope
def test_the_zip_and_its_partial_are_private_from_the_start(tmp_path, monkeypatch, open_umask):
    """Under umask 0, the partial is 0600 before its first entry is written (even one left world-readable
    by an older build), and so is the finished zip."""
    out = tmp_path / "autograder.zip"
    partial = tmp_path / "autograder.zip.partial"
    partial.write_text("left over")
    partial.chmod(0o644)
    modes, add = [], gradescope._add
    monkeypatch.setattr(gradescope, "_add", lambda *args, **kwargs: (modes.append(stat.S_IMODE(partial.stat().st_mode)), add(*args, **kwargs)))
    gradescope.build(out, assignments=["backprop"])
    assert modes and set(modes) == {0o600}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and not partial.exists()


@pytest.mark.gradescope
@pytest.mark.parametrize("error", [RuntimeError("disk trouble"), KeyboardInterrupt()], ids=["exception", "ctrl-c"])
def test_a_failed_build_leaves_no_partial_and_the_old_zip(tmp_path, monkeypatch, error):
    """An exception or Ctrl-C halfway through the build removes the partial and keeps the previous zip as it was."""
    out = tmp_path / "autograder.zip"
    out.write_bytes(b"the previous build")
    calls, add = [], gradescope._add

    def failing(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 6:  # the engine's first file: the secret is already in
            raise error
        add(*args, **kwargs)

    monkeypatch.setattr(gradescope, "_add", failing)
    with pytest.raises(type(error)):
        gradescope.build(out, assignments=["backprop"])
    assert "secret_seed" in calls and sorted(path.name for path in tmp_path.iterdir()) == ["autograder.zip"]
    assert out.read_bytes() == b"the previous build"


# -- gradescope try ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    """A built autograder.zip for backprop."""
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    gradescope.build(out, assignments=["backprop"])
    return out


def try_zip(capsys, zip_path, submission, *extra) -> tuple[int, str]:
    try:
        status = main(["gradescope", "try", str(zip_path), str(submission), *extra])
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err


@pytest.mark.gradescope
@pytest.mark.parametrize("make, message", [
    (lambda keep: keep.write_text("notes"), "is a file"),
    (lambda keep: (keep.mkdir(), (keep / "source").mkdir()), "is a folder with files in it"),
], ids=["file", "used-folder"])
def test_try_keep_refuses_a_file_or_a_non_empty_folder(tmp_path, capsys, autograder_zip, make, message):
    """--keep at a file or at a folder holding anything is one line, exit 2, and nothing in it changes."""
    keep = tmp_path / "keep"
    make(keep)
    before = sorted(keep.rglob("*")) if keep.is_dir() else keep.read_text()
    status, err = try_zip(capsys, autograder_zip, tmp_path, "--keep", str(keep))
    assert status == 2
    single_line_error(err, f"--keep {keep} {message}")
    assert (sorted(keep.rglob("*")) if keep.is_dir() else keep.read_text()) == before


def student_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("backprop.py", REFERENCE)
    return path


def damaged(autograder_zip: Path, path: Path) -> Path:
    """A copy of ``autograder_zip`` with bytes flipped inside its first member's compressed data."""
    data = bytearray(autograder_zip.read_bytes())
    data[100:110] = bytes(255 - byte for byte in data[100:110])
    path.write_bytes(bytes(data))
    return path


@pytest.mark.gradescope
@pytest.mark.parametrize("make, message", [
    (lambda folder, _: (folder / "junk.zip").write_bytes(b"PK\x03\x04 not a zip") and folder / "junk.zip", "is not an intact zip file"),
    (lambda folder, good: (folder / "half.zip").write_bytes(good.read_bytes()[: good.stat().st_size // 2]) and folder / "half.zip",
     "is not an intact zip file"),
    (lambda folder, good: damaged(good, folder / "damaged.zip"), "is not an intact zip file"),
    (lambda folder, _: student_zip(folder / "hw.zip"), "is not an autograder (it has no setup.sh, run_autograder, settings.json, secret_seed"),
    (lambda folder, _: folder, "is not an intact zip file"),
], ids=["garbage", "truncated", "damaged", "student-zip", "a-folder"])
def test_try_on_a_zip_that_is_not_an_autograder_is_a_one_line_error(tmp_path, capsys, autograder_zip, make, message):
    """A corrupt, truncated or damaged zip, a student's zip or a folder given as the autograder: one line, exit 2, no traceback."""
    given = make(tmp_path, autograder_zip)
    status, err = try_zip(capsys, given, tmp_path)
    assert status == 2
    single_line_error(err, f"{given} {message}", "dlgrade gradescope build")


INSTALL = """
import os, shutil, stat, sys
from pathlib import Path
from autograder import gradescope
# -- then
zip_path, keep = Path(sys.argv[1]), Path(sys.argv[2])
roots = [gradescope.install_root(None), gradescope.install_root(keep)]
for root in roots:
    try:
        gradescope.install(zip_path, root)
    except Exception:  # the venv may fail here (this uid may not run the interpreter): the root is what is looked at
        pass
print(" ".join(oct(stat.S_IMODE(os.stat(root).st_mode)) for root in roots))
shutil.rmtree(roots[0], ignore_errors=True)
"""


@pytest.mark.gradescope
def test_try_as_an_ordinary_user_installs_in_a_private_root(tmp_path, autograder_zip):
    """Run by a non-root user, try's root (temporary, or --keep) is 0700 after installing; under root, --keep still starts private."""
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-test-"))  # not under pytest's folder, which only root may enter
    try:
        copy = folder / "autograder.zip"
        copy.write_bytes(autograder_zip.read_bytes())
        if AS_ROOT:
            for path in (folder, copy):
                os.chown(path, UNUSED_UID, UNUSED_UID)
        assert as_unprivileged(INSTALL, str(copy), str(folder / "keep")).split() == ["0o700", "0o700"]
    finally:
        shutil.rmtree(folder)
    assert stat.S_IMODE(gradescope.install_root(tmp_path / "keep").stat().st_mode) == 0o700
