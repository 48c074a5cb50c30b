"""``vlmtrust data list`` names every registered data source with what it expects, feeds, where
to get it and its licence; ``vlmtrust data check NAME PATH`` reads a copy as a scan would and
prints its counts, or one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from benchmark_trees import figstep_clone
from cli_run import run_cli
from wrong_layout import one_error_line

from vlmtrust.plugins import DATA_SOURCES


def test_list_names_every_source_with_what_it_expects_and_its_licence() -> None:
    result = run_cli("data", "list")
    assert result.code == 0, result.stderr
    for entry in DATA_SOURCES.entries():
        source = DATA_SOURCES.get(entry.name)
        assert f"{entry.name}  {entry.description}" in result.stdout
        assert source.expects and source.get_it and source.licence
        assert source.licence in result.stdout and source.get_it in result.stdout
    assert "licence:  MIT" in result.stdout and "CC BY-NC 4.0" in result.stdout


def test_check_prints_rows_per_split_and_category_and_the_fingerprint(tmp_path: Path) -> None:
    root = figstep_clone(tmp_path / "FigStep", per_topic=50, tiny_per_topic=5, topics=10)
    result = run_cli("data", "check", "figstep_safebench_tiny", str(root))
    assert result.code == 0, result.stderr
    head, *rest = result.stdout.splitlines()
    assert head.startswith("figstep_safebench_tiny: 50 rows, fingerprint ") and len(head) > 64
    table = "\n".join(rest)
    assert "SafeBench-Tiny" in table and "Health Consultation" in table and "warning" not in table


def test_check_of_an_unknown_source_or_a_folder_in_another_layout_is_one_line_exit_2(
    tmp_path: Path,
) -> None:
    for args, said in (
        (("data", "check", "no_such_bench", str(tmp_path)), "no_such_bench"),
        (("data", "check", "figstep_safebench", str(tmp_path)), "has no question/safebench.csv"),
        (("data", "check", "figstep_safebench", str(tmp_path / "nope")), "is not a directory"),
    ):
        assert said in one_error_line(run_cli(*args))


def test_check_of_the_world_says_there_is_no_copy() -> None:
    result = run_cli("data", "check", "world")
    assert result.code == 0, result.stderr
    assert "world: generated data, no copy to check" in result.stdout
