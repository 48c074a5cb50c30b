"""The README's first screen works as written: every `make` target it names exists, every
`vlmtrust` command it names is in the CLI, and it says how to call `vlmtrust` from the venv that
`make` creates (which `make demo` also prints at its end)."""

import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from vlmtrust.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: the first screen: everything above the first `##` section
FIRST_SCREEN = README.split("\n## ", 1)[0]
#: what the first screen shows as code: its code blocks and `inline code`, not its prose
CODE = re.compile(r"```bash\n(.*?)```|`([^`\n]+)`", re.S)
FIRST_SCREEN_CODE = "\n".join(block or span for block, span in CODE.findall(FIRST_SCREEN))
runner = CliRunner()


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.MULTILINE))


def _cli_commands() -> set[str]:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return set(re.findall(r"^│ (\w+) ", result.stdout, flags=re.MULTILINE))


def test_first_screen_is_long_enough_to_hold_the_commands_and_no_longer():
    assert 20 < len(FIRST_SCREEN.splitlines()) <= 60


def test_every_make_target_on_the_first_screen_exists():
    named = set(re.findall(r"\bmake (\w+)", FIRST_SCREEN_CODE))
    assert {"demo", "test", "unit", "slow", "browser"} <= named
    assert named <= _make_targets(), named - _make_targets()


def test_every_vlmtrust_command_on_the_first_screen_is_in_the_cli():
    named = set(re.findall(r"\bvlmtrust (\w+)", FIRST_SCREEN_CODE))
    assert {"list", "demo"} <= named
    assert named <= _cli_commands(), named - _cli_commands()
    demo_help = runner.invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert "--limit" in demo_help.stdout and "--out" in demo_help.stdout


def test_first_screen_says_how_to_call_vlmtrust_from_the_makefiles_venv():
    venv = re.search(r"^VENV \?= (\S+)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert venv is not None
    first_block = FIRST_SCREEN.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("make demo") and first_block[1].startswith("make test")
    assert any(line.startswith(f"{venv[1]}/bin/vlmtrust --help") for line in first_block)
    assert any(line.startswith(f"source {venv[1]}/bin/activate") for line in first_block)
    assert (ROOT / ".ci" / "run").is_file()  # `bash .ci/run`, the measured CI command


def test_make_demo_ends_by_printing_how_to_call_vlmtrust():
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo", "VENV=/v"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    scan = next(i for i, line in enumerate(dry) if line.startswith("/v/bin/vlmtrust demo"))
    tail = "\n".join(dry[scan + 1 :])
    assert "/v/bin/vlmtrust --help" in tail and "source /v/bin/activate" in tail


def test_readme_has_no_stale_promises_or_pointers_outside_the_repository():
    lowered = README.lower()
    for stale in ("not here yet", "coming soon", "to come)", "../shared/", "design.md", "todo"):
        assert stale not in lowered, stale
