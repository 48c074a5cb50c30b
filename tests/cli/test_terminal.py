"""Piped output (CliRunner is not a terminal) is never cut to 80 columns."""

from typer.testing import CliRunner

from vlmtrust.cli import terminal
from vlmtrust.cli.main import app

runner = CliRunner()


def test_a_console_off_a_terminal_is_wider_than_any_row():
    assert terminal.console().width == terminal.PIPE_WIDTH  # pytest captures stdout: no TTY


def test_scan_results_table_keeps_long_names_whole_in_a_pipe(tiny_clip, tmp_path):
    out = tmp_path / "run"
    args = ["scan", "--model", f"hf:{tiny_clip}", "--task", "robustness.zero_shot:n=10"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "robustness.zero_shot" in result.stderr
    assert "corruption.gaussian_noise" in result.stderr
    assert "…" not in result.stderr and "..." not in result.stderr


def test_list_keeps_long_descriptions_on_one_line_in_a_pipe():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    hf_line = next(line for line in result.stdout.splitlines() if line.startswith("  hf "))
    assert len(hf_line) > 80 and hf_line.endswith("max_new_tokens=N]")
    (assoc,) = [x for x in result.stdout.splitlines() if "fairness.embedding_association" in x]
    assert "WEAT effect size" in assoc
