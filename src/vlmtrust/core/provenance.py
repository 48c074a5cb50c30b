"""Which commit a run was made from, as the CI that ran it says.

A history of runs (``vlmtrust history``) names the commit behind each point. The commit is taken
from the environment the common CI systems set, never by running git: a scan reads nothing
outside what the user pointed it at, and a working tree's HEAD need not be what was built.
``VLMTRUST_COMMIT`` names one anywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: checked in order; the first one set wins
COMMIT_VARIABLES = (
    "VLMTRUST_COMMIT",
    "GITHUB_SHA",  # GitHub Actions
    "CI_COMMIT_SHA",  # GitLab CI
    "BUILDKITE_COMMIT",
    "CIRCLE_SHA1",
    "GIT_COMMIT",  # Jenkins' git plugin
)


def commit_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The commit the CI names, else None."""
    env = os.environ if environ is None else environ
    for name in COMMIT_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value
    return None
