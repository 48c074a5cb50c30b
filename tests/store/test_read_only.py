"""Reports read a store read-only: a directory without a store, an empty file, another
program's SQLite file, or a store no scan has started in is refused and left as it was."""

import sqlite3

import pytest

from vlmtrust.core.errors import StoreError
from vlmtrust.store import ResultStore


def _tables(path):
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


def _foreign(run_dir):
    db = sqlite3.connect(run_dir / "results.sqlite")
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()


def _no_scan(run_dir):
    ResultStore.in_dir(run_dir).close()


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: (d / "results.sqlite").write_bytes(b""), "is not a vlmtrust results store"),
        (_foreign, "is not a vlmtrust results store"),
        (_no_scan, "holds no scan"),
        (lambda d: (d / "results.sqlite").write_bytes(b"junk" * 300), "unreadable"),
    ],
    ids=["empty-file", "other-sqlite", "no-run", "not-sqlite"],
)
@pytest.mark.parametrize("mode", ["read", "update"])
def test_what_is_not_a_scanned_store_is_refused_untouched(tmp_path, make, needle, mode):
    make(tmp_path)
    path = tmp_path / "results.sqlite"
    before = path.read_bytes()
    with pytest.raises(StoreError, match=needle) as caught:
        ResultStore.open_existing(tmp_path, mode=mode)
    assert "\n" not in str(caught.value) and "vlmtrust scan" in str(caught.value)
    assert path.read_bytes() == before


def test_a_directory_without_a_store_gets_none(tmp_path):
    with pytest.raises(StoreError, match="no results store"):
        ResultStore.open_existing(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_scan_refuses_another_programs_file(tmp_path):
    _foreign(tmp_path)
    with pytest.raises(StoreError, match="not a vlmtrust results store"):
        ResultStore.in_dir(tmp_path)
    assert _tables(tmp_path / "results.sqlite") == {"notes"}


def test_reading_writes_nothing(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        store.start_run("r", {"model": {"name": "m"}})
        store.finish_run("r", "complete", {})
    before = (tmp_path / "results.sqlite").read_bytes()
    with ResultStore.open_existing(tmp_path) as store:
        assert [r["status"] for r in store.runs()] == ["complete"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.finish_run("r", "failed", {})
    assert (tmp_path / "results.sqlite").read_bytes() == before


def test_a_store_from_before_run_processes_is_still_read(tmp_path):
    """Version-2 stores written before the run_processes table existed stay readable."""
    with ResultStore.in_dir(tmp_path) as store:
        store.start_run("old", {"model": {"name": "m"}})
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.execute("DROP TABLE run_processes")
    db.commit()
    db.close()
    with ResultStore.open_existing(tmp_path) as store:
        assert [r["status"] for r in store.runs()] == ["running"]  # nothing shows it died
    assert "run_processes" not in _tables(tmp_path / "results.sqlite")
    with ResultStore.in_dir(tmp_path) as store:  # a scan adds the table, keeps the run
        assert [r["run_id"] for r in store.runs()] == ["old"]
    assert "run_processes" in _tables(tmp_path / "results.sqlite")


def _result(key):
    from vlmtrust.core.records import Score
    from vlmtrust.store import StoredResult

    sample = f"s-{key}"
    score = Score(sample_id=sample, metric="correct", value=1.0)
    return StoredResult(
        key=key,
        task="t",
        attack="none",
        mitigation="none",
        model="m",
        sample_id=sample,
        scores=(score,),
    )


def _listing(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_an_untouched_read_leaves_no_file_beside_a_closed_store(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        store.append([_result("a")])
    before = _listing(tmp_path)
    with ResultStore(tmp_path / "results.sqlite", mode="read", untouched=True) as store:
        assert store.stored_keys(["a", "b"]) == {"a"}
    assert _listing(tmp_path) == before
    # a plain read-only open makes SQLite's -shm beside it: what `untouched` avoids
    with ResultStore(tmp_path / "results.sqlite", mode="read") as store:
        store.stored_keys(["a"])
    assert _listing(tmp_path) != before


def test_an_untouched_read_sees_results_a_running_scan_holds_in_its_wal(tmp_path):
    with ResultStore.in_dir(tmp_path) as writer:
        writer.append([_result("a")])
        assert (tmp_path / "results.sqlite-wal").exists()
        with ResultStore(tmp_path / "results.sqlite", mode="read", untouched=True) as reader:
            assert reader.stored_keys(["a"]) == {"a"}
