"""``--executor ray``: the same rows as the local executor, on a local instance and on a real
cluster that loses a worker mid-scan; Ctrl-C stops a Ray scan and leaves no Ray process; bad
options are one line and exit 2 before anything is stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_run import run_cli
from ray_processes import (
    alive,
    command_line,
    descendants,
    ray_env,
    ray_head,
    wait_gone,
    zero_shot_units,
)
from store_reads import stored_content, stored_count
from vlmtrust_testing import free_port

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.runner.executor import LocalExecutor, build_executor, executor_spec
from vlmtrust.runner.ray_executor import (
    RayExecutor,
    RayOptions,
    WorkerLost,
    actor_options,
    parse_options,
)

#: 2 conditions x 150 samples in units of 2: long enough to interrupt, or to lose a worker in
TASK = 'robustness.zero_shot:n=150,corruptions=["jpeg"]'
TOTAL = 300


def _scan(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "vlmtrust", "scan", "--model", "zoo:clip", "--task", TASK,
        "--out", str(out), "--batch-size", "2", "--quiet", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def local_rows(tmp_path_factory) -> tuple[list, list]:
    out = tmp_path_factory.mktemp("local") / "run"
    subprocess.run(_scan(out), check=True)
    return stored_content(out)


# ---- options and one-line errors (no Ray started) ----


def test_spec_options_parse_with_defaults_and_address():
    options = parse_options(executor_spec("ray:workers=3,cpus=0.5", "127.0.0.1:6379"))
    assert options == RayOptions(workers=3, cpus=0.5, retries=2, address="127.0.0.1:6379")
    assert parse_options(parse_spec("ray")) == RayOptions()


@pytest.mark.parametrize(
    ("text", "named"),
    [("ray:wrokers=2", "wrokers"), ("ray:workers=0", "workers"), ("ray:cpus=-1", "cpus")],
)
def test_bad_ray_options_name_the_option_and_the_fix(text, named):
    with pytest.raises(ConfigError) as caught:
        build_executor(parse_spec(text))
    assert named in caught.value.problem
    assert "ray:workers=N" in caught.value.fix


def test_address_is_only_for_ray_and_local_takes_no_options():
    with pytest.raises(ConfigError, match="--address is for --executor ray"):
        executor_spec("local", "127.0.0.1:6379")
    with pytest.raises(ConfigError, match="takes no options"):
        build_executor(parse_spec("local:workers=2"))
    assert isinstance(build_executor(parse_spec("local")), LocalExecutor)


def test_actors_ask_for_a_gpu_only_where_the_model_is_on_cuda():
    cpu = resolve_model("zoo:clip")
    options = RayOptions(cpus=1.5)
    assert actor_options(options, cpu)["num_cpus"] == 1.5
    assert actor_options(options, cpu)["num_gpus"] == 0
    placed = {"device": "cuda:1", "dtype": "bfloat16", "device_map": None, "batch_size": None}
    gpu = cpu.model_copy(update={"options": {**cpu.options, "placement": placed}})
    assert actor_options(options, gpu)["num_gpus"] == 1
    assert actor_options(options, gpu)["num_cpus"] == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--executor", "ray:bogus=1"], "bad parameter 'bogus' for ray"),
        (["--executor", "dask"], "unknown executor 'dask'"),
        (["--executor", "ray", "--address", "nowhere"], "is not HOST:PORT"),
        (["--executor", "ray", "--address", "127.0.0.1:0"], "is not HOST:PORT"),
        (["--address", "127.0.0.1:6379"], "--address is for --executor ray"),
    ],
)
def test_bad_executor_flags_are_one_line_and_store_nothing(tmp_path, args, expected):
    out = tmp_path / "run"
    result = run_cli("scan", "--model", "zoo:clip", "--task", TASK, "--out", str(out), *args)
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_unreachable_address_fails_in_seconds_with_one_line(tmp_path):
    out = tmp_path / "run"
    port = free_port()  # nothing listens there
    args = ["--executor", "ray", "--address", f"127.0.0.1:{port}"]
    result = run_cli("scan", "--model", "zoo:clip", "--task", TASK, "--out", str(out), *args)
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert f"cannot reach a Ray cluster at 127.0.0.1:{port}" in result.stderr
    assert not out.exists()


def test_missing_ray_says_which_extra_to_install(tmp_path):
    # a real interpreter in which `import ray` fails, as it does without the extra
    code = (
        "import sys; sys.modules['ray'] = None; from vlmtrust.cli.main import main; "
        f"sys.argv = ['vlmtrust', *{_scan(tmp_path / 'run', '--executor', 'ray')[3:]!r}]; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "pip install 'vlmtrust[ray]'" in done.stderr
    assert not (tmp_path / "run").exists()


# ---- real Ray ----


@pytest.mark.slow
def test_ray_scan_equals_the_local_scan_row_for_row(tmp_path, local_rows):
    out = tmp_path / "run"
    subprocess.run(_scan(out, "--executor", "ray:workers=2,cpus=1"), check=True)
    assert stored_content(out) == local_rows


@pytest.mark.slow
def test_in_process_ray_scan_equals_local_with_the_same_model_calls(tmp_path):
    """The runner's own path (no CLI), with the summary it reports."""
    config = RunConfig(
        model="zoo:clip",
        tasks=(parse_spec('robustness.zero_shot:n=24,corruptions=["jpeg"]'),),
        out=tmp_path / "run",
        batch_size=4,
        executor=Spec(name="ray", params={"workers": 2}),
        show_progress=False,
    )
    local = run(
        config.model_copy(update={"out": tmp_path / "local", "executor": Spec(name="local")})
    )
    summary = run(config)
    assert summary.executed == local.executed == 48
    assert summary.model_calls == local.model_calls
    assert stored_content(tmp_path / "run") == stored_content(tmp_path / "local")


@pytest.mark.slow
def test_cluster_scan_survives_a_killed_worker_and_equals_local(tmp_path, local_rows):
    out = tmp_path / "run"
    with ray_head(num_cpus=2) as head:
        proc = subprocess.Popen(
            _scan(out, "--executor", "ray:workers=2,retries=2", "--address", head.address),
            env=head.env,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 180
        while stored_count(out) < 20:
            assert proc.poll() is None, "scan finished before a worker could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        actors = _unit_workers(head.pid)
        assert len(actors) == 2
        victim = min(actors)
        os.kill(victim, signal.SIGKILL)
        assert stored_count(out) < TOTAL and proc.poll() is None
        fresh: set[int] = set()
        while not fresh and proc.poll() is None:  # the lost actor's place is taken by a new one
            fresh = _unit_workers(head.pid) - actors
            time.sleep(0.1)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert fresh, "no fresh actor replaced the killed one"
    assert stored_content(out) == local_rows


def _unit_workers(head: int) -> set[int]:
    """Processes of the scan's actors (Ray titles them ``ray::UnitWorker``)."""
    return {p for p in descendants(head) if command_line(p).startswith("ray::UnitWorker")}


@pytest.mark.slow
def test_ctrl_c_stops_a_ray_scan_keeps_what_is_stored_and_leaves_no_ray_process(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        _scan(out, "--executor", "ray:workers=2"),
        env=ray_env(),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 180
    while stored_count(out) < TOTAL // 10:
        assert proc.poll() is None, "scan finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = descendants(proc.pid)
    assert any(command_line(p).startswith("ray::UnitWorker") for p in started)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "re-run the same command to resume" in err
    assert "Traceback" not in err
    assert TOTAL // 10 <= stored_count(out) < TOTAL
    assert not wait_gone(started), "Ray processes the scan started are still running"
    assert not alive(proc.pid)


@pytest.mark.slow
@pytest.mark.parametrize("retries", [0, 1])
def test_a_lost_actor_is_retried_up_to_retries_and_no_unit_comes_back_twice(tiny_clip, retries):
    """The executor on its own, in this process: the only actor is killed after the first
    result; with a retry every unit comes back exactly once, as the local executor scores it;
    without one the scan stops with a one-line error. Ray is shut down either way."""
    import ray

    units = zero_shot_units(f"hf:{tiny_clip}", 12)
    executor = RayExecutor(RayOptions(workers=1, retries=retries))
    stream = executor.run(units)
    got = [next(stream)]
    assert executor.pool is not None
    os.kill(ray.get(executor.pool.slots[0].actor.pid.remote()), signal.SIGKILL)
    try:
        if retries == 0:
            with pytest.raises(WorkerLost, match="died 1 times") as lost:
                got += list(stream)
            assert "raise retries=" in str(lost.value)
        else:
            got += list(stream)
            assert executor.pool.replaced == 1  # a fresh actor took the dead one's place
            by_keys = {r.keys: r for r in got}
            assert len(by_keys) == len(got) == len(units)
            assert by_keys == {r.keys: r for r in LocalExecutor().run(units)}
    finally:
        executor.close()
    assert not ray.is_initialized()
