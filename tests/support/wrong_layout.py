"""The one check behind every loader's wrong-layout tests: each command that opens a broken copy
(``vlmtrust data check``, a scan, ``vlmtrust sanitize``) exits 2 with exactly one line, ``error:
...``, naming the problem and the layout expected, no traceback, and writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cli_run import CliResult, run_cli


def one_error_line(result: CliResult, notices: bool = False) -> str:
    """The line a bad input prints: exit 2, stderr exactly one line ``error: ...``; with
    ``notices``, after what a scan printed before it failed (tasks a suite skips, a short copy's
    warning), so the error is still the one error line, and the last."""
    assert result.code == 2, (result.code, result.stderr)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    assert notices or len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return errors[0]


def assert_wrong_layout(
    source: str,
    path: str | Path,
    *named: str,
    out: Path | None = None,
    check: bool = True,
    scan: Sequence[str] = (),
    sanitize: Sequence[str] | None = None,
    notices: bool = False,
) -> None:
    """Every command run on ``SOURCE:PATH`` prints one error line holding each of ``named``
    (the problem, the layout expected): ``vlmtrust data check SOURCE PATH`` unless not
    ``check``; given ``scan`` (its model and task options), ``vlmtrust scan SCAN --data
    SOURCE:PATH --out OUT``, after its notices where ``notices`` (see :func:`one_error_line`);
    given ``sanitize`` (its options), ``vlmtrust sanitize SOURCE:PATH --out OUT SANITIZE``.
    None of them leaves ``out`` behind."""
    runs: list[tuple[tuple[str, ...], bool]] = []
    if check:
        runs.append((("data", "check", source, str(path)), False))
    if scan or sanitize is not None:
        assert out is not None, "a scan or sanitize needs the out folder it must not write"
    if scan:
        runs.append((("scan", *scan, "--data", f"{source}:{path}", "--out", str(out)), notices))
    if sanitize is not None:
        runs.append((("sanitize", f"{source}:{path}", "--out", str(out), *sanitize), False))
    assert runs, "nothing to run"
    for args, after_notices in runs:
        line = one_error_line(run_cli(*args), after_notices)
        missing = [part for part in named if part not in line]
        assert not missing, (args[0], missing, line)
    if out is not None:
        assert not out.exists(), f"{out} was written"
