"""The pipeline pseudonymises captions in batches through the PII gate: its output equals
pseudonymising each caption on its own (varied PII, several captions per row, repeats), and
only the captions the gate passes reach Presidio."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlmtrust.sanitize import pseudonymize as pseudonymize_module
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize, short_hash
from vlmtrust.sanitize.pseudonymize import pseudonymize, pseudonymize_many
from vlmtrust.scorers.pii import may_hold_pii
from vlmtrust.scorers.pii_data import labelled_texts

VARIED = [
    "MARIA GARCIA at the beach",
    "photo by maria j. garcia.",
    "call +1 (555) 414-9184 now",
    "card 4111-1111-1111-1111 on a table",
    "mail petra.park@example.com please",
    "write to petra\uff20example.com",
    "she lives at 221 Baker Street",
    "a man riding a horse on a beach",
    "grace under pressure, petra said",
    "",
]


def _captions() -> list[str]:
    return VARIED + [t.text for t in labelled_texts(40, seed=7)]


def test_the_batch_form_equals_one_text_at_a_time() -> None:
    texts = _captions()
    assert pseudonymize_many(texts, key="k") == [pseudonymize(t, key="k") for t in texts]


def test_the_pipeline_writes_what_per_caption_pseudonyms_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    captions = _captions()
    data = tmp_path / "data"
    (data / "img").mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = []
    for i, caption in enumerate(captions):
        cells = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        Image.fromarray(cells).resize((32, 32)).save(data / "img" / f"{i}.png")
        text: str | list[str] = [caption, captions[0]] if i % 5 == 0 else caption
        rows.append({"file": f"img/{i}.png", "caption": text})
    (data / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    analysed: list[str] = []
    real = pseudonymize_module._pseudonymize

    def counted(text: str, key: str) -> object:
        analysed.append(text)
        return real(text, key)

    monkeypatch.setattr(pseudonymize_module, "_pseudonymize", counted)
    options = SanitizeOptions(dedup="image", ocr=False, faces=False, key="k")
    summary = sanitize(data, tmp_path / "out", options)
    monkeypatch.undo()  # the expected values below call Presidio themselves
    assert summary.rows_out == len(rows)  # distinct images: nothing dropped
    out = [
        json.loads(line) for line in (tmp_path / "out" / "labels.jsonl").read_text().splitlines()
    ]
    expected_audit = []
    for row, written in zip(rows, out, strict=True):
        texts = row["caption"] if isinstance(row["caption"], list) else [row["caption"]]
        clean = [pseudonymize(t, key="k")[0] for t in texts]
        assert written["caption"] == (clean if isinstance(row["caption"], list) else clean[0])
        for k, text in enumerate(texts):
            where = {"index": k} if isinstance(row["caption"], list) else {}
            expected_audit += [
                {"action": "pseudonymize", "column": "caption", **where, "entity": r.entity,
                 "original_sha256": short_hash(r.original), "surrogate": r.surrogate,
                 "file": row["file"]}
                for r in pseudonymize(text, key="k")[1]
            ]  # fmt: skip
    audit = [json.loads(a) for a in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in a.items() if k != "id"} for a in audit] == expected_audit
    assert len(expected_audit) >= 20
    # each distinct caption analysed once at most, and only those the gate passes
    assert len(analysed) == len(set(analysed))
    assert set(analysed) == {t for t in captions if may_hold_pii(t)}
