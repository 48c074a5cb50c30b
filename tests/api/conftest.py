"""The docs' Python API example (docs/api.md), run once per session in a temp directory; the
API tests read the two runs it scans (``run`` and ``clean``) instead of scanning again."""

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

API_PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def readme_api_example() -> str:
    """The first Python block of the docs' Python API page, above its first `##` section."""
    section = API_PAGE.read_text(encoding="utf-8").split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert found, "docs/api.md has no ```python block above its first section"
    return found[1]


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> dict[str, Any]:
    """The example's variables after it ran (``__cwd__``: where it ran, ``__stdout__``: what
    it printed)."""
    where = tmp_path_factory.mktemp("api-example")
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    before = os.getcwd()
    printed = io.StringIO()
    os.chdir(where)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(readme_api_example(), str(API_PAGE), "exec"), namespace)
    finally:
        os.chdir(before)
    namespace["__cwd__"] = where
    namespace["__stdout__"] = printed.getvalue()
    return namespace
