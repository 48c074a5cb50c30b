"""The CI recipes under docs/ci/ are valid YAML of the right shape, and every `vlmtrust`
command in them parses against the real CLI (options that exist, values of the right type) with
gates that parse: a renamed option or a broken gate fails here, not in a user's pipeline."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
import yaml

from vlmtrust.cli.main import app
from vlmtrust.report.gates import parse_gate

DOCS = Path(__file__).resolve().parents[2] / "docs" / "ci"
#: shell expansions in the recipes and what they hold on a pull request with a baseline
EXPANSIONS = {
    '"${BASELINE[@]}"': "--baseline runs/baseline",
    '"${GATES[@]}"': (
        "--fail-on 'robustness.zero_shot[attack=none].accuracy<0.8' "
        "--fail-on 'robustness.zero_shot[attack=none].accuracy<baseline-0.02'"
    ),
    '"$MODEL"': "zoo:clip",
}
URL = re.compile(r'"[^"]*(\$\{\{[^}]*\}\}|\$CI_JOB_URL)[^"]*"')


def vlmtrust_commands(script: str) -> list[list[str]]:
    """Each `.venv/bin/vlmtrust ...` command of a script, continuation lines joined, expanded
    as above and cut before `||`."""
    joined = script.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        if ".venv/bin/vlmtrust " not in line:
            continue
        text = line.split(".venv/bin/vlmtrust ", 1)[1].split(" || ", 1)[0]
        for shell, value in EXPANSIONS.items():
            text = text.replace(shell, value)
        commands.append(shlex.split(URL.sub("https://ci.example/run", text)))
    return commands


def scripts(recipe: str) -> list[str]:
    data = yaml.safe_load((DOCS / recipe).read_text())
    if recipe == "github-actions.yml":
        steps = data["jobs"]["scan"]["steps"]
        return [step["run"] for step in steps if "run" in step]
    return list(data["vlmtrust"]["script"])


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_every_vlmtrust_command_in_a_recipe_parses_against_the_cli(recipe):
    commands = [c for script in scripts(recipe) for c in vlmtrust_commands(script)]
    assert {c[0] for c in commands} == {"scan", "report"}
    group = typer.main.get_command(app)
    for args in commands:
        # the group's own parser resolves the subcommand; its parser checks the options
        parent = group.make_context("vlmtrust", list(args), resilient_parsing=True)
        command = group.get_command(parent, args[0])  # type: ignore[attr-defined]
        assert command is not None, args
        context = command.make_context(args[0], list(args[1:]), parent=parent)
        for gate in context.params.get("fail_on") or ():
            parse_gate(gate)
    formats = {a[a.index("--format") + 1] for a in commands if "--format" in a}
    assert {"github", "junit"} <= formats


def test_the_github_workflow_comments_on_pull_requests_and_keeps_a_baseline():
    data = yaml.safe_load((DOCS / "github-actions.yml").read_text())
    assert data["permissions"]["pull-requests"] == "write"
    uses = [step.get("uses", "") for step in data["jobs"]["scan"]["steps"]]
    assert "actions/upload-artifact@v4" in uses and "actions/cache/save@v4" in uses


def test_the_gitlab_job_reports_the_gates_as_junit():
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())["vlmtrust"]
    assert job["artifacts"]["reports"]["junit"] == "gates.xml"


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_every_gate_a_recipe_sets_parses(recipe):
    gates = re.findall(r'--fail-on "([^"]+)"', (DOCS / recipe).read_text())
    assert len(gates) >= 2
    for gate in gates:
        parse_gate(gate)
