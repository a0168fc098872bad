"""Issue 17's attacks, on every path that runs student code, as root and as an unprivileged user.

The corpus (``tests/attacks/``, one hostile file per attack, see its README) is grouped into
seven submissions: in each, every attack replaces a different backprop function (or attacks at
import), so a defeated attack costs exactly its function's cases and a successful one gains
them. Each submission is graded on each path: ``dlgrade grade`` (a .py and a notebook),
``dlgrade grade DIR --class`` (all attackers among honest classmates, then the same command
again), the unpacked autograder's ``run_autograder``, and ``dlgrade gradescope try``. Every
grader runs in its own session with a terminal of its own (for the terminal attacks), from a
copy of the project (for the destructive ones), with its files in a fresh folder under /tmp.
After each path: every score is exactly what the submission deserves, no classmate's changed,
every report is valid, no file outside the graders' own outputs changed (and nothing appeared
in the spy folder, /tmp or /dev/shm), no socket listener heard anything, no terminal showed
anything, and no process of the attacks is left.

As the unprivileged user, the grader runs as a fresh uid in a private mount namespace in which
the folders of its interpreter, numpy and the project that this uid cannot enter (/root on
this machine) are replaced by an empty tmpfs holding only the needed subtree, bound back.
"""

from __future__ import annotations

import ast
import concurrent.futures
import contextlib
import csv
import fcntl
import functools
import hashlib
import io
import json
import os
import pty
import resource
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy
import pytest

from autograder import gradescope
from autograder.suites import SUITES
from submissions import REFERENCE, ROOT, calling, defined, without
from test_class import DB_MEAN
from test_adversarial_gradescope import free_uid, processes_of
from test_gradescope import SCHEMA
from test_notebook_submissions import as_notebook, write_notebook

pytestmark = [pytest.mark.attacks, pytest.mark.skipif(os.geteuid() != 0, reason="the attack tests make their users: they run as root, as CI does")]

CORPUS = Path(__file__).parent / "attacks"
BACKPROP = SUITES["backprop"]
# each group becomes one submission; within one, every attack replaces a different function
GROUPS = {  # the slowest first (its race outlasts a case's timeout): the runs go two at a time
    "frames": ("huge_frame", "deep_frame", "deadline_race"),
    "steal": ("steal_by_path", "steal_via_venv", "steal_by_walking", "symlink_reference", "steal_from_memory", "proc_environ",
              "proc_cmdline", "proc_fd", "proc_cwd", "ptrace", "read_classmates", "read_secret"),
    "escape": ("tcp_connect", "udp_send", "abstract_unix", "io_uring", "namespaces", "exotic_syscalls", "tty_write", "tiocsti",
               "fork_memory", "disk_fill", "daemon_rewrites_results", "daemon_burns_cpu", "write_outside", "tamper_submissions",
               "overwrite_solutions", "kill_classmates"),
    "kill": ("kill_parent",),
    "killpg": ("kill_session",),
    "stop": ("stop_session",),
    "pool": ("pool_pickle",),
}
HONEST = {"honest-reference": (REFERENCE, BACKPROP.max_score), "honest-db-mean": (DB_MEAN, BACKPROP.max_score - 2)}
GRADESCOPE_CONFIG = "[limits]\ncall_seconds = 3\nimport_seconds = 10\nmemory_mb = 512\n\n[autograder]\nworker_user = {uid}\n"
GRADER_MEMORY = 3 << 30  # every grader runs under this address-space limit: a frame it believed would not fit
RUN_SECONDS = 120  # a grader still running then has been hung by an attack


def attack_source(name: str) -> str:
    return (CORPUS / f"{name}.py").read_text()


FUNCTIONS = defined(REFERENCE)


def replaced_functions(group: str) -> list[str]:
    """The reference's functions the group's attacks replace."""
    return [name for attack in GROUPS[group] for name in defined(attack_source(attack)) if name in FUNCTIONS]


def callers() -> dict[str, set[str]]:
    """Function -> the reference's functions whose bodies call it (logistic_regression_loss calls sigmoid)."""
    found = {name: set() for name in FUNCTIONS}
    for node in ast.parse(REFERENCE).body:
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in found and call.func.id != node.name:
                    found[call.func.id].add(node.name)
    return found


@functools.cache
def expected_score(group: str) -> float:
    """The reference's total minus every case that runs a replaced function, directly or through a caller."""
    broken, graph = set(replaced_functions(group)), callers()
    while True:
        more = broken | {caller for name in broken for caller in graph[name]}
        if more == broken:
            break
        broken = more
    return BACKPROP.max_score - sum(case.points for case in BACKPROP.cases if case.name in calling(*broken))


def test_the_corpus_is_grouped_and_each_group_replaces_distinct_functions():
    """Every attack file is in exactly one group; within a group no two replace the same function."""
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(path.stem for path in CORPUS.glob("*.py"))
    for group in GROUPS:
        functions = replaced_functions(group)
        assert len(functions) == len(set(functions)), group
        assert expected_score(group) < BACKPROP.max_score or not functions


# -- the places of one run of the tests ------------------------------------------------------

def reachable_plan(uid: int, paths) -> list:
    """``[folder, [child, ...]]`` for each folder on the way to ``paths`` that ``uid`` cannot enter,
    shallowest first: the children (towards the paths) to bind back over a tmpfs mounted on it."""
    plan = {}
    for path in paths:
        path = Path(path).resolve()
        for folder in [*reversed(path.parents), path][:-1]:
            status = folder.stat()
            bits = status.st_mode >> (6 if status.st_uid == uid else 0)
            if not bits & 0o001:
                child = path.relative_to(folder).parts[0]
                plan.setdefault(str(folder), set()).add(child)
    return [[folder, sorted(children)] for folder, children in sorted(plan.items(), key=lambda item: len(Path(item[0]).parts))]


# Run as root in a fresh mount namespace (unshare --mount --propagation private): make the plan's
# folders enterable, drop to the uid, exec the command. A failure is a clear error, never a skip.
BECOME = r"""
import ctypes, json, os, sys
uid, plan, command = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3:]
libc = ctypes.CDLL(None, use_errno=True)
def mount(source, target, kind, flags):
    if libc.mount(source.encode(), target.encode(), kind, flags, b"mode=0755" if kind else None) != 0:
        sys.exit(f"attack tests: cannot mount {source} on {target}: {os.strerror(ctypes.get_errno())}")
for folder, children in plan:
    held = {child: os.open(os.path.join(folder, child), os.O_PATH) for child in children}
    mount("tmpfs", folder, b"tmpfs", 0)
    for child, fd in held.items():
        os.mkdir(os.path.join(folder, child))
        mount(f"/proc/self/fd/{fd}", os.path.join(folder, child), None, 4096 | 16384)  # MS_BIND | MS_REC
os.setgroups([])
os.setgid(uid)
os.setuid(uid)
os.execvp(command[0], command)
"""


@dataclass
class Arena:
    """One test's folder under /tmp (named by a token the attacks also carry), its listeners and users."""

    user: int | None  # the grader's uid, or None for root
    workers: dict  # group -> the dedicated uid of Gradescope's worker under a root grader (one each: a grader kills all its uid's processes)
    token: str = field(default_factory=lambda: "dlgrade-attacks-" + secrets.token_hex(6))

    def __post_init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix=self.token + "-"))
        os.chmod(self.folder, 0o755)
        for name in ("repo", "subs", "spy", "tmp", "cwd", "home", "out", "gs"):
            (self.folder / name).mkdir()
        for name in ("autograder", "solutions"):
            shutil.copytree(ROOT / name, self.folder / "repo" / name, ignore=shutil.ignore_patterns("__pycache__"))
        os.chmod(self.folder / "spy", 0o777)
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.token)
        self.unix.listen()
        for listener in (self.tcp, self.udp, self.unix):
            listener.setblocking(False)
        self.terminals = []
        self.own(*(self.folder / name for name in ("repo", "tmp", "cwd", "home", "out")))
        self.outside = [Path(f"/tmp/dlgrade-attack-{self.token}"), Path(f"/dev/shm/dlgrade-attack-{self.token}")]

    def places(self, **extra) -> dict:
        """What the corpus's "@NAME@" strings become (lists joined by os.pathsep)."""
        join = os.pathsep.join
        gs, tries = self.folder / "gs" / "*", self.folder / "tmp" / "*" / "dlgrade-autograder-*"  # where `try` unpacks
        return {
            "SPY": str(self.folder / "spy"), "TOKEN": self.token, "SUBMISSIONS": str(self.folder / "subs"),
            "TCP_PORT": str(self.tcp.getsockname()[1]), "UDP_PORT": str(self.udp.getsockname()[1]),
            "REFERENCES": join(str(folder / "solutions" / "backprop.py") for folder in (ROOT, self.folder / "repo", gs / "source", tries / "source")),
            "SOLUTIONS": join(str(folder / "solutions") for folder in (self.folder / "repo", gs / "source", tries / "source")),
            "SECRETS": join([str(self.folder / "out" / "class" / "secret"), str(gs / "source" / "secret_seed"), str(tries / "source" / "secret_seed")]),
            "OUTPUTS": join(str(pattern) for pattern in (self.folder / "out" / "*.json", self.folder / "out" / "class" / "results" / "*.json",
                                                         gs / "results" / "results.json", tries / "results" / "results.json")),
            **extra,
        }

    def submission(self, group: str, places: dict) -> str:
        """The reference with the group's attacks in place of the functions they replace."""
        text = "\n\n".join(attack_source(name) for name in GROUPS[group])
        for name, value in places.items():
            text = text.replace(f"@{name}@", value)
        return without(REFERENCE, *replaced_functions(group)) + "\n\n" + text

    def own(self, *paths: Path) -> None:
        """Hand ``paths`` (recursively) to the grader's user: the instructor's own files."""
        if self.user is None:
            return
        for top in paths:
            for path in [top, *top.rglob("*")]:
                os.lchown(path, self.user, self.user)

    def environment(self, tmp: Path) -> dict:
        return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(self.folder / "home"), "TMPDIR": str(tmp),
                "LANG": "C.UTF-8", "PYTHONPATH": str(self.folder / "repo"), "PYTHONDONTWRITEBYTECODE": "1",
                "MPLCONFIGDIR": str(self.folder / "out" / "matplotlib")}  # the class report's cache: among the outputs

    def command(self, argv: list) -> list:
        """``argv`` as the grader's user: root's as it is; else in a namespace where it can reach its Python."""
        if self.user is None:
            return argv
        needed = [sys.prefix, sys.base_prefix, Path(sys.executable).resolve().parent, Path(numpy.__file__).resolve().parent, ROOT, self.folder]
        plan = reachable_plan(self.user, needed)
        return ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", BECOME, str(self.user), json.dumps(plan), *argv]

    def run(self, argv: list, tmp: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """Run a grader in its own session, with a terminal of its own as stdin and controlling terminal;
        fail at once if an attack stopped any process of its session, and after RUN_SECONDS."""
        tmp.mkdir(parents=True, exist_ok=True)
        self.own(tmp)
        master, slave = pty.openpty()
        if self.user is not None:
            os.chown(os.ttyname(slave), self.user, -1)
        self.terminals.append(master)

        def prepare():  # in the child, after setsid: the terminal becomes its controlling one
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            resource.setrlimit(resource.RLIMIT_AS, (GRADER_MEMORY, GRADER_MEMORY))

        process = subprocess.Popen(self.command(argv), stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                   preexec_fn=prepare, env=self.environment(tmp), cwd=cwd or self.folder / "cwd", text=True)
        os.close(slave)
        out = concurrent.futures.ThreadPoolExecutor(2)
        stdout, stderr = out.submit(process.stdout.read), out.submit(process.stderr.read)
        end, stopped = time.monotonic() + RUN_SECONDS, None
        while process.poll() is None and time.monotonic() < end and stopped is None:
            time.sleep(0.1)
            stopped = next((pid for pid in session_members(process.pid) if state_of(pid) == "T"), None)
        if process.poll() is None:
            kill_session(process.pid)
            process.wait()
        out.shutdown()
        assert stopped is None, f"{argv[2:5]}: an attack stopped process {stopped} of the grader's session"
        assert process.returncode is not None and time.monotonic() < end, f"{argv[2:5]}: the grader hung"
        return subprocess.CompletedProcess(argv, process.returncode, stdout.result(), stderr.result())

    def tree(self) -> dict:
        """Relative path -> bytes digest (or "dir") of the folder, but for what graders write: their
        outputs, their temporary folders, Gradescope's results, compiled bytecode."""
        found = {}
        for folder, folders, files in os.walk(self.folder):
            relative = Path(folder).relative_to(self.folder)
            folders[:] = [name for name in folders if name != "__pycache__" and not (not relative.parts and name in ("out", "tmp"))
                          and not (len(relative.parts) == 2 and relative.parts[0] == "gs" and name in ("results", "venv"))]
            for name in folders:
                found[str(relative / name)] = "dir"
            for name in files:
                path = Path(folder) / name
                found[str(relative / name)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else "other"
        return found

    def survivors(self) -> list[str]:
        """Processes left by the attacks: any carrying the token (the workers' folders are below it),
        or running as the grader's or the Gradescope worker's uid."""
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                owner = os.stat(f"/proc/{pid}").st_uid
            except OSError:
                continue
            if int(pid) != os.getpid() and (self.token.encode() in command or owner in self.uids()) and state_of(pid) != "Z":
                left.append(f"{pid}: {command.replace(bytes(1), b' ')[:160].decode(errors='replace')}")
        return left

    def uids(self) -> set[int]:
        return ({self.user} | set(self.workers.values())) - {None}

    def heard(self) -> list[str]:
        """What reached the listeners, and what appeared on the graders' terminals."""
        heard = []
        for listener, name in ((self.tcp, "tcp"), (self.unix, "abstract unix socket")):
            try:
                connection, _ = listener.accept()
                heard.append(f"a {name} connection")
                connection.close()
            except BlockingIOError:
                pass
        try:
            heard.append(f"a udp datagram {self.udp.recv(100)!r}")
        except BlockingIOError:
            pass
        for master in self.terminals:
            shown = b""
            while select.select([master], [], [], 0)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every process holding the terminal has gone
                    break
                if not chunk:
                    break
                shown += chunk
            if self.token.encode() in shown:
                heard.append(f"a terminal showed {shown[:200]!r}")
        return heard

    def close(self) -> None:
        """Kill what the attacks left, close the listeners and terminals, remove every file of the run."""
        try:
            for pid in [int(line.split(":")[0]) for line in self.survivors()] + [pid for uid in self.uids() for pid in processes_of(uid)]:
                with contextlib.suppress(ProcessLookupError):  # gone meanwhile
                    os.kill(pid, signal.SIGKILL)
            for handle in (self.tcp, self.udp, self.unix):
                handle.close()
            for master in self.terminals:
                os.close(master)
        finally:
            for path in self.outside:
                path.unlink(missing_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)


def state_of(pid) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def session_members(session: int) -> list[int]:
    members = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3]) == session:
                members.append(int(pid))
        except OSError:
            continue
    return members


def kill_session(session: int) -> None:
    for pid in session_members(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# -- the paths ------------------------------------------------------------------------------

def grade_command(*args) -> list:
    return [sys.executable, "-m", "autograder.cli", *args]


def score_of(results_json: Path, group: str):
    """The score in a valid results.json; if it is not the expected one, also the attacks whose cases passed."""
    results = json.loads(results_json.read_text())
    jsonschema.validate(results, SCHEMA)
    if results["score"] == expected_score(group):
        return results["score"]
    passed = {test["name"].removeprefix("backprop: ") for test in results["tests"] if test["status"] == "passed"}
    gained = [attack for attack in GROUPS[group] for name in defined(attack_source(attack)) if name in FUNCTIONS and calling(name) & passed]
    return f"{results['score']:g} (gained: {', '.join(gained) or 'none'})"


def on_grade(arena: Arena, notebook: bool = False):
    """``dlgrade grade SUBMISSION --json`` for each group (a .py, or a notebook)."""
    for group in GROUPS:
        folder = arena.folder / "subs" / group
        folder.mkdir()
        source = arena.submission(group, arena.places())
        if notebook:
            write_notebook(as_notebook(source, "backprop"), folder / "backprop.ipynb")
        else:
            (folder / "backprop.py").write_text(source)
        arena.own(folder)

    def one(group):
        folder = arena.folder / "subs" / group
        out = arena.folder / "out" / f"{group}.json"
        done = arena.run(grade_command("grade", str(folder), "-a", "backprop", "--seed", "1", "--json", str(out)), arena.folder / "tmp" / group)
        return done, out

    return lambda: finish(arena, one)


def on_class(arena: Arena):
    """All attackers and honest classmates in one class, graded twice (the second run reuses the stored results)."""
    subs = arena.folder / "subs"
    for group in GROUPS:
        (subs / group).mkdir()
        (subs / group / "backprop.py").write_text(arena.submission(group, arena.places()))
    for student, (source, _) in HONEST.items():
        (subs / student).mkdir()
        (subs / student / "backprop.py").write_text(source)
    arena.own(subs, arena.folder / "out")
    out = arena.folder / "out" / "class"
    command = grade_command("grade", str(subs), "--class", "-a", "backprop", "--jobs", "2", "--seed", "7", "--out", str(out))
    expected = {**{group: expected_score(group) for group in GROUPS}, **{student: score for student, (_, score) in HONEST.items()}}
    return lambda: class_runs(arena, command, expected)


def class_runs(arena: Arena, command: list, expected: dict) -> dict:
    """Both runs of the class; "student (run)" -> (expected, got)."""
    out = arena.folder / "out" / "class"
    verdicts = {}
    for run in ("first run", "second run"):
        done = arena.run(command, arena.folder / "tmp" / run.replace(" ", "-"))
        settle(arena)
        try:
            assert done.returncode == 0, done.stderr[-2000:]
            rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
            got = {row["student"]: float(row["total"]) for row in rows}
            for path in (out / "results").glob("*.json"):
                json.loads(path.read_text())
        except (AssertionError, OSError, ValueError, KeyError) as error:
            got = {student: f"no report: {error}"[:300] for student in expected}
        for student in expected:
            verdicts[f"{student} ({run})"] = (expected[student], got.get(student, "missing"))
    return verdicts


def gradescope_zip(arena: Arena, group: str) -> Path:
    """backprop's autograder.zip, its worker (under a root grader) the group's own uid."""
    folder = arena.folder / "build" / group
    folder.mkdir(parents=True)
    (folder / "gradescope.toml").write_text(GRADESCOPE_CONFIG.format(uid=arena.workers[group]))
    gradescope.build(folder / "autograder.zip", folder / "gradescope.toml", ["backprop"])
    os.chmod(folder / "autograder.zip", 0o644)
    return folder / "autograder.zip"


def on_gradescope_run(arena: Arena):
    """The unpacked autograder's run_autograder, one root per group, as Gradescope runs it."""
    roots = {}
    for group in GROUPS:
        roots[group] = arena.folder / "gs" / group
        gradescope.install(gradescope_zip(arena, group), roots[group])
        arena.own(*(roots[group] / name for name in ("source", "submission", "run_autograder")))
        if arena.user is not None:  # the root folder itself, never recursively: the venv holds hard links to this machine's numpy
            os.chown(roots[group], arena.user, arena.user)
    for group, root in roots.items():
        (root / "submission" / "backprop.py").write_text(arena.submission(group, arena.places()))
        arena.own(root / "submission")

    def one(group):
        env_root = roots[group]
        done = arena.run(["env", f"DLGRADE_AUTOGRADER_ROOT={env_root}", "bash", str(env_root / "run_autograder")], arena.folder / "tmp" / group, cwd=env_root)
        return done, env_root / "results" / "results.json"

    return lambda: finish(arena, one)


def on_gradescope_try(arena: Arena):
    """``dlgrade gradescope try ZIP SUBMISSION --json`` for each group."""
    archives = {group: gradescope_zip(arena, group) for group in GROUPS}
    for group in GROUPS:
        folder = arena.folder / "subs" / group
        folder.mkdir()
        (folder / "backprop.py").write_text(arena.submission(group, arena.places()))
        arena.own(folder)

    def one(group):
        folder = arena.folder / "subs" / group
        out = arena.folder / "out" / f"{group}.json"
        done = arena.run(grade_command("gradescope", "try", str(archives[group]), str(folder), "--json", str(out)), arena.folder / "tmp" / group)
        return done, out

    return lambda: finish(arena, one)


def finish(arena: Arena, one) -> dict:
    """``one(group)`` (a grader's run and its results.json) for every group, two at a time; group -> (expected, got)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {group: pool.submit(one, group) for group in GROUPS}
    settle(arena)
    verdicts = {}
    for group, future in futures.items():
        try:
            done, out = future.result()
            assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-1500:]}"
            got = score_of(out, group)
        except (AssertionError, OSError, ValueError, jsonschema.ValidationError) as error:
            got = f"no valid report: {error}"[:400]
        verdicts[group] = (expected_score(group), got)
    return verdicts


def settle(arena: Arena) -> None:
    """Give what the attacks left behind the time to show itself (the daemons write every 20 ms)."""
    time.sleep(0.5)


PATHS = {
    "grade": on_grade,
    "notebook": lambda arena: on_grade(arena, notebook=True),
    "class": on_class,
    "gradescope-run": on_gradescope_run,
    "gradescope-try": on_gradescope_try,
}


@pytest.fixture(scope="module")
def uids():
    """The unprivileged grader's uid, and group -> the Gradescope worker's (under a root grader): fresh, distinct."""
    found = set()
    while len(found) < len(GROUPS) + 1:
        found.add(free_uid())
    user, *workers = sorted(found)
    return user, dict(zip(GROUPS, workers))


@pytest.mark.parametrize("who", ["root", "user"])
@pytest.mark.parametrize("path", list(PATHS))
def test_no_attack_gains_anything(path, who, uids):
    """Every attack of the corpus on this path, by this grader: exact scores (classmates' unchanged), valid
    reports, nothing written outside, nothing heard, nothing left running."""
    arena = Arena(uids[0] if who == "user" else None, uids[1])
    try:
        start = PATHS[path](arena)
        before = arena.tree()
        verdicts = start()
        problems = [f"{name}: expected {expected:g}, got {got}" for name, (expected, got) in verdicts.items() if got != expected]
        after = arena.tree()
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        spied = sorted(str(path.relative_to(arena.folder)) for path in (arena.folder / "spy").iterdir())
        outside = [str(path) for path in arena.outside if path.exists()]
        leftovers = sorted(str(path.relative_to(arena.folder)) for path in (arena.folder / "tmp").glob("*/*"))
        heard, survivors = arena.heard(), arena.survivors()
    finally:
        arena.close()
    report = {"scores": problems, "changed outside the outputs": changed, "spy folder": spied, "written to /tmp or /dev/shm": outside,
              "left in the graders' temporary folders": leftovers, "heard": heard, "still running": survivors}
    assert not any(report.values()), json.dumps({key: value for key, value in report.items() if value}, indent=1)
