"""``vlmtrust.compare``: the report's comparison of two runs, as a DataFrame."""

import math

import pytest

import vlmtrust
from vlmtrust.api.compare import CELL_FIELDS
from vlmtrust.core.errors import ConfigError


def test_two_runs_side_by_side_with_deltas_against_the_first(example):
    run, clean = example["run"], example["clean"]
    table = example["table"]  # the docs' API example's compare([run, clean])
    keys = {(r.task, r.attack, r.mitigation, r.metric) for r in run.metric_rows}
    assert set(table.index) == keys and len(keys) >= 3
    labels = [f"zoo:clip ({run.dir})", f"zoo:clip-clean ({clean.dir})"]
    assert list(table.columns.get_level_values("run").unique()) == labels
    assert list(table[labels[1]].columns) == list(CELL_FIELDS)
    before = {(r.task, r.attack, r.mitigation, r.metric): r for r in run.metric_rows}
    after = {(r.task, r.attack, r.mitigation, r.metric): r for r in clean.metric_rows}
    for key in keys:
        mine, theirs = table.loc[key, labels[0]], table.loc[key, labels[1]]
        assert mine["value"] == before[key].value and theirs["n"] == after[key].n
        assert mine["delta"] is None and mine["real"] is None  # the reference
        assert math.isclose(theirs["delta"], after[key].value - before[key].value, abs_tol=1e-12)
        assert theirs["real"] in (True, False) and theirs["verdict"]


def test_run_directories_compare_like_runs(example, monkeypatch):
    run, clean = example["run"], example["clean"]
    assert vlmtrust.compare([str(run.dir), clean.dir]).equals(example["table"])
    monkeypatch.chdir(example["__cwd__"])  # relative directories, as the example names them
    assert vlmtrust.compare(["runs/api", "runs/clean"]).equals(example["table"])


def test_fewer_than_two_runs_or_one_run_twice_is_a_one_line_error(example):
    run = example["run"]
    with pytest.raises(ConfigError, match="at least two runs"):
        vlmtrust.compare([run])
    with pytest.raises(ConfigError, match="named twice"):
        vlmtrust.compare([run, run.dir])
