import sys
import textwrap

import pytest

from vlmtrust.core.errors import RegistryError
from vlmtrust.core.registry import Registry


def test_duplicate_name_is_an_error():
    reg: Registry[object] = Registry("things")
    reg.add("a", object(), "first")
    with pytest.raises(RegistryError, match="duplicate"):
        reg.add("a", object(), "second")


def test_lazy_entry_imports_on_first_use():
    reg: Registry[object] = Registry("things")
    reg.add("join", "os.path:join", "lazy")
    import os.path

    assert reg.get("join") is os.path.join


def test_unknown_name_suggests_close_matches():
    reg: Registry[object] = Registry("tasks")
    reg.add("robustness.zero_shot", object(), "x")
    with pytest.raises(RegistryError, match=r"did you mean robustness\.zero_shot"):
        reg.get("robustness.zero_shoot")


def test_broken_lazy_target_is_a_clear_error():
    reg: Registry[object] = Registry("things")
    reg.add("bad", "no_such_module_xyz:thing", "x")
    with pytest.raises(RegistryError, match="cannot be imported"):
        reg.get("bad")


def test_third_party_entry_points_are_discovered(tmp_path, monkeypatch):
    """A real installed distribution (dist-info on sys.path) adds a plugin without forking."""
    pkg = tmp_path / "thirdparty_plugin.py"
    pkg.write_text("def my_task():\n    return 'hello'\n")
    dist = tmp_path / "thirdparty_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [vlmtrust.widgets]
            safety.custom = thirdparty_plugin:my_task
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widgets")
    assert "safety.custom" in reg
    assert reg.get("safety.custom")() == "hello"  # type: ignore[operator]
    assert "thirdparty-plugin" in reg.entry("safety.custom").description
    sys.modules.pop("thirdparty_plugin", None)
