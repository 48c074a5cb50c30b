"""The commands the docs show stay true.

A ```bash block on the line after `<!-- runnable -->` (README.md and docs/*.md) is run, in page
order, in one temp dir per page, and must exit 0: in this process through the CLI's app (the
README and getting-started pages in the default suite, the others in the slow tail), and as
written through bash and this venv's console script (slow tail). Every other `vlmtrust` command
in a bash block must at least parse against the CLI (the command exists, its options exist and
take the values shown). Every docs page is in mkdocs.yml's nav, and every nav entry is a page
(`make docs` builds them with `--strict`)."""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from vlmtrust.cli.main import app
from vlmtrust.report.gates import parse_gate

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
MARKER = "<!-- runnable -->"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
#: a command with a placeholder is shown, not run or parsed: `scan ...`, `[--task TASK]`
PLACEHOLDER = re.compile(r"\.\.\.|\[--")
runner = CliRunner()


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str
    runnable: bool

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, marked runnable when the line before it is the marker."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(page, line, match[1], match[2], before == MARKER))
    return found


def commands(script: str) -> list[str]:
    """A script's commands: continuation lines joined, blank and comment lines dropped."""
    joined = script.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and line.strip()[0] != "#"]


def without_comment(command: str) -> str:
    """As bash reads it: an unquoted `#` that starts a word starts a comment (`v1#model` does
    not)."""
    quote = ""
    for i, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or command[i - 1].isspace()):
            return command[:i]
    return command


def vlmtrust_args(command: str) -> list[str] | None:
    """The arguments of a `vlmtrust` command (comments and a trailing `&` cut), else None."""
    words = shlex.split(without_comment(command))
    if words and words[-1] == "&":
        words = words[:-1]
    if not words or Path(words[0]).name != "vlmtrust":
        return None
    return words[1:]


RUNNABLE = {page: [b for b in blocks(page) if b.runnable] for page in PAGES}
RUNNABLE_PAGES = [page for page, found in RUNNABLE.items() if found]
#: pages whose runnable blocks fit the default suite (the README's tour: zoo:clip, --limit 10);
#: the others (zoo:assistant's generations, the fairness skew's 40 x 10 sub-pools) run in the
#: slow tail
FAST_PAGES = {ROOT / "README.md", DOCS / "getting-started.md"}


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _in_process_params() -> list:
    slow = (pytest.mark.slow, pytest.mark.timeout(900))  # zoo:assistant generates on the CPU
    return [
        pytest.param(page, id=_page_id(page), marks=() if page in FAST_PAGES else slow)
        for page in RUNNABLE_PAGES
    ]


def test_the_marker_stands_only_before_bash_blocks_of_vlmtrust_commands():
    """A misplaced marker (before prose, another language, or a block the runner cannot run)
    would silently run nothing."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.strip() == MARKER:
                assert lines[number + 1].startswith("```bash"), f"{page.name}:{number + 1}"
    for found in RUNNABLE.values():
        for block in found:
            assert block.language == "bash", block.where
            for command in commands(block.text):
                assert vlmtrust_args(command) is not None, (block.where, command)
                assert not PLACEHOLDER.search(command), (block.where, command)


def test_there_are_runnable_blocks_in_the_readme_and_the_pillar_pages():
    names = {page.name for page in RUNNABLE_PAGES}
    assert {"README.md", "getting-started.md", "robustness.md", "fairness.md"} <= names
    assert {"safety.md", "privacy.md", "reports.md"} <= names


@functools.cache
def _cli() -> Any:
    """The CLI as click's group (built once: typer builds it anew on every call)."""
    return typer.main.get_command(app)


def _resolve(args: list[str]) -> tuple[Any, list[str], Any]:
    """The (sub)command the arguments name, its own arguments and its parent context (click's
    objects, as typer vendors them)."""
    command: Any = _cli()
    context = command.make_context("vlmtrust", list(args), resilient_parsing=True)
    while hasattr(command, "get_command"):  # a group: the next word names the subcommand
        assert args, "a command group without a subcommand"
        sub = command.get_command(context, args[0])
        assert sub is not None, f"no command {args[0]!r}"
        context = sub.make_context(args[0], list(args[1:]), parent=context, resilient_parsing=True)
        command, args = sub, args[1:]
    return command, args, context.parent or context


def test_every_vlmtrust_command_shown_in_the_docs_parses_against_the_cli():
    """Not only the runnable ones: a renamed option or subcommand fails here."""
    parsed = 0
    for page in PAGES:
        for block in blocks(page):
            if block.language != "bash":
                continue
            for command in commands(block.text):
                args = vlmtrust_args(command)
                if args is None or PLACEHOLDER.search(command) or "--help" in args:
                    continue
                found, own, parent = _resolve(args)
                try:
                    context = found.make_context(found.name or "", list(own), parent=parent)
                except Exception as error:  # click's usage errors, as typer vendors them
                    pytest.fail(f"{block.where}: {command}: {error}")
                for gate in context.params.get("fail_on") or ():
                    parse_gate(gate)
                parsed += 1
    assert parsed >= 40, parsed


@pytest.mark.parametrize("page", _in_process_params())
def test_every_runnable_block_of_a_page_runs(page, tmp_path, monkeypatch):
    """In page order in one folder (a later block may read an earlier one's run), in this
    process through the CLI's app."""
    monkeypatch.chdir(tmp_path)
    for block in RUNNABLE[page]:
        for command in commands(block.text):
            args = vlmtrust_args(command)
            assert args is not None
            result = runner.invoke(app, args, env={"COLUMNS": "200"})
            assert result.exit_code == 0, f"{block.where}: {command}\n{result.output}"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=_page_id)
def test_every_runnable_block_runs_as_written_in_bash(page, tmp_path):
    """As a user would: bash, the console script of this venv on the PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for block in RUNNABLE[page]:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{block.where}\n{done.stdout}\n{done.stderr}"


def _nav_pages(entries: list) -> set[str]:
    pages: set[str] = set()
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages |= _nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    in_nav = _nav_pages(config["nav"])
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert in_nav == on_disk, (in_nav - on_disk, on_disk - in_nav)
