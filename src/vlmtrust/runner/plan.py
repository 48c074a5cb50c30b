"""Scan plans as code: a TOML file naming models x data x tasks x mitigations and the settings
they share, read with the standard library's ``tomllib`` and checked by the same spec rules as
``vlmtrust scan``. Every problem is one line naming the file and the line of its key.

``tomllib`` keeps no positions, so the line of a key comes from a light scan of the text for
``key =`` (and ``[table]`` headers); a problem inside a list points at the list's key.

Each model x data pair is one scan into its own run directory under the plan's ``out``
(``OUT/zoo-clip``; ``OUT/zoo-clip+faces`` when the plan lists several data sets), so each run
header describes one model, as the report expects, and ``vlmtrust report OUT`` shows them all.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.markup import escape

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import ConfigError, VlmtrustError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import inside
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.runner.options import ScanOptions

if TYPE_CHECKING:
    from vlmtrust.runner.preview import PreviewRow
    from vlmtrust.runner.run import RunSummary

_FIX = "see the example plan under `Scan plans` in docs/scanning.md"


class TaskTable(BaseModel):
    """A task written as a TOML table: ``{ name = "robustness.zero_shot", params = {...} }``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    name: str
    params: dict[str, Any] = {}


class PlanFile(BaseModel):
    """The keys a plan file may hold (any other key is an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    out: str = Field(description="directory holding one run directory per model (and data set)")
    models: Annotated[list[str], Field(min_length=1)]
    data: list[str] = Field(default=[], description="data sets, each scanned; none: the world")
    suite: list[str] = []
    tasks: list[str | TaskTable] = []
    mitigations: list[str] = Field(default=[], description="variants besides the baseline")
    limit: Annotated[int, Field(ge=1)] | None = None
    #: as --budget-s: seconds each expensive task may take
    budget_s: Annotated[float, Field(gt=0)] | None = None
    seed: int = 0
    batch_size: Annotated[int, Field(ge=1)] = 32
    on_bad_data: Literal["skip", "fail"] = "fail"
    max_image_pixels: Annotated[int, Field(ge=1)] = DEFAULT_MAX_PIXELS
    executor: str = "local"
    severity: str | None = None
    fail_on: list[str] = Field(default=[], description="CI gates, as --fail-on")
    gate_bound: Literal["conservative", "upper", "lower", "point"] = "conservative"
    mlflow: str | None = Field(default=None, description="MLflow tracking URI, as --mlflow")
    mlflow_experiment: str | None = Field(default=None, description="as --mlflow-experiment")


class PlannedScan(BaseModel):
    """One scan of the plan: a model on one data set, into its own run directory."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    data: str | None
    config: RunConfig


class ScanPlan(BaseModel):
    """A checked plan file: its settings, the scans it expands to, and where each key is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: Path
    settings: PlanFile
    out: Path
    scans: tuple[PlannedScan, ...]
    key_lines: dict[str, int]

    def where(self, key: str) -> str:
        """``plan.toml:7`` for the line of ``key`` (``plan.toml`` alone when it has none)."""
        return _where(self.file, self.key_lines, key)


def load_plan(path: Path, show_progress: bool = True) -> ScanPlan:
    """Read and check a plan file: syntax, keys and types, task and mitigation specs, the
    executor, the severity file, and that every path stays inside the working folder."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        problem = f"plan file {path} does not exist"
        raise ConfigError(problem, "pass the path of a plan file") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise ConfigError(f"cannot read plan file {path} ({reason})", _FIX) from err
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = re.search(r"\(at line (\d+), column \d+\)$", message)
        where = f"{path}:{found[1]}" if found else str(path)
        problem = message[: found.start()].strip() if found else message
        raise ConfigError(f"{where}: not valid TOML ({problem})", _FIX) from err
    lines = key_lines(text)
    settings = _validate(raw, path, lines)
    out = _inside_working_folder(settings.out, "out", path, lines)
    severity = None
    if settings.severity is not None:
        severity = _inside_working_folder(settings.severity, "severity", path, lines)
    _check_specs(settings, path, lines, severity)
    header = {
        "file": str(path),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "settings": settings.model_dump(mode="json"),
    }
    scans = _expand(settings, out, severity, header, show_progress)
    return ScanPlan(file=path, settings=settings, out=out, scans=scans, key_lines=lines)


@contextmanager
def located(where: str) -> Iterator[None]:
    """Prefix a one-line error raised inside with ``where`` (``plan.toml:7``), keeping its
    class and fix."""
    try:
        yield
    except VlmtrustError as err:
        raise type(err)(f"{where}: {err.problem}", err.fix) from err


_KEY = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.|=)""")
_TABLE = re.compile(r"""^\s*\[\[?\s*(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')""")


def key_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level key and table header (first occurrence); lines inside
    a multi-line list or string, and keys inside tables, are skipped."""
    found: dict[str, int] = {}
    depth, in_string, in_table = 0, False, False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            if in_string and not in_table:
                _note(found, _KEY.match(line), number)
            continue
        if in_string:
            continue
        if depth == 0:
            header = None if _KEY.match(line) else _TABLE.match(line)
            in_table = in_table or header is not None
            _note(found, header or (None if in_table else _KEY.match(line)), number)
        depth = max(0, depth + _bracket_change(line, depth))
    return found


def _note(found: dict[str, int], match: re.Match[str] | None, number: int) -> None:
    if match is not None:
        found.setdefault(match["key"].strip("\"'"), number)


def _bracket_change(line: str, depth: int) -> int:
    """How a line changes the nesting of ``[`` and ``{`` after a key's ``=`` (quoted text and
    comments aside); a table header at depth 0 opens nothing."""
    if depth == 0:
        if _TABLE.match(line) and not _KEY.match(line):
            return 0
        line = line.partition("=")[2]
    change, quote = 0, ""
    for char in line:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            change += 1
        elif char in "]}":
            change -= 1
    return change


def _where(file: Path, lines: dict[str, int], key: str) -> str:
    line = lines.get(key)
    return f"{file}:{line}" if line is not None else str(file)


def _validate(raw: dict[str, Any], path: Path, lines: dict[str, int]) -> PlanFile:
    try:
        return PlanFile.model_validate(raw)
    except ValidationError as err:
        first = _first_error(err)
        loc = [str(part) for part in first["loc"] if str(part) not in ("str", "TaskTable")]
        key = loc[0] if loc else ""
        shown = key + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        if first["type"] == "extra_forbidden":
            known = ", ".join(TaskTable.model_fields if len(loc) > 2 else PlanFile.model_fields)
            where = _where(path, lines, key)
            raise ConfigError(f"{where}: unknown key {shown!r}", f"use one of {known}") from None
        if first["type"] == "missing" and len(loc) == 1:
            raise ConfigError(f"{path}: missing key {key!r}", _FIX) from None
        message = str(first["msg"]).removeprefix("Value error, ")
        got = first.get("input")
        raise ConfigError(
            f"{_where(path, lines, key)}: {shown}: {message} (got {got!r})", _FIX
        ) from None


def _first_error(err: ValidationError) -> Any:
    """The error to show: for a task written as a table, what is wrong with the table (not
    that it is no string, the other form a task may take)."""
    errors = err.errors()
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        if "TaskTable" in loc and loc[-1] != "TaskTable":
            return error
    return errors[0]


def _inside_working_folder(text: str, key: str, path: Path, lines: dict[str, int]) -> Path:
    """``text`` as a path relative to the working folder, refused when it leads outside it (a
    plan from a repository must not read or write elsewhere); kept as written, so run
    directories and headers show the plan's own paths."""
    fix = "use a path inside the working folder (relative paths start there)"
    with located(_where(path, lines, key)):
        if not text:
            raise ConfigError(f"{key} is empty", fix)
        inside(Path.cwd(), text, key, fix)
    return Path(text)


def _check_specs(
    settings: PlanFile, path: Path, lines: dict[str, int], severity: Path | None
) -> None:
    """Task, mitigation and executor specs by the rules ``vlmtrust scan`` applies (registered
    names, parameters), each data path inside the working folder, the severity file readable."""
    from vlmtrust.data.sources import split_data_arg
    from vlmtrust.metrics.severity import load_rules
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.runner.executor import build_executor
    from vlmtrust.tasks.base import build_task
    from vlmtrust.tasks.suite import suite_specs

    with located(_where(path, lines, "suite")):
        suite_specs(settings.suite, frozenset())  # names only: capabilities are per model
    with located(_where(path, lines, "tasks")):
        for task in _task_specs(settings):
            build_task(task)
    with located(_where(path, lines, "mitigations")):
        for variant in settings.mitigations:
            for part in variant.split("+"):
                build_mitigation(parse_spec(part))
    with located(_where(path, lines, "executor")):
        build_executor(parse_spec(settings.executor)).close()
    for data in settings.data:
        with located(_where(path, lines, "data")):
            _, data_path = split_data_arg(data)
        for part in filter(None, data_path.split("::")):
            _inside_working_folder(part, "data", path, lines)
    with located(_where(path, lines, "severity")):
        load_rules(severity)
    if not settings.suite and not settings.tasks:
        raise ConfigError(f"{path}: the plan names no task", "add suite = [...] or tasks = [...]")


def _task_specs(settings: PlanFile) -> list[Spec]:
    return [
        parse_spec(t) if isinstance(t, str) else Spec(name=t.name, params=t.params)
        for t in settings.tasks
    ]


def _expand(
    settings: PlanFile,
    out: Path,
    severity: Path | None,
    header: dict[str, Any],
    show_progress: bool,
) -> tuple[PlannedScan, ...]:
    """models x data -> one scan each (every task and mitigation in each)."""
    data_sets: list[str | None] = list(settings.data) or [None]
    scans: list[PlannedScan] = []
    used: dict[Path, str] = {}
    for model in settings.models:
        for data in data_sets:
            name = _slug(model) + (f"+{_slug(data)}" if data and len(data_sets) > 1 else "")
            run_dir = out / name
            pair = f"{model} on {data or 'the world'}"
            if run_dir in used:
                raise ConfigError(
                    f"{pair} and {used[run_dir]} would share run directory {run_dir}",
                    "list each model and data set once",
                )
            used[run_dir] = pair
            options = ScanOptions(
                model=model,
                out=run_dir,
                suite=tuple(settings.suite),
                tasks=tuple(_task_specs(settings)),
                mitigate=tuple(settings.mitigations),
                data=Path(data) if data else None,
                limit=settings.limit,
                seed=settings.seed,
                batch_size=settings.batch_size,
                on_bad_data=settings.on_bad_data,
                max_image_pixels=settings.max_image_pixels,
                executor=settings.executor,
                severity=severity,
                fail_on=tuple(settings.fail_on),
                gate_bound=settings.gate_bound,
                quiet=not show_progress,
                plan=header,
                budget_s=settings.budget_s,
            )
            config = options.run_config()
            scans.append(PlannedScan(model=model, data=data, config=config))
    return tuple(scans)


def _slug(text: str) -> str:
    """A directory name for a model or data spec: ``zoo:clip`` -> ``zoo-clip``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "run"


def run_plan(plan: ScanPlan, console: Console) -> list[RunSummary]:
    """Run every scan of the plan in order, each resumable like ``vlmtrust scan``."""
    from vlmtrust.runner.run import run

    summaries = []
    for scan in plan.scans:
        console.print(f"[bold]{escape(scan.model)}[/] -> {escape(str(scan.config.out))}")
        summaries.append(run(scan.config, console))
    return summaries


def preview_plan(plan: ScanPlan, console: Console) -> list[tuple[PlannedScan, list[PreviewRow]]]:
    """What each scan would run and what is stored already; writes nothing."""
    from vlmtrust.runner.preview import preview

    return [(scan, preview(scan.config, console)) for scan in plan.scans]
