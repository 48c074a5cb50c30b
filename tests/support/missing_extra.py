"""A scan asking for a mitigation of the ``private`` extra with the package hidden: the one-line
error naming the install, exit 2, nothing written."""

import sys

from cli_run import run_cli


def assert_missing_extra_refused(tmp_path, monkeypatch, mitigation: str, package: str) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # import fails, find_spec finds nothing
    out = tmp_path / "run"
    result = run_cli(
        "scan",
        "--model",
        "zoo:clip",
        "--task",
        "privacy.private_inference:n=2",
        "--mitigate",
        mitigation,
        "--out",
        str(out),
    )
    assert result.code == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "pip install 'vlmtrust[private]'" in message and package in message
    assert not (out / "results.sqlite").exists()
