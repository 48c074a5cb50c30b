"""Every command that writes takes a bad --out as one line, exit 2, before doing any work."""

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "somefile"
    path.write_text("keep me")
    return path


def _assert_one_line(result, *needles):
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --out ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr


@pytest.mark.parametrize("below", ["", "run"], ids=["is-a-file", "under-a-file"])
def test_directory_outputs(a_file, world_folder, below):
    out = a_file / below if below else a_file
    needle = "which is a file" if below else "is a file, not a directory"
    scan = ["scan", "--model", "zoo:clip", "--task", "robustness.zero_shot", "--limit", "3"]
    for args in (
        [*scan, "--out", str(out)],
        ["demo", "--out", str(out)],
        ["sanitize", str(world_folder), "--out", str(out)],
    ):
        _assert_one_line(runner.invoke(app, args), needle)
    assert a_file.read_text() == "keep me"


def test_file_outputs(zoo_scan, tmp_path, a_file):
    for command in (["report", str(zoo_scan)], ["review", "export", str(zoo_scan)]):
        _assert_one_line(runner.invoke(app, [*command, "--out", str(a_file / "x")]), "is a file")
        _assert_one_line(runner.invoke(app, [*command, "--out", str(tmp_path)]), "is a directory")
    missing = tmp_path / "missing" / "review.csv"
    exported = runner.invoke(app, ["review", "export", str(zoo_scan), "--out", str(missing)])
    _assert_one_line(exported, "does not exist")
    assert not missing.parent.exists()
