"""Output paths are checked before work starts: a file where a directory is wanted, a path
under a file, a missing parent and a directory without write permission are one line each."""

import os

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.outputs import check_output_dir, check_output_file


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "somefile"
    path.write_text("not a directory")
    return path


def test_directories_new_or_existing_pass(tmp_path):
    check_output_dir(tmp_path)
    check_output_dir(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_a_file_is_not_a_directory(a_file):
    with pytest.raises(ConfigError, match="is a file, not a directory"):
        check_output_dir(a_file)


@pytest.mark.parametrize("below", ["run", "run/deeper"])
def test_nothing_can_be_made_under_a_file(a_file, below):
    with pytest.raises(ConfigError, match="which is a file") as caught:
        check_output_dir(a_file / below, "--out")
    assert str(caught.value).startswith(f"--out {a_file / below} is under {a_file}")
    with pytest.raises(ConfigError, match="which is a file"):
        check_output_file(a_file / below / "report.md")


def test_output_files(tmp_path, a_file):
    check_output_file(a_file)  # replacing a file is fine
    check_output_file(tmp_path / "new" / "report.md")  # report makes its directory
    with pytest.raises(ConfigError, match=r"directory .* does not exist"):
        check_output_file(tmp_path / "new" / "review.csv", make_parents=False)
    with pytest.raises(ConfigError, match="is a directory"):
        check_output_file(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_directory_without_write_permission(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="permission denied"):
            check_output_dir(locked / "run")
        with pytest.raises(ConfigError, match="permission denied"):
            check_output_file(locked / "report.md")
    finally:
        locked.chmod(0o700)
