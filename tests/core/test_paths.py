"""core/paths: one containment rule, checked on a real file system with real symlinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmtrust.core.paths import OutsideRoot, inside, user_file


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "a.png").write_bytes(b"a")
    (tmp_path / "secret.txt").write_text("outside")
    (tmp_path / "data" / "out-link").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "data" / "dir-link").symlink_to(tmp_path)
    (tmp_path / "data" / "in-link").symlink_to(tmp_path / "data" / "sub" / "a.png")
    return tmp_path / "data"


@pytest.mark.parametrize("name", ["sub/a.png", "./sub/../sub/a.png", "in-link", "new/file.png"])
def test_names_inside_the_root_resolve(root: Path, name: str) -> None:
    assert root.resolve() in inside(root, name).parents


@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "sub/../../secret.txt", "out-link", "dir-link/secret.txt", "/etc/passwd"],
)
def test_names_leading_out_are_refused(root: Path, name: str) -> None:
    with pytest.raises(OutsideRoot, match="points outside"):
        inside(root, name, "file")


def test_the_refusal_does_not_tell_whether_the_outside_file_exists(root: Path) -> None:
    messages = set()
    for name in ("../secret.txt", "../no-such-file.txt"):
        with pytest.raises(OutsideRoot) as err:
            inside(root, name, "file")
        messages.add(str(err.value).replace(name, "NAME"))
    assert len(messages) == 1


def test_a_nul_byte_is_refused(root: Path) -> None:
    with pytest.raises(OutsideRoot, match="NUL"):
        inside(root, "a\x00.png")


def test_files_named_in_specs_stay_in_the_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    assert user_file("sub/a.png", "patch") == (root / "sub" / "a.png").resolve()
    with pytest.raises(OutsideRoot, match="run vlmtrust from a folder that holds the file"):
        user_file("../secret.txt", "patch")
