"""The instructor's Gradescope settings: one TOML file, checked against the suites at build time.

``dlgrade gradescope build --config FILE`` reads FILE (default: ``gradescope.toml`` at the
project root, which documents every key) with :func:`load`; a mistake (an unknown key,
assignment or case, a negative number, a visibility Gradescope does not know) is a
:class:`ConfigError` naming the file, the table and the key, raised before anything is built.
The checked :class:`Settings` are baked into the zip as JSON, so ``run_autograder`` never
parses TOML and never meets an unchecked setting.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .report import GRADESCOPE_VISIBILITY
from .sandbox import Limits

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's
DEFAULT_VISIBILITY = GRADESCOPE_VISIBILITY  # per kind of case, as `dlgrade grade --json` writes it
# the config's names for Limits fields, with the factor from the config's unit to Limits'
LIMIT_KEYS = {"call_seconds": ("call_seconds", 1), "import_seconds": ("import_seconds", 1),
              "submission_seconds": ("submission_seconds", 1), "memory_mb": ("memory_bytes", 1 << 20),
              "output_kb": ("output_bytes", 1 << 10), "processes": ("processes", 1)}
CASE_KEYS = ("points", "timeout", "visibility")
DEFAULT_USER = "dlgrade-worker"


class ConfigError(ValueError):
    """The settings file is wrong; the message says where and what is expected."""


@dataclass(frozen=True)
class Settings:
    """Everything ``run_autograder`` needs to know besides the engine, the references and the seed.

    ``limits`` hold the config's limit keys (``memory_mb``, ...) per assignment, defaults
    filled in; ``visibility`` maps each assignment's case kinds (``visible``, ``hidden``) to
    Gradescope visibilities; ``cases`` holds per-case overrides
    ``{assignment: {case: {"points"|"timeout"|"visibility": value}}}``.
    """

    assignments: tuple
    numpy: str
    worker_user: str | int = DEFAULT_USER
    stdout_visibility: str = "hidden"
    limits: dict = field(default_factory=dict)
    visibility: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)

    def limits_for(self, assignment: str, user=None) -> Limits:
        """The sandbox limits of ``assignment``'s worker, run as ``user``."""
        values = {LIMIT_KEYS[key][0]: value * LIMIT_KEYS[key][1] for key, value in self.limits[assignment].items()}
        for key in ("memory_bytes", "output_bytes", "processes"):
            values[key] = int(values[key])
        return Limits(**values, user=user)

    def gradescope_visibility(self, assignment: str, case: str, kind: str) -> str:
        """The Gradescope visibility of a case: its own override, else its assignment's for its kind."""
        return self.cases.get(assignment, {}).get(case, {}).get("visibility") or self.visibility[assignment][kind]

    def suite(self, suite):
        """``suite`` with this config's points and timeouts for its cases (inputs unchanged)."""
        overrides = self.cases.get(suite.assignment, {})
        cases = tuple(dataclasses.replace(case, **{key: value for key, value in overrides.get(case.name, {}).items() if key != "visibility"})
                      for case in suite.cases)
        return dataclasses.replace(suite, cases=cases)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        return cls(**{**data, "assignments": tuple(data["assignments"])})


def load(path: Path | None, suites: dict, numpy_version: str, assignments=None) -> Settings:
    """Read and check the settings file at ``path`` (``None``: every default).

    ``assignments`` (from the command line) overrides the file's ``[autograder] assignments``;
    one of the two must name them (several assignments in one autograder only when asked).
    Raises :class:`ConfigError` on any mistake, with the file name in the message.
    """
    name = str(path) if path else "the default settings"
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name} is not UTF-8 text (byte {error.start} is {error.object[error.start]:#04x}): save it as UTF-8, as TOML requires") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name} is not valid TOML: {error}") from None
    return _check(data, suites, numpy_version, assignments, name)


def _check(data: dict, suites: dict, numpy_version: str, assignments, name: str) -> Settings:
    _known(data, ("autograder", "limits", "visibility", "assignment"), name, "the top level")
    general = _table(data, "autograder", name)
    _known(general, ("assignments", "worker_user", "stdout_visibility", "numpy"), name, "[autograder]")
    named = assignments or general.get("assignments")
    chosen = list(suites) if named is None else named  # checked against every suite until the end, where one is required
    if not chosen or not isinstance(chosen, (list, tuple)) or not all(isinstance(a, str) for a in chosen):
        raise ConfigError(f"{name}: [autograder] assignments must be a non-empty list of assignment names")
    chosen = list(chosen)
    for assignment in chosen:
        _member(assignment, suites, name, "assignment", "[autograder] assignments")
    user = general.get("worker_user", DEFAULT_USER)
    if not (isinstance(user, str) and user.strip() and user != "root") and not (type(user) is int and user > 0):
        raise ConfigError(f"{name}: [autograder] worker_user must be a user name or a uid > 0 (never root), not {user!r}")
    numpy = general.get("numpy", numpy_version)
    if not isinstance(numpy, str) or not re.fullmatch(r"\d+(\.\d+)*", numpy):
        raise ConfigError(f"{name}: [autograder] numpy must be a version like \"{numpy_version}\", not {numpy!r}")
    stdout = _visibility(general.get("stdout_visibility", "hidden"), name, "[autograder] stdout_visibility")
    defaults = _limits(_table(data, "limits", name), {key: getattr(Limits(), field_) / unit for key, (field_, unit) in LIMIT_KEYS.items()}, name, "[limits]")
    visible = _kinds(_table(data, "visibility", name), DEFAULT_VISIBILITY, name, "[visibility]")
    per_assignment = _table(data, "assignment", name)
    for assignment in per_assignment:
        _member(assignment, {a: None for a in chosen}, name, "assignment graded here", f"[assignment.{assignment}]")
    limits, visibility, cases = {}, {}, {}
    for assignment in chosen:
        where = f"[assignment.{assignment}]"
        own = _table(per_assignment, assignment, name, where)
        _known(own, ("limits", "visibility", "case"), name, where)
        limits[assignment] = _limits(_table(own, "limits", name, f"{where} limits"), defaults, name, f"{where} limits")
        visibility[assignment] = _kinds(_table(own, "visibility", name, f"{where} visibility"), visible, name, f"{where} visibility")
        case_names = {case.name: case for case in suites[assignment].cases}
        for case, values in _table(own, "case", name, f"{where} case").items():
            spot = f'[assignment.{assignment}.case."{case}"]'
            _member(case, case_names, name, f"case of {assignment}", spot)
            if not isinstance(values, dict):
                raise ConfigError(f"{name}: {spot} must be a table of {', '.join(CASE_KEYS)}")
            _known(values, CASE_KEYS, name, spot)
            cases.setdefault(assignment, {})[case] = _case(values, name, spot)
    if named is None:  # a course runs one Gradescope assignment per homework: never all of them by default
        raise ConfigError(f"{name}: which assignment does this autograder grade? Name it with -a NAME (repeatable), "
                          f"or in the config: [autograder] assignments = [\"backprop\"] (known: {', '.join(suites)})")
    return Settings(tuple(chosen), numpy, user, stdout, limits, visibility, cases)


def _table(data: dict, key: str, name: str, where: str | None = None) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: {where or key} must be a table, not {value!r}")
    return value


def _known(table: dict, keys, name: str, where: str) -> None:
    for key in table:
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{name}: unknown key {key!r} in {where}{hint}; expected one of: {', '.join(keys)}")


def _member(value: str, known: dict, name: str, what: str, where: str) -> None:
    if value not in known:
        close = difflib.get_close_matches(value, list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{name}: {where}: {value!r} is not a known {what}{hint}")


def _number(value, name: str, where: str, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ConfigError(f"{name}: {where} must be a {'positive' if positive else 'non-negative'} number, not {value!r}")
    return value


def _limits(table: dict, defaults: dict, name: str, where: str) -> dict:
    _known(table, tuple(LIMIT_KEYS), name, where)
    return {**defaults, **{key: _number(value, name, f"{where} {key}", positive=True) for key, value in table.items()}}


def _visibility(value, name: str, where: str) -> str:
    if value not in VISIBILITIES:
        raise ConfigError(f"{name}: {where} must be one of {', '.join(VISIBILITIES)}, not {value!r}")
    return value


def _kinds(table: dict, defaults: dict, name: str, where: str) -> dict:
    _known(table, tuple(DEFAULT_VISIBILITY), name, where)
    return {**defaults, **{kind: _visibility(value, name, f"{where} {kind}") for kind, value in table.items()}}


def _case(values: dict, name: str, spot: str) -> dict:
    checked = {}
    if "points" in values:
        checked["points"] = _number(values["points"], name, f"{spot} points", positive=False)
    if "timeout" in values:
        checked["timeout"] = _number(values["timeout"], name, f"{spot} timeout", positive=True)
    if "visibility" in values:
        checked["visibility"] = _visibility(values["visibility"], name, f"{spot} visibility")
    return checked
