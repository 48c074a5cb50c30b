"""The tokenizer class check: a class transformers lacks is refused, checked cheaply."""

import json
from pathlib import Path

import pytest
from vlmtrust_testing import imported_after

from vlmtrust.core.errors import ModelLoadError
from vlmtrust.models.hf_tokenizer import check_tokenizer_class


def _declaring(path: Path, **config: object) -> Path:
    (path / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 77, **config}))
    return path


def test_a_class_transformers_lacks_is_refused_and_one_it_has_passes(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="NoSuchTokenizer"):
        check_tokenizer_class(_declaring(tmp_path, tokenizer_class="NoSuchTokenizer"), "hf:x")
    check_tokenizer_class(_declaring(tmp_path, tokenizer_class="CLIPTokenizer"), "hf:x")


def test_no_declared_class_is_checked_without_importing_the_tokenizer_table(
    tmp_path: Path,
) -> None:
    """transformers' tokenization_auto (torch included) is only worth importing for a name."""
    path = _declaring(tmp_path)
    code = (
        "from pathlib import Path\n"
        "from vlmtrust.models.hf_tokenizer import check_tokenizer_class\n"
        f"check_tokenizer_class(Path({str(path)!r}), 'hf:x')\n"
    )
    table = "transformers.models.auto.tokenization_auto"
    assert imported_after(code, [table]) == []
    _declaring(path, tokenizer_class="CLIPTokenizer")
    assert imported_after(code, [table]) == [table]
