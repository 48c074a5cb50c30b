"""Near-duplicates over images with several captions, and across splits: an image is never its
own duplicate, its closest caption pair decides, and a match in another split is reported."""

from __future__ import annotations

import numpy as np
from PIL import Image

from vlmtrust.sanitize.dedup import find_duplicates, image_hash


def _hash(seed: int) -> object:
    cells = np.random.default_rng(seed).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    return image_hash(Image.fromarray(cells).resize((64, 64), Image.Resampling.BICUBIC))


def test_own_repeated_captions_drop_nothing_and_the_closest_pair_decides() -> None:
    hashes = [_hash(0), _hash(0), _hash(0), _hash(1)]
    captions = [
        ["a dog on a sofa"] * 5,  # its own captions repeat: not a duplicate of itself
        ["a cat under a table", "two kittens on a rug"],
        ["something else entirely here", "A cat under a table!"],  # its 2nd: row 1's 1st
        ["a dog on a sofa"],  # same caption, other image
    ]
    (found,) = find_duplicates(captions, hashes)
    assert (found.index, found.of, found.image_distance, found.across) == (2, 1, 0, False)
    assert found.caption_jaccard is not None and found.caption_jaccard >= 0.7
    assert [(d.index, d.of) for d in find_duplicates(captions, hashes, mode="caption")] == [
        (2, 1),
        (3, 0),
    ]


def test_a_match_in_another_split_is_kept_and_flagged() -> None:
    hashes = [_hash(0), _hash(1), _hash(0), _hash(1)]
    captions = [["a dog on a sofa"], ["a cat on a rug"], ["a dog on a sofa"], ["a cat on a rug"]]
    found = find_duplicates(captions, hashes, splits=["train", "train", "val", "val"])
    assert [(d.index, d.of, d.across) for d in found] == [(2, 0, True), (3, 1, True)]
    # within val, a later copy of a leaked image is a plain duplicate of the kept val one
    found = find_duplicates(
        [*captions, ["a dog on a sofa"]],
        [*hashes, _hash(0)],
        splits=["train", "train", "val", "val", "val"],
    )
    assert [(d.index, d.of, d.across) for d in found][-1] == (4, 2, False)


def test_one_string_per_row_behaves_as_before() -> None:
    hashes = [_hash(0), _hash(0), _hash(2)]
    found = find_duplicates(["a red kite", "a red kite", "a red kite"], hashes)
    assert [(d.index, d.of, d.across) for d in found] == [(1, 0, False)]


def test_the_caption_threshold_option_decides_what_is_a_near_duplicate(tmp_path) -> None:
    import json

    from cli_run import run_cli

    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    rows = []
    captions = [
        "a man riding a red bike down the long street",
        "a woman riding a blue bike down the long street",
    ]
    for i, caption in enumerate(captions):
        Image.new("RGB", (32, 32), (40 * i, 90, 160)).save(data / "images" / f"{i}.png")
        rows.append({"file": f"images/{i}.png", "id": f"r{i}", "caption": caption})
    (data / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    fast = ("--dedup", "caption", "--no-ocr", "--no-faces", "--quiet")
    kept = {}
    for threshold in ("0.9", "0.7"):
        out = tmp_path / f"out{threshold}"
        done = run_cli(
            "sanitize", str(data), "--out", str(out), *fast, "--caption-threshold", threshold
        )
        assert done.code == 0, done.stderr
        kept[threshold] = (out / "labels.jsonl").read_text().count("\n")
    # two of ten words changed (word similarity 0.8): a duplicate only at the lower threshold
    assert kept == {"0.9": 2, "0.7": 1}
    out = tmp_path / "chars"  # character Jaccard alone (0.6 here) keeps both at 0.7
    args = ("--caption-threshold", "0.7", "--caption-match", "chars")
    assert run_cli("sanitize", str(data), "--out", str(out), *fast, *args).code == 0
    assert (out / "labels.jsonl").read_text().count("\n") == 2
    audit = [json.loads(x) for x in (tmp_path / "out0.7" / "audit.jsonl").read_text().splitlines()]
    (drop,) = [a for a in audit if a.get("action") == "drop_duplicate"]
    assert drop["caption_word_similarity"] == 0.8 and drop["caption_jaccard"] < 0.7
    bad = run_cli(
        "sanitize", str(data), "--out", str(tmp_path / "x"), *fast, "--caption-threshold", "2"
    )
    assert bad.code == 2 and not (tmp_path / "x").exists()
