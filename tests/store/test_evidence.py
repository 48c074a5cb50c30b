"""What the HTML report reads beyond metric rows: gallery examples, unscorable counts, run
history; and a store from before the examples table is refused without being touched."""

import sqlite3

import pytest

from vlmtrust.core.errors import StoreError
from vlmtrust.core.records import Score
from vlmtrust.store import SCHEMA_VERSION, ResultStore, StoredExample, StoredResult


def test_examples_round_trip_and_newest_wins(tmp_path):
    first = StoredExample(
        task="t",
        attack="a",
        mitigation="none",
        model="m",
        sample_id="s",
        image=b"\x89PNG..",
        prompt="p",
        response="r",
        metric="correct",
        value=0.0,
        label="cat",
        reason="wrong",
        truth={"class": "dog"},
    )
    with ResultStore.in_dir(tmp_path) as store:
        store.replace_examples([first, first.model_copy(update={"sample_id": "t"})])
        store.replace_examples([first.model_copy(update={"response": "newer"})])
        examples = store.examples()
    assert [e.sample_id for e in examples] == ["s", "t"]
    assert examples[0].response == "newer" and examples[0].image == b"\x89PNG.."
    assert examples[0].truth == {"class": "dog"}  # the true label travels with the prediction


def test_a_saliency_png_round_trips_byte_for_byte_beside_the_image(tmp_path):
    png = bytes(range(256))  # every byte value: not text, so JSON must carry it encoded
    example = StoredExample(
        task="t", attack="a", mitigation="none", model="m", sample_id="s", saliency=png
    )
    with ResultStore.in_dir(tmp_path) as store:
        store.replace_examples([example, example.model_copy(update={"sample_id": "u"})])
        stored = store.examples()
    assert [e.saliency for e in stored] == [png, png]


def test_unscorable_counts_group_by_condition_and_reason(tmp_path):
    def result(key, *scores):
        return StoredResult(
            key=key,
            task="t",
            attack="a",
            mitigation="none",
            model="m",
            sample_id=key,
            scores=scores,
        )

    with ResultStore.in_dir(tmp_path) as store:
        store.append(
            [
                result("1", Score.cannot_score("1", "x", "empty answer")),
                result("2", Score.cannot_score("2", "x", "empty answer")),
                result(
                    "3",
                    Score(sample_id="3", metric="x", value=1.0),
                    Score.cannot_score("3", "y", "judge timed out"),
                ),
            ]
        )
        counts = {(c.reason, c.count) for c in store.unscorable_counts()}
        assert counts == {("empty answer", 2), ("judge timed out", 1)}
        assert store.result_counts() == {"t": 3}
        store.start_run("r1", {"seed": 0})
        store.finish_run("r1", "complete", {"planned": 3})
        (run,) = store.runs()
    assert run["status"] == "complete" and run["summary"] == {"planned": 3}
    assert run["finished"] >= run["started"]


def test_a_version_1_store_is_refused_and_left_untouched(tmp_path):
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.commit()
    db.close()
    with pytest.raises(
        StoreError, match=f"schema version 1, this vlmtrust reads version {SCHEMA_VERSION}"
    ):
        ResultStore.open_existing(tmp_path)
    db = sqlite3.connect(tmp_path / "results.sqlite")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"schema_version"}
