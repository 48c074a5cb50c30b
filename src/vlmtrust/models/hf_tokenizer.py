"""The tokenizer a checkpoint names, or one line saying which package or class is missing.

transformers picks the class (``tokenizer_class`` in tokenizer_config.json, or the model type's
own); when that class needs a library that is not installed, its error spans several lines of
install advice. The scan only needs to know which package to install, so that is all it says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from vlmtrust.core.errors import ModelLoadError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

# transformers' backend names (``requires_backends``) that differ from the package to install
_PACKAGES = {"protobuf": "protobuf", "sentencepiece": "sentencepiece", "levenshtein": "levenshtein"}
# "requires the X library" (requires_backends), "install X to use" (some classes' own check)
# or "No module named 'x'" (a bare import)
_MISSING_LIBRARY = re.compile(
    r"requires the (\S+) library|install (\w+) to use|No module named '([\w.]+)'"
)


def load_tokenizer(path: Path, spec: str) -> PreTrainedTokenizerBase:
    """``AutoTokenizer`` on ``path``; a failure becomes a one-line ModelLoadError."""
    import transformers

    check_tokenizer_class(path, spec)
    try:
        tokenizer: PreTrainedTokenizerBase = transformers.AutoTokenizer.from_pretrained(
            path, local_files_only=True
        )
    except Exception as err:  # ImportError, ValueError, OSError, tokenizers' own exceptions
        raise tokenizer_error(path, spec, err) from err
    return tokenizer


def tokenizer_error(path: Path, spec: str, err: Exception) -> ModelLoadError:
    """Name the missing package, or the class transformers cannot build, on one line."""
    text = str(err)
    named = declared_class(path)
    what = f"its tokenizer ({named})" if named else "its tokenizer"
    missing = sorted(
        {
            _PACKAGES.get(name.lower(), name.split(".")[0].lower())
            for pair in _MISSING_LIBRARY.findall(text)
            for name in pair
            if name
        }
    )
    if missing:
        return ModelLoadError(
            f"cannot load {spec}: {what} needs {' and '.join(missing)}, which is not installed",
            f"pip install {' '.join(missing)}",
        )
    first_line = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return ModelLoadError(
        f"cannot load {spec}: {what} failed: {first_line}",
        "check the tokenizer files (tokenizer.json, spiece.model, vocab.json, ...) are complete",
    )


def check_tokenizer_class(path: Path, spec: str) -> None:
    """A ``tokenizer_class`` transformers does not have fails here: left to AutoTokenizer, it
    falls back to a generic class whose error blames sentencepiece or tiktoken instead.
    Nothing is imported when no class is declared (tokenization_auto costs ~1.5 s, torch
    included; a scan that loads the model pays it in ``AutoTokenizer`` anyway)."""
    named = declared_class(path)
    if named is None:
        return
    from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

    if tokenizer_class_from_name(named) is None:
        raise ModelLoadError(
            f"cannot load {spec}: tokenizer_config.json names tokenizer class {named}, "
            f"which transformers {transformers_version()} does not have",
            "use a checkpoint whose tokenizer class this transformers knows, or upgrade it",
        )


def declared_class(path: Path) -> str | None:
    """The ``tokenizer_class`` tokenizer_config.json declares, if it reads."""
    try:
        config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    named = config.get("tokenizer_class") if isinstance(config, dict) else None
    return named if isinstance(named, str) else None


def transformers_version() -> str:
    import transformers

    return str(transformers.__version__)
