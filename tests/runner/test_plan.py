"""Plan files: where each key is, how models x data expand to run directories, what the run
header keeps of the plan."""

from pathlib import Path

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.runner.plan import key_lines, load_plan


def test_key_lines_skip_list_items_strings_and_comments():
    text = (
        '# models = ["not a key"]\n'
        'out = "runs/x"\n'
        "models = [\n"
        '  "zoo:clip",  # limit = 3\n'
        "  'a = b',\n"
        "]\n"
        'tasks = [{ name = "t", params = { seed = 1 } },\n'
        '  { name = "u" }]\n'
        "limit = 3\n"
        "\n"
        "[extra]\n"
        "seed = 1\n"
    )
    assert key_lines(text) == {"out": 2, "models": 3, "tasks": 7, "limit": 9, "extra": 11}


def _plan(tmp_path: Path, monkeypatch, text: str):
    (tmp_path / "plan.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    return load_plan(Path("plan.toml"))


def test_models_x_data_expand_to_one_run_directory_each(tmp_path, monkeypatch):
    for name in ("faces", "more"):
        (tmp_path / name).mkdir()
    plan = _plan(
        tmp_path,
        monkeypatch,
        'out = "runs/p"\nmodels = ["zoo:clip", "zoo:clip-fair"]\ndata = ["faces", "more"]\n'
        'suite = ["robustness"]\n'
        'tasks = [{ name = "robustness.zero_shot", params = { corruptions = [] } }]\n'
        'mitigations = ["temperature_scaling", "abstain+temperature_scaling"]\nseed = 3\n',
    )
    assert [(s.model, s.data, str(s.config.out)) for s in plan.scans] == [
        ("zoo:clip", "faces", "runs/p/zoo-clip+faces"),
        ("zoo:clip", "more", "runs/p/zoo-clip+more"),
        ("zoo:clip-fair", "faces", "runs/p/zoo-clip-fair+faces"),
        ("zoo:clip-fair", "more", "runs/p/zoo-clip-fair+more"),
    ]
    config = plan.scans[0].config
    assert config.tasks == (Spec(name="robustness.zero_shot", params={"corruptions": []}),)
    assert config.mitigations == ("temperature_scaling", "abstain+temperature_scaling")
    assert config.suite == ("robustness",) and config.seed == 3
    assert config.plan is not None and config.plan["file"] == "plan.toml"
    assert config.plan["settings"]["data"] == ["faces", "more"]


def test_one_data_set_keeps_run_directories_named_by_model(tmp_path, monkeypatch):
    plan = _plan(tmp_path, monkeypatch, 'out = "o"\nmodels = ["zoo:clip"]\nsuite = ["safety"]\n')
    assert [str(s.config.out) for s in plan.scans] == ["o/zoo-clip"]
    assert plan.scans[0].config.data is None


def test_a_model_listed_twice_is_refused(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="would share run directory"):
        text = 'out = "o"\nmodels = ["zoo:clip", "zoo:clip"]\nsuite = ["safety"]'
        _plan(tmp_path, monkeypatch, text)


def test_a_plan_without_tasks_is_refused(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"plan\.toml: the plan names no task"):
        _plan(tmp_path, monkeypatch, 'out = "o"\nmodels = ["zoo:clip"]\n')


def test_absolute_paths_inside_the_working_folder_are_accepted(tmp_path, monkeypatch):
    out = (tmp_path / "runs").resolve()
    plan = _plan(tmp_path, monkeypatch, f'out = "{out}"\nmodels = ["zoo:clip"]\nsuite = ["safety"]')
    assert plan.out == out
