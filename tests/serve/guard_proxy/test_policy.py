"""The guard proxy's policy file: defaults, the guards' own parameters, and one-line errors
naming the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.guard_proxy.policy import GuardPolicy, load_policy


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def test_no_file_means_the_safe_defaults() -> None:
    policy = load_policy(None)
    assert policy == GuardPolicy()
    assert policy.stream == "buffer" and not policy.log_prompts
    assert policy.remote_images == "refuse"


def test_the_guards_parameters_come_from_their_tables(tmp_path: Path) -> None:
    text = 'log = "d.db"\nlog_prompts = true\n[input_guard]\nblock_at = 0.7\ngate = false\n'
    policy = load_policy(_write(tmp_path, text + "[output_guard]\nblock_at = 0.9\n"))
    assert policy.input_guard.block_at == 0.7 and policy.input_guard.gate is False
    assert policy.output_guard.block_at == 0.9
    assert policy.log == Path("d.db") and policy.log_prompts
    with pytest.raises(ValueError, match="frozen"):
        policy.log_prompts = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("max_body_mbs = 3\n", "max_body_mbs: Extra inputs are not permitted"),
        ("[input_guard]\nblock_at = 2\n", "input_guard.block_at:"),
        ('remote_images = "allow"\n', "remote_images:"),
        ('stream = "words"\n', "stream:"),
        ("max_concurrency = 0\n", "max_concurrency:"),
        ("log = [\n", "not valid TOML"),
    ],
)
def test_a_bad_key_is_a_one_line_config_error_naming_it(
    tmp_path: Path, text: str, needle: str
) -> None:
    with pytest.raises(ConfigError) as bad:
        load_policy(_write(tmp_path, text))
    assert needle in str(bad.value) and "\n" not in str(bad.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the policy"):
        load_policy(tmp_path / "missing.toml")
