import json
import sqlite3

import pytest

from vlmtrust.core.errors import StoreError
from vlmtrust.core.records import MetricRow, Score
from vlmtrust.store import ResultStore, StoredResult


def _result(key: str, value: float = 1.0) -> StoredResult:
    return StoredResult(
        key=key,
        task="t",
        attack="none",
        mitigation="none",
        model="m",
        sample_id=f"s-{key}",
        scores=(Score(sample_id=f"s-{key}", metric="correct", value=value),),
    )


def test_append_fetch_and_stored_keys(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result("a"), _result("b", 0.0)])
        assert store.stored_keys(["a", "b", "c"]) == {"a", "b"}
        fetched = {r.key: r for r in store.fetch(["a", "b"])}
        assert fetched["b"].scores[0].value == 0.0
        # append-only: a stored key keeps its first value
        store.append([_result("a", 0.0)])
        assert store.fetch(["a"])[0].scores[0].value == 1.0


def test_many_keys_query_in_chunks(tmp_path):
    keys = [f"k{i}" for i in range(2500)]
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result(k) for k in keys])
        assert store.stored_keys([*keys, "missing"]) == set(keys)
        assert len(store.fetch(keys)) == 2500


def test_fetch_returns_results_in_the_order_asked_across_chunks(tmp_path):
    """A baseline and its variant ask for the same samples in the same order; the answer must
    keep it, or bootstrap intervals of identical scores differ between the two."""
    keys = [f"k{i:04d}" for i in range(1200)]
    asked = [*reversed(keys[250:]), "missing", keys[0]]
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result(k) for k in keys])
        assert [r.key for r in store.fetch(asked)] == [k for k in asked if k != "missing"]


def test_scores_of_streams_the_scores_fetch_gives_in_the_same_order(tmp_path):
    """Aggregation reads scores chunk by chunk; it must see what ``fetch`` gives, in order."""
    keys = [f"k{i:04d}" for i in range(1900)]
    asked = [*reversed(keys[100:]), "missing", keys[0]]
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result(k, float(i % 3 == 0)) for i, k in enumerate(keys)])
        streamed = list(store.scores_of(asked))
        assert streamed == [s for r in store.fetch(asked) for s in r.scores]
        assert len(streamed) == len(asked) - 1


def test_a_failing_batch_leaves_nothing_behind(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result("a")])
        bad = StoredResult.model_construct(**{**_result("b").__dict__, "scores": (object(),)})
        with pytest.raises(AttributeError):
            store.append([_result("c"), bad])
        assert store.count_results() == 1


def test_wal_mode_and_schema_version(tmp_path):
    with ResultStore.in_dir(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / "results.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute("UPDATE schema_version SET version = 999")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 999"):
        ResultStore.in_dir(tmp_path)


def test_corrupt_store_is_a_clear_error(tmp_path):
    (tmp_path / "results.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="unreadable"):
        ResultStore.in_dir(tmp_path)


def test_open_existing_never_creates(tmp_path):
    with pytest.raises(StoreError, match="no results store"):
        ResultStore.open_existing(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_metrics_replace_per_identity(tmp_path):
    row = MetricRow(
        task="t",
        attack="none",
        mitigation="none",
        metric="accuracy",
        value=0.5,
        ci_low=0.4,
        ci_high=0.6,
        n=10,
        model="m",
        details={"a": 1},
    )
    with ResultStore.in_dir(tmp_path) as store:
        store.replace_metrics([row])
        store.replace_metrics([row.model_copy(update={"value": 0.7})])
        assert [r.value for r in store.metrics()] == [0.7]
        assert store.metrics()[0].details == {"a": 1}


def test_terms_are_kept_per_row_and_replaced_and_an_older_store_has_none(tmp_path):
    from vlmtrust.store import StoredTerms

    key = ("t.x", "none", "none", "asr", "zoo:m")
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.replace_terms([StoredTerms(key=key, kind="binary", values={"a": 1.0, "b": 0.0})])
        store.replace_terms([StoredTerms(key=key, kind="binary", values={"a": 0.0})])
        assert store.terms() == [StoredTerms(key=key, kind="binary", values={"a": 0.0})]
        store._db.execute("DROP TABLE terms")  # as a store written before terms were kept
        assert store.terms() == []


def test_findings_are_replaced_whole_in_rank_order_and_an_older_store_has_none(tmp_path):
    from vlmtrust.store import Finding

    def finding(task, severity):
        return Finding(
            pillar="safety",
            task=task,
            metric="asr",
            attack="figstep",
            model="zoo:m",
            severity=severity,
            rule="jailbreak",
            statement=f"{task} is bad",
            evidence=(f"{task}/figstep/none/asr/zoo:m",),
            anchors=(f"#task-{task}", f"#gallery-{task}"),
            fix="no mitigation in this run fixed it",
            distance=0.5,
        )

    with ResultStore(tmp_path / "s.sqlite") as store:
        assert store.findings() == []
        store.replace_findings([finding("safety.a", "critical"), finding("safety.b", "low")])
        store.replace_findings([finding("safety.c", "high"), finding("safety.a", "medium")])
        assert [(f.task, f.severity) for f in store.findings() or []] == [
            ("safety.c", "high"),
            ("safety.a", "medium"),
        ]
        store._db.execute("DROP TABLE findings")  # as a store written before findings
        assert store.findings() is None


def test_a_finding_stored_before_fix_costs_were_kept_still_reads(tmp_path):
    from vlmtrust.store import Finding

    old = {
        "pillar": "safety",
        "task": "safety.toxicity",
        "metric": "toxic_rate",
        "attack": "persona",
        "model": "zoo:m",
        "severity": "critical",
        "rule": "persona_toxicity",
        "statement": "Toxic replies under a persona",
        "evidence": ["safety.toxicity/persona/none/toxic_rate/zoo:m"],
        "anchors": ["#task-safety.toxicity", "#gallery-safety.toxicity"],
        "fix": "guard: toxic_rate 100% -> 0%",
        "fixed_by": "guard",
        "distance": 1.0,
    }
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.replace_findings([])
        store._db.execute("INSERT INTO findings VALUES (?, ?)", (0, json.dumps(old)))
        (found,) = store.findings() or []
        assert found.fixed_by == "guard" and found.fix_cost is None
        with_cost = Finding.model_validate(
            {**old, "fix_cost": {"row": "t/none/guard/accuracy/zoo:m", "text": "t accuracy"}}
        )
        store.replace_findings([with_cost])
        assert store.findings() == [with_cost]


def test_drawn_samples_and_derived_rows_are_kept_and_an_older_store_has_none(tmp_path):
    rows = [
        {"id": "a", "labels": {"shape": "circle", "big": True}, "hash": "h1"},
        {"id": "b", "labels": {"shape": "square", "big": False}, "hash": "h2"},
    ]
    metric = MetricRow(
        task="t.x",
        attack="none",
        mitigation="none",
        metric="acc",
        model="m",
        value=0.5,
        n=4,
        ci_low=0.1,
        ci_high=0.9,
        details={"chance": 0.25, "pair": [1, 2]},
    )
    with ResultStore(tmp_path / "s.sqlite") as store:
        assert store.remembered_samples("world-1") is None
        store.remember_samples("world-1", iter(rows))  # written as the rows come
        assert store.remembered_samples("world-1") == rows
        assert store.remembered_samples("world-2") is None
        store.remember_aggregate("d1", [metric])
        store.remember_aggregate("d2", [metric, metric])
        assert store.remembered_aggregate("d1") is None  # only the newest is kept
        assert store.remembered_aggregate("d2") == [metric, metric]
        store._db.execute("DROP TABLE sample_rows")  # as a store written before they were kept
        store._db.execute("DROP TABLE sample_index")
        store._db.execute("DROP TABLE aggregates")
        assert store.remembered_samples("world-1") is None
        assert store.remembered_aggregate("d2") is None


def test_remembered_rows_come_a_chunk_at_a_time_and_an_older_stores_list_still_reads(
    tmp_path, monkeypatch
):
    from vlmtrust.store import sqlite

    monkeypatch.setattr(sqlite, "SAMPLE_CHUNK", 2)
    rows = [{"id": f"s{i}", "labels": {"shape": "circle"}, "hash": f"h{i}"} for i in range(5)]
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.remember_samples("world-1", iter(rows))
        chunks = store.remembered_chunks("world-1")
        assert chunks is not None
        assert [len(c) for c in chunks] == [2, 2, 1]
        store.remember_samples("world-1", iter(rows[:1]))  # drawn again: replaces the rows
        assert store.remembered_samples("world-1") == rows[:1]
        store.remember_samples("world-0", iter([]))  # an empty answer is remembered as empty
        assert store.remembered_samples("world-0") == []
        # a store written before the chunks: its one list under sample_index
        store._db.execute("DELETE FROM sample_rows")
        store._db.execute(
            "INSERT INTO sample_index VALUES (?, ?)", ("world-1", json.dumps(rows, sort_keys=True))
        )
        old = store.remembered_chunks("world-1")
        assert old is not None and list(old) == [rows]
        assert store.remembered_chunks("world-2") is None


def test_columns_of_gives_the_scores_of_keys_as_columns_in_the_order_asked(tmp_path):
    scores = {
        "k1": (Score(sample_id="a", metric="correct", value=1.0, details={"truth": "x"}),),
        "k2": (
            Score.cannot_score("b", "correct", "no image"),
            Score(sample_id="b", metric="abstained", value=1.0),
        ),
        "k3": (Score(sample_id="c", metric="correct", value=0.0),),
    }
    results = [
        StoredResult(
            key=k,
            task="t",
            attack="none",
            mitigation="none",
            model="m",
            sample_id=s[0].sample_id,
            scores=s,
        )
        for k, s in scores.items()
    ]
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.append(results)
        keys = ["k3", "missing", "k2", "k1"]
        columns = store.columns_of(keys)
        flat = list(store.scores_of(keys))
    assert columns.position.tolist() == [0, 2, 2, 3]  # "missing" holds position 1, no score
    assert [columns.names[m] for m in columns.metric] == [s.metric for s in flat]
    assert columns.unscorable.tolist() == [s.unscorable for s in flat]
    assert columns.missing.tolist() == [s.value is None for s in flat]
    assert [None if m else v for v, m in zip(columns.value, columns.missing, strict=True)] == [
        s.value for s in flat
    ]
    assert columns.of("correct").position.tolist() == [0, 2, 3]
