"""The README's Python API example, run once per session in a temp directory; the API tests
read the two runs it scans (``run`` and ``clean``) instead of scanning again."""

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_api_example() -> str:
    """The first Python block of the README's "Python API" section."""
    section = README.read_text(encoding="utf-8").split("\n## Python API\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert found, "the README's Python API section has no ```python block"
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
            exec(compile(readme_api_example(), str(README), "exec"), namespace)
    finally:
        os.chdir(before)
    namespace["__cwd__"] = where
    namespace["__stdout__"] = printed.getvalue()
    return namespace
