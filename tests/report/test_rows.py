"""A scan plan's ``out`` (a folder of run directories) stands for its run directories."""

from vlmtrust.report.rows import expand_plan_dirs
from vlmtrust.store import ResultStore


def test_a_folder_of_run_directories_expands_to_them_in_name_order(tmp_path):
    plan, single = tmp_path / "plan", tmp_path / "single"
    for run_dir in (plan / "zoo-clip-fair", plan / "zoo-clip", single):
        ResultStore.in_dir(run_dir).close()
    (plan / "notes").mkdir()  # no store: not a run
    expanded = expand_plan_dirs([plan, single, tmp_path / "missing"])
    assert expanded == [plan / "zoo-clip", plan / "zoo-clip-fair", single, tmp_path / "missing"]


def test_an_empty_folder_stays_itself(tmp_path):
    assert expand_plan_dirs([tmp_path]) == [tmp_path]
