"""Append-only results store on SQLite in WAL mode.

One transaction per batch: a crash, Ctrl-C or kill -9 loses at most the batch in flight, never a
stored result, and never leaves half a batch. Results are keyed by the runner's cache key, so a
re-run skips what is already here. Metric rows are derived from results and replaced per scope.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from vlmtrust.core.columns import ColumnsBuilder, ScoreColumns
from vlmtrust.core.errors import StoreError
from vlmtrust.core.records import Finding, MetricRow, Score
from vlmtrust.store.liveness import Owner, is_gone, this_process
from vlmtrust.store.records import (
    HumanLabel,
    StoredExample,
    StoredResult,
    StoredTerms,
    UnscorableCount,
)

#: 2: the ``examples`` table (the report's evidence gallery) and ``human_labels`` (review import).
#: ``run_processes`` (who runs each scan, so a killed one reads "interrupted") joined version 2
#: without a bump: a new table only, which older vlmtrust versions ignore and newer ones do
#: without when reading a store written before it; so did ``findings`` (what the report opens
#: with), read as none from an older store, and ``sample_index`` and ``aggregates`` (what lets a
#: fully cached re-run skip drawing samples and re-aggregating), read as empty from an older store;
#: ``sample_rows`` (the same rows as ``sample_index``, in chunks a plan reads one at a time) is
#: what a store keeps now, and ``sample_index`` is still read where a store has no chunks.
SCHEMA_VERSION = 2
STORE_FILE = "results.sqlite"
#: rows per chunk of a remembered answer (``sample_rows``)
SAMPLE_CHUNK = 1024
#: ``create``: a scan's store, made if missing; ``update``: an existing store to add to (review
#: import); ``read``: an existing store opened read-only (reports), never written
Mode = Literal["create", "update", "read"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    attack TEXT NOT NULL,
    mitigation TEXT NOT NULL,
    model TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    scores TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    task TEXT NOT NULL,
    attack TEXT NOT NULL,
    mitigation TEXT NOT NULL,
    metric TEXT NOT NULL,
    model TEXT NOT NULL,
    value REAL,
    ci_low REAL,
    ci_high REAL,
    n INTEGER NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (task, attack, mitigation, metric, model)
);
CREATE TABLE IF NOT EXISTS human_labels (
    key TEXT NOT NULL,
    metric TEXT NOT NULL,
    label TEXT,
    value REAL,
    reviewer TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (key, metric)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    status TEXT NOT NULL,
    header TEXT NOT NULL,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS run_processes (
    run_id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started TEXT
);
CREATE TABLE IF NOT EXISTS terms (
    task TEXT NOT NULL,
    attack TEXT NOT NULL,
    mitigation TEXT NOT NULL,
    metric TEXT NOT NULL,
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    terms TEXT NOT NULL,
    PRIMARY KEY (task, attack, mitigation, metric, model)
);
CREATE TABLE IF NOT EXISTS examples (
    task TEXT NOT NULL,
    attack TEXT NOT NULL,
    mitigation TEXT NOT NULL,
    model TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    example TEXT NOT NULL,
    image BLOB,
    PRIMARY KEY (task, attack, mitigation, model, sample_id)
);
CREATE TABLE IF NOT EXISTS findings (
    rank INTEGER PRIMARY KEY,
    finding TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sample_index (
    identity TEXT PRIMARY KEY,
    samples TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sample_rows (
    identity TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    rows TEXT NOT NULL,
    PRIMARY KEY (identity, chunk)
);
CREATE TABLE IF NOT EXISTS aggregates (
    digest TEXT PRIMARY KEY,
    rows TEXT NOT NULL
);
"""


class ResultStore:
    """A handle on ``<run dir>/results.sqlite``. Use as a context manager."""

    def __init__(self, path: Path, mode: Mode = "create", untouched: bool = False) -> None:
        """``untouched`` (with ``mode="read"``): open a store no scan holds open (no ``-wal``
        file) as immutable, so SQLite makes no ``-wal``/``-shm`` files beside it (a dry run
        writes nothing); a store with a ``-wal`` file is opened read-only as usual."""
        self.path = path
        self.mode = mode
        fix = (
            "point --out at a fresh directory or delete the damaged file"
            if mode == "create"
            else "pass a directory written by `vlmtrust scan --out DIR`"
        )
        try:
            pending = path.with_name(path.name + "-wal").exists()
            immutable = untouched and mode == "read" and not pending
            self._db = _connect(path, readonly=mode == "read", immutable=immutable)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"results store {path} is unreadable ({err})", fix) from err
        try:
            self._open(fix)
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreError(f"results store {path} is unreadable ({err})", fix) from err
        except BaseException:
            self._db.close()
            raise

    def _open(self, fix: str) -> None:
        tables = self._tables()
        # a file another program made (or an empty one) is never turned into a store, and a
        # report never writes: only a scan creates the schema, and only in a file with no tables
        if "schema_version" not in tables and (tables or self.mode != "create"):
            other = "point --out at a fresh directory" if self.mode == "create" else fix
            raise StoreError(f"{self.path} is not a vlmtrust results store", other)
        if self.mode != "read":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # check the version before creating anything, so an old store is left untouched
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self._check_version(fix)
        if self.mode != "read":
            self._db.executescript(_SCHEMA)
            self._mark_interrupted()
        self._has_processes = "run_processes" in self._tables()

    @classmethod
    def in_dir(cls, run_dir: Path) -> ResultStore:
        """The store of a scan into ``run_dir``, made (with the directory) if missing."""
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"cannot create run directory {run_dir} ({err.strerror or err})",
                "choose an --out you can write to",
            ) from err
        return cls(run_dir / STORE_FILE)

    @classmethod
    def open_existing(cls, run_dir: Path, mode: Mode = "read") -> ResultStore:
        """Open the store a scan wrote in ``run_dir``: read-only (reports, review export) unless
        ``mode="update"`` (review import). A directory without a store, a file that is not one,
        or a store no scan has started in is a StoreError, and nothing is created or written."""
        path = run_dir / STORE_FILE
        if not path.is_file():
            raise StoreError(
                f"no results store in {run_dir}",
                "pass a directory written by `vlmtrust scan --out DIR`",
            )
        store = cls(path, mode=mode)
        if not store.runs():
            store.close()
            raise StoreError(
                f"results store {path} holds no scan",
                "pass a directory written by `vlmtrust scan --out DIR`",
            )
        return store

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(r[0]) for r in rows}

    def _check_version(self, fix: str) -> None:
        row = self._db.execute("SELECT version FROM schema_version").fetchone()
        if row is None and self.mode == "read":
            raise StoreError(f"{self.path} is not a vlmtrust results store", fix)
        if row is None:
            self._db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise StoreError(
                f"results store {self.path} has schema version {row[0]}, "
                f"this vlmtrust reads version {SCHEMA_VERSION}",
                "scan into a fresh --out directory",
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def stored_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are already stored."""
        wanted = list(keys)
        found: set[str] = set()
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key FROM results WHERE key IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def append(self, results: Sequence[StoredResult], replace: bool = False) -> None:
        """Store one batch atomically. A key already present is left as it is, unless
        ``replace`` (a recomputed result takes its place)."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._transaction() as db:
            db.executemany(
                f"{verb} INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.key,
                        r.task,
                        r.attack,
                        r.mitigation,
                        r.model,
                        r.sample_id,
                        json.dumps([s.model_dump(mode="json") for s in r.scores]),
                    )
                    for r in results
                ],
            )

    def fetch(self, keys: Iterable[str]) -> list[StoredResult]:
        """The stored results of ``keys``, in the order asked (SQLite returns them in index
        order: a baseline and its mitigated variant would then list the same samples in
        different orders, and their bootstrap intervals differ for identical scores)."""
        wanted = list(keys)
        found: dict[str, StoredResult] = {}
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, task, attack, mitigation, model, sample_id, scores "
                f"FROM results WHERE key IN ({marks})",
                chunk,
            )
            for row in rows:
                result = _result_from_row(row)
                found[result.key] = result
        return [found[key] for key in dict.fromkeys(wanted) if key in found]

    def scores_of(self, keys: Sequence[str]) -> Iterator[Score]:
        """Every Score of the stored results of ``keys`` (distinct), in the order asked, as
        ``fetch`` gives them; read 900 keys at a time, so aggregating a condition holds its
        scores but never every result with its names at once."""
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, scores FROM results WHERE key IN ({marks})"
            found = dict(self._db.execute(query, chunk).fetchall())
            for key in chunk:
                if key in found:
                    yield from (Score.model_validate(s) for s in json.loads(found[key]))

    def columns_of(self, keys: Sequence[str]) -> ScoreColumns:
        """``scores_of`` as columns (``core.columns``): each score's position is that of its
        key in ``keys``; no Score object is made, so a condition of 100k results costs ~1.5 MB."""
        built = ColumnsBuilder()
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, scores FROM results WHERE key IN ({marks})"
            found = dict(self._db.execute(query, chunk).fetchall())
            for at, key in enumerate(chunk, start=start):
                if key in found:
                    built.add(at, json.loads(found[key]))
        return built.build()

    def count_results(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM results").fetchone()
        return int(row[0])

    def replace_metrics(self, rows: Sequence[MetricRow]) -> None:
        """Write derived metric rows; a row for the same task/attack/mitigation/metric/model
        replaces the older one (metrics are recomputed from results at the end of each scan)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.task,
                        r.attack,
                        r.mitigation,
                        r.metric,
                        r.model,
                        r.value,
                        r.ci_low,
                        r.ci_high,
                        r.n,
                        json.dumps(r.details, sort_keys=True),
                    )
                    for r in rows
                ],
            )

    def metrics(self) -> list[MetricRow]:
        rows = self._db.execute(
            "SELECT task, attack, mitigation, metric, model, value, ci_low, ci_high, n, details "
            "FROM metrics ORDER BY model, task, mitigation, metric, attack <> 'none', attack"
        )
        return [
            MetricRow(
                task=r[0],
                attack=r[1],
                mitigation=r[2],
                metric=r[3],
                model=r[4],
                value=r[5],
                ci_low=r[6],
                ci_high=r[7],
                n=r[8],
                details=json.loads(r[9]),
            )
            for r in rows
        ]

    def replace_terms(self, terms: Sequence[StoredTerms]) -> None:
        """Write each metric row's per-sample terms (what paired tests against this run read,
        e.g. a later run's baseline gate); recomputed with the rows at the end of each scan."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO terms VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*t.key, t.kind, json.dumps(dict(t.values), sort_keys=True)) for t in terms],
            )

    def terms(self) -> list[StoredTerms]:
        """Every stored row's per-sample terms; none from a store written before they were
        kept (its rows can then only be compared unpaired)."""
        if "terms" not in self._tables():
            return []
        rows = self._db.execute(
            "SELECT task, attack, mitigation, metric, model, kind, terms FROM terms"
        )
        return [
            StoredTerms(key=(r[0], r[1], r[2], r[3], r[4]), kind=r[5], values=json.loads(r[6]))
            for r in rows
        ]

    def add_human_labels(self, labels: Sequence[HumanLabel]) -> None:
        """Store reviewers' labels beside (never over) the judges' scores; a newer label for the
        same result and metric replaces the older one."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO human_labels VALUES (?, ?, ?, ?, ?, ?)",
                [(h.key, h.metric, h.label, h.value, h.reviewer, time.time()) for h in labels],
            )

    def human_labels(self) -> dict[tuple[str, str], HumanLabel]:
        """Every human label, by (result key, metric)."""
        rows = self._db.execute("SELECT key, metric, label, value, reviewer FROM human_labels")
        return {
            (r[0], r[1]): HumanLabel(key=r[0], metric=r[1], label=r[2], value=r[3], reviewer=r[4])
            for r in rows
        }

    def results_of(self, task: str) -> list[StoredResult]:
        """Every stored result of one task (all variants, conditions and models)."""
        rows = self._db.execute(
            "SELECT key, task, attack, mitigation, model, sample_id, scores "
            "FROM results WHERE task = ? ORDER BY rowid",
            (task,),
        )
        return [_result_from_row(row) for row in rows]

    def start_run(self, run_id: str, header: dict[str, Any]) -> None:
        """Record a scan as running, with the process that runs it (see ``liveness``)."""
        owner = this_process()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, NULL)",
                (run_id, time.time(), json.dumps(header, sort_keys=True)),
            )
            db.execute(
                "INSERT OR REPLACE INTO run_processes VALUES (?, ?, ?, ?)",
                (run_id, owner.pid, owner.host, owner.started),
            )

    def _mark_interrupted(self) -> None:
        """Runs still "running" whose process has exited (killed, crashed) become "interrupted";
        a run whose process is alive, or runs on another host, is left alone."""
        rows = self._db.execute(
            "SELECT r.run_id, p.pid, p.host, p.started FROM runs AS r "
            "JOIN run_processes AS p ON p.run_id = r.run_id WHERE r.status = 'running'"
        ).fetchall()
        gone = [(r[0],) for r in rows if is_gone(Owner(pid=r[1], host=r[2], started=r[3]))]
        if gone:
            with self._transaction() as db:
                db.executemany(
                    "UPDATE runs SET status = 'interrupted' "
                    "WHERE run_id = ? AND status = 'running'",
                    gone,
                )

    def holds_nothing_but(self, run_id: str) -> bool:
        """No stored result and no run but ``run_id``: what a scan that failed before storing
        anything may delete, since no other scan has used this store."""
        others = self._db.execute("SELECT COUNT(*) FROM runs WHERE run_id <> ?", (run_id,))
        return self.count_results() == 0 and int(others.fetchone()[0]) == 0

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished = ?, status = ?, summary = ? WHERE run_id = ?",
                (time.time(), status, json.dumps(summary, sort_keys=True), run_id),
            )

    def replace_examples(self, examples: Sequence[StoredExample]) -> None:
        """Store gallery examples; one per task/attack/mitigation/model/sample, newest wins."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO examples VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.task,
                        e.attack,
                        e.mitigation,
                        e.model,
                        e.sample_id,
                        e.model_dump_json(exclude={"image"}),
                        e.image,
                    )
                    for e in examples
                ],
            )

    def examples(self) -> list[StoredExample]:
        rows = self._db.execute(
            "SELECT example, image FROM examples "
            "ORDER BY model, task, mitigation, attack <> 'none', attack, sample_id"
        )
        return [
            StoredExample.model_validate_json(r[0]).model_copy(update={"image": r[1]}) for r in rows
        ]

    def replace_findings(self, findings: Sequence[Finding]) -> None:
        """Store the run's findings, ranked worst first; they are derived from every metric row
        the store holds, so the new list replaces the old one whole."""
        with self._transaction() as db:
            db.execute("DELETE FROM findings")
            db.executemany(
                "INSERT INTO findings VALUES (?, ?)",
                [(rank, f.model_dump_json()) for rank, f in enumerate(findings)],
            )

    def findings(self) -> list[Finding] | None:
        """The stored findings, worst first; None from a store written before they were kept
        (a report then derives them from the rows)."""
        if "findings" not in self._tables():
            return None
        rows = self._db.execute("SELECT finding FROM findings ORDER BY rank")
        return [Finding.model_validate_json(r[0]) for r in rows]

    def remember_samples(self, identity: str, samples: Iterable[dict[str, Any]]) -> None:
        """Keep a drawn answer's samples without their images (id, labels, groups, prompt,
        provenance and content hash) under the source's identity of the request, in chunks of
        ``SAMPLE_CHUNK`` rows written as they come (a plan reads them back a chunk at a time)."""
        with self._transaction() as db:
            db.execute("DELETE FROM sample_rows WHERE identity = ?", (identity,))
            db.execute("DELETE FROM sample_index WHERE identity = ?", (identity,))
            chunk: list[dict[str, Any]] = []
            written = 0
            for row in samples:
                chunk.append(row)
                if len(chunk) == SAMPLE_CHUNK:
                    self._write_rows(identity, written, chunk)
                    written, chunk = written + 1, []
            if chunk or not written:
                self._write_rows(identity, written, chunk)

    def _write_rows(self, identity: str, chunk: int, rows: list[dict[str, Any]]) -> None:
        text = json.dumps(rows, sort_keys=True)
        self._db.execute("INSERT INTO sample_rows VALUES (?, ?, ?)", (identity, chunk, text))

    def remembered_samples(self, identity: str) -> list[dict[str, Any]] | None:
        """What ``remember_samples`` kept under ``identity`` (None: nothing, or an older store)."""
        chunks = self.remembered_chunks(identity)
        return None if chunks is None else [row for chunk in chunks for row in chunk]

    def remembered_chunks(self, identity: str) -> Iterator[list[dict[str, Any]]] | None:
        """``remembered_samples`` a chunk at a time (each parsed when reached), so a plan of
        many samples never holds every row; a store written before the chunks were kept gives
        its one list (``sample_index``) as one chunk. None: nothing kept under ``identity``."""
        tables = self._tables()
        if "sample_rows" in tables:
            query = "SELECT 1 FROM sample_rows WHERE identity = ? LIMIT 1"
            if self._db.execute(query, (identity,)).fetchone() is not None:
                return self._chunks_of(identity)
        if "sample_index" not in tables:
            return None
        row = self._db.execute(
            "SELECT samples FROM sample_index WHERE identity = ?", (identity,)
        ).fetchone()
        return None if row is None else iter([list(json.loads(row[0]))])

    @property
    def sample_chunk(self) -> int:
        """Rows per chunk of a remembered answer (all but the last)."""
        return SAMPLE_CHUNK

    def remembered_count(self, identity: str) -> int | None:
        """How many rows ``remember_samples`` kept in chunks under ``identity`` (None: none,
        or a store that kept them as one ``sample_index`` list): every chunk but the last holds
        ``SAMPLE_CHUNK`` rows, so only the last is read."""
        if "sample_rows" not in self._tables():
            return None
        query = "SELECT COUNT(*), MAX(chunk) FROM sample_rows WHERE identity = ?"
        chunks, last = self._db.execute(query, (identity,)).fetchone()
        if not chunks:
            return None
        return (int(chunks) - 1) * SAMPLE_CHUNK + len(self.remembered_chunk(identity, int(last)))

    def remembered_chunk(self, identity: str, chunk: int) -> list[dict[str, Any]]:
        """Chunk ``chunk`` of the rows kept under ``identity`` (``SAMPLE_CHUNK`` rows)."""
        query = "SELECT rows FROM sample_rows WHERE identity = ? AND chunk = ?"
        found = self._db.execute(query, (identity, chunk)).fetchone()
        if found is None:
            raise StoreError(
                f"results store {self.path} lost chunk {chunk} of its samples under {identity}",
                "re-run the scan into a fresh --out",
            )
        return list(json.loads(found[0]))

    def _chunks_of(self, identity: str) -> Iterator[list[dict[str, Any]]]:
        query = "SELECT rows FROM sample_rows WHERE identity = ? ORDER BY chunk"
        for (text,) in self._db.execute(query, (identity,)):
            yield list(json.loads(text))

    def remember_aggregate(self, digest: str, rows: Sequence[MetricRow]) -> None:
        """Keep the metric rows a scan derived, in its order, under the digest of what they were
        derived from; only the newest is kept (a re-run reuses it only when nothing changed)."""
        with self._transaction() as db:
            db.execute("DELETE FROM aggregates")
            db.execute(
                "INSERT INTO aggregates VALUES (?, ?)",
                (digest, json.dumps([r.model_dump(mode="json") for r in rows])),
            )

    def remembered_aggregate(self, digest: str) -> list[MetricRow] | None:
        """The rows ``remember_aggregate`` kept under ``digest`` (None: none, or others)."""
        if "aggregates" not in self._tables():
            return None
        row = self._db.execute("SELECT rows FROM aggregates WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else [MetricRow.model_validate(r) for r in json.loads(row[0])]

    def unscorable_counts(self) -> list[UnscorableCount]:
        """How many stored scores could not be judged, per condition and reason."""
        rows = self._db.execute(
            "SELECT task, attack, mitigation, model, "
            "COALESCE(json_extract(s.value, '$.reason'), 'no reason given'), COUNT(*) "
            "FROM results, json_each(results.scores) AS s "
            "WHERE json_extract(s.value, '$.unscorable') "
            "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 6 DESC"
        )
        keys = ("task", "attack", "mitigation", "model", "reason", "count")
        return [UnscorableCount.model_validate(dict(zip(keys, r, strict=True))) for r in rows]

    def result_counts(self) -> dict[str, int]:
        """Stored sample results per task (what the report's sample counts read)."""
        rows = self._db.execute("SELECT task, COUNT(*) FROM results GROUP BY task")
        return {str(r[0]): int(r[1]) for r in rows}

    def runs(self) -> list[dict[str, Any]]:
        """Every run of this directory, oldest first: header, summary, status and timing. A run
        still marked "running" whose process has exited reads "interrupted" (a read-only
        store cannot be corrected, but must not claim a dead scan runs)."""
        process = "p.pid, p.host, p.started" if self._has_processes else "NULL, NULL, NULL"
        join = "LEFT JOIN run_processes AS p ON p.run_id = r.run_id" if self._has_processes else ""
        rows = self._db.execute(
            "SELECT r.run_id, r.started, r.finished, r.status, r.header, r.summary, "
            f"{process} FROM runs AS r {join} ORDER BY r.started"
        )
        return [
            {
                "run_id": r[0],
                "started": r[1],
                "finished": r[2],
                "status": _shown_status(r[3], r[6], r[7], r[8]),
                "header": json.loads(r[4]),
                "summary": json.loads(r[5]) if r[5] else {},
            }
            for r in rows
        ]

    def latest_header(self) -> dict[str, Any] | None:
        """The header of the newest finished run (what the report describes)."""
        row = self._db.execute(
            "SELECT header FROM runs WHERE status = 'complete' ORDER BY started DESC LIMIT 1"
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))


def _connect(path: Path, readonly: bool, immutable: bool = False) -> sqlite3.Connection:
    if readonly:
        uri = f"{path.absolute().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
        return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30.0)
    return sqlite3.connect(path, isolation_level=None, timeout=30.0)


def _shown_status(status: str, pid: int | None, host: str | None, started: str | None) -> str:
    if status != "running" or pid is None or host is None:
        return status
    return "interrupted" if is_gone(Owner(pid=pid, host=host, started=started)) else status


def _result_from_row(row: tuple[Any, ...]) -> StoredResult:
    return StoredResult(
        key=row[0],
        task=row[1],
        attack=row[2],
        mitigation=row[3],
        model=row[4],
        sample_id=row[5],
        scores=tuple(Score.model_validate(s) for s in json.loads(row[6])),
    )
