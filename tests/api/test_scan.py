"""``vlmtrust.scan``'s bad input: the CLI's one-line errors, raised, with nothing written; and
``import vlmtrust`` stays cheap."""

import os
import subprocess
import sys

import pytest

import vlmtrust
from vlmtrust.core.errors import ModelLoadError, VlmtrustError

QUIET_TASK = "robustness.zero_shot:corruptions=[]"


def _one_line(err: pytest.ExceptionInfo[VlmtrustError]) -> str:
    message = str(err.value)
    assert message and "\n" not in message
    return message


def test_a_bad_model_spec_is_the_clis_one_line_error_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(VlmtrustError) as err:
        vlmtrust.scan(model="nope:x", suite="robustness", out=out, quiet=True)
    assert "nope" in _one_line(err)
    with pytest.raises(ModelLoadError) as missing:
        vlmtrust.scan(model=f"hf:{tmp_path / 'absent'}", suite="robustness", out=out, quiet=True)
    assert "absent" in _one_line(missing)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"limit": 0}, "limit"),
        ({"on_bad_data": "ignore"}, "on_bad_data"),
        ({"gate_bound": "middle"}, "gate_bound"),
        ({"tasks": ["robustness.zero_shot:n"]}, "key=value"),
        ({"fail_on": ["robustness.zero_shot.accuracy"]}, "no comparison"),
        ({"tasks": ["robustness.zero_sho"]}, "robustness.zero_shot"),
        ({"executor": "cluster", "tasks": "robustness.zero_shot", "limit": 2}, "unknown executor"),
    ],
)
def test_bad_options_fail_before_anything_is_written(tmp_path, options, needle):
    out = tmp_path / "run"
    with pytest.raises(VlmtrustError) as err:  # ConfigError, RegistryError for a task name
        vlmtrust.scan(model="zoo:clip", out=out, quiet=True, **options)
    assert needle in _one_line(err)
    assert not out.exists()


def test_the_cli_and_the_api_build_the_same_run_config(tmp_path):
    """Both go through ``ScanOptions``; the CLI's text and the API's lists mean the same."""
    from vlmtrust.api.scan import ScanOptions, _names, _variants

    as_text = ScanOptions(
        model="zoo:clip",
        out=tmp_path,
        suite=_names("fairness,robustness"),
        mitigate=_variants("pbm:alpha=1,beta=2,guard"),
    )
    as_lists = ScanOptions(
        model="zoo:clip",
        out=tmp_path,
        suite=_names(["fairness", "robustness"]),
        mitigate=_variants(["pbm:alpha=1,beta=2", "guard"]),
    )
    assert as_text.run_config() == as_lists.run_config()
    assert as_text.run_config().mitigations == ("pbm:alpha=1,beta=2", "guard")


def test_import_vlmtrust_loads_no_heavy_library():
    from vlmtrust_testing import HEAVY_LIBRARIES, imported_after

    heavy = (*HEAVY_LIBRARIES, "torch", "transformers")
    assert imported_after("import vlmtrust", (*heavy, "vlmtrust.api", "pydantic")) == []
    reached = (
        "import vlmtrust\nvlmtrust.scan, vlmtrust.Run, vlmtrust.compare, vlmtrust.list_plugins"
    )
    assert imported_after(reached, heavy) == []


def test_every_public_name_resolves_and_says_why():
    for name in vlmtrust.__all__:
        assert getattr(vlmtrust, name).__doc__, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        vlmtrust.nothing  # noqa: B018


def test_a_quiet_scan_prints_no_weight_loading_bar(tmp_path):
    # a fresh process: in this one zoo:clip may be cached already and load without a bar
    code = (
        "import transformers, vlmtrust\n"
        f"vlmtrust.scan(model='zoo:clip', tasks=['{QUIET_TASK}'], limit=3, "
        f"out={str(tmp_path / 'run')!r}, quiet=True)\n"
        "assert transformers.utils.logging.is_progress_bar_enabled()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Loading weights" not in done.stderr
