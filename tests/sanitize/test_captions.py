"""The caption sets' shared parts: Karpathy-style tokens of a rewritten caption, and which of an
image's caption lists dedup compares."""

from __future__ import annotations

from pathlib import Path

from vlmtrust.sanitize.captions import tokens, write_text
from vlmtrust.sanitize.dataset import Row
from vlmtrust.sanitize.flickr import FlickrCopy


def test_tokens_are_lower_cased_words_without_punctuation() -> None:
    assert tokens("Two men, Mary Lee and user12@example.invalid.") == [
        "two", "men", "mary", "lee", "and", "user12", "example", "invalid",
    ]  # fmt: skip


def test_dedup_reads_the_first_caption_list_an_image_has(tmp_path: Path) -> None:
    copy = FlickrCopy(tmp_path, [], [], ("raw", "token"))
    both = Row(0, {"raw": [" A dog. "], "token": ["A dog."]})
    only_token = Row(1, {"raw": [], "token": ["A cat. "]})
    assert copy.dedup_text(both, copy.columns or ()) == ["A dog."]
    assert copy.dedup_text(only_token, copy.columns or ()) == ["A cat."]
    assert copy.dedup_text(Row(2, {}), ("raw",)) == []


def test_write_text_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_text(tmp_path / "a" / "b.json", "{}")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.json"]
