"""``sanitize --executor ray``: the row-wise work on Ray Data (a real private local instance)
writes byte for byte what the local run writes, and leaves no Ray process behind; a bad
``--executor`` is one line and exit 2 before anything starts."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from cli_run import run_cli
from ray_processes import descendants, wait_gone
from sanitize_data import make_dataset

from vlmtrust.runner.ray_cluster import connect
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ray_data_run_writes_what_the_local_run_writes(tmp_path: Path) -> None:
    """Both dedup signals with OCR and faces, then image-only dedup, on one private instance
    (a Ray this process already runs is reused and left running: shut down here)."""
    data = tmp_path / "data"
    make_dataset(data)
    before = descendants(os.getpid())
    connection = connect(None, num_cpus=2)
    try:
        for options in (SanitizeOptions(), SanitizeOptions(dedup="image", ocr=False)):
            local_out, ray_out = (
                tmp_path / f"local-{options.dedup}",
                tmp_path / f"ray-{options.dedup}",
            )
            local = sanitize(data, local_out, options)
            on_ray = sanitize(data, ray_out, options, executor="ray:workers=2,cpus=1")
            assert on_ray == dataclasses.replace(local, out=ray_out)
            assert local.duplicates > 0 and local.audit_rows > local.duplicates
            assert _files(ray_out) == _files(local_out)
    finally:
        connection.shutdown()
    assert wait_gone(descendants(os.getpid()) - before) == set()


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--executor", "spark"], "unknown executor 'spark'"),
        (["--executor", "ray:workers=0"], "workers"),
        (["--executor", "local:workers=2"], "--executor local takes no options"),
        (["--address", "127.0.0.1:6379"], "--address is for --executor ray"),
    ],
)
def test_a_bad_executor_is_one_line_and_exit_2(
    tmp_path: Path, extra: list[str], problem: str
) -> None:
    data = tmp_path / "data"
    make_dataset(data, base=2, dups=0, twins=0)
    result = run_cli("sanitize", str(data), "--out", str(tmp_path / "out"), "--quiet", *extra)
    assert result.code == 2
    assert problem in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
