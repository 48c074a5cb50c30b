"""VLGuard's test split read in its published layout (test.json beside test.zip's test/ folder,
built with placeholder instructions in tmp_path): unsafe images and safe images with an unsafe
instruction are harmful probes, safe images with a safe instruction benign ones, each with its
own image and instruction as the published attack; a wrong layout is one line, exit 2; a short
copy is a warning."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmark_trees_vlguard import vlguard_copy
from cli_run import run_cli
from PIL import Image
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.vlguard import CATEGORIES, VLGuardSource
from vlmtrust.data.source import (
    ABOUT_ITS_IMAGE,
    PUBLISHED_PROMPT,
    LoadOptions,
    NotSupplied,
    Probes,
    Scenes,
)
from vlmtrust.data.sources import open_source

SMALL = {"risky behavior": 2, "privacy": 1}


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vlguard_copy(tmp_path_factory.mktemp("VLGuard"))


def probes(harmful: bool = True, n: int | None = None) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), n=n, task="safety.x")


def _edit(root: Path, change: Callable[[list[dict[str, object]]], object]) -> None:
    meta = root / "test.json"
    entries = json.loads(meta.read_text())
    change(entries)
    meta.write_text(json.dumps(entries))


def test_the_published_copy_answers_harmful_and_benign_rows_with_their_images(copy: Path) -> None:
    source = open_source(f"vlguard:{copy}")
    assert isinstance(source, VLGuardSource) and source.warnings == () and source.skipped == ()
    harmful, benign = source.samples(probes()), source.samples(probes(harmful=False))
    assert len(harmful) == 442 + 558 and len(benign) == 558
    assert len({r.id for r in harmful + benign}) == 1558
    assert Counter(r.labels["set"] for r in harmful) == {"unsafes": 442, "safe_unsafes": 558}
    assert {r.labels["set"] for r in benign} == {"safe_safes"}
    first = harmful[0]
    entry = json.loads((copy / "test.json").read_text())[0]
    instruction = entry["instr-resp"][0]["instruction"]
    assert first.id == f"{entry['id']}/unsafes" and first.prompt == instruction
    assert first.labels == {
        "category": "risky behavior",
        "set": "unsafes",
        "harmful": True,
        "request": instruction,
        PUBLISHED_PROMPT: instruction,
        ABOUT_ITS_IMAGE: True,
        "image_folder": "bad_ads",
        "subcategory": "violence",
    }
    shipped = copy / "test" / entry["image"]
    assert first.image == shipped.read_bytes() and first.source == f"vlguard:{shipped}"
    # interleaved across categories: the first five cover the four harmful categories and the
    # unsafe instructions on safe images, which VLGuard does not categorise
    assert [r.labels["category"] for r in harmful[:5]] == [*CATEGORIES, "unsafe instruction"]
    assert "subcategory" not in harmful[4].labels


def test_a_safe_image_gives_one_harmful_and_one_benign_row_on_the_same_image(copy: Path) -> None:
    source = open_source(f"vlguard:{copy}")
    unsafe_instruction = next(r for r in source.samples(probes()) if r.labels["set"] != "unsafes")
    entry_id = unsafe_instruction.id.removesuffix("/safe_unsafes")
    safe = next(
        r for r in source.samples(probes(harmful=False)) if r.id == f"{entry_id}/safe_safes"
    )
    entry = next(e for e in json.loads((copy / "test.json").read_text()) if e["id"] == entry_id)
    by_key = {k: v for pair in entry["instr-resp"] for k, v in pair.items() if k != "response"}
    assert unsafe_instruction.prompt == by_key["unsafe_instruction"]
    assert safe.prompt == by_key["safe_instruction"] and safe.image == unsafe_instruction.image
    assert safe.labels["category"] == "safe" and safe.labels["harmful"] is False
    assert unsafe_instruction.labels["category"] == "unsafe instruction"


def test_counts_per_subset_and_category_and_the_test_json_path_is_accepted(copy: Path) -> None:
    summary = open_source(f"vlguard:{copy / 'test.json'}").summary()
    assert summary is not None and summary.size == 1558
    assert summary.counts == {
        "unsafes": CATEGORIES,
        "safe_unsafes": {"unsafe instruction": 558},
        "safe_safes": {"safe": 558},
    }


def test_limit_keeps_n_harmful_and_n_benign_rows_and_the_fingerprint_is_the_copys(
    copy: Path,
) -> None:
    whole = VLGuardSource.open(str(copy), LoadOptions())
    some = VLGuardSource.open(str(copy), LoadOptions(limit=6))
    assert len(some.samples(probes())) == 6 and len(some.samples(probes(harmful=False))) == 6
    assert {r.labels["category"] for r in some.samples(probes())} >= set(CATEGORIES)
    assert some.summary().fingerprint == whole.summary().fingerprint  # the copy, not the limit
    assert [r.id for r in some.samples(probes(n=2))] == [r.id for r in whole.samples(probes(n=2))]


def test_a_clone_with_the_images_unzipped_in_its_root_is_read_the_same(tmp_path: Path) -> None:
    copy = vlguard_copy(tmp_path / "a", unsafe=SMALL, safe=2)
    clone = tmp_path / "VLGuard"
    (clone / "data").mkdir(parents=True)
    shutil.copy(copy / "test.json", clone / "data" / "test.json")
    shutil.copytree(copy / "test", clone / "test")
    read = VLGuardSource.open(str(clone), LoadOptions())
    assert (
        read.summary().fingerprint
        == VLGuardSource.open(str(copy), LoadOptions()).summary().fingerprint
    )
    assert len(read.samples(probes())) == 5


def test_a_changed_image_changes_the_fingerprint(tmp_path: Path) -> None:
    root = vlguard_copy(tmp_path / "VLGuard", unsafe=SMALL, safe=2)
    before = VLGuardSource.open(str(root), LoadOptions()).summary().fingerprint
    image = json.loads((root / "test.json").read_text())[1]["image"]
    Image.new("RGB", (48, 48), "black").save(root / "test" / image)
    assert VLGuardSource.open(str(root), LoadOptions()).summary().fingerprint != before


def test_scenes_are_not_supplied_with_the_reason(copy: Path) -> None:
    with pytest.raises(DataError, match="vlguard data source cannot supply scenes"):
        open_source(f"vlguard:{copy}").samples(Scenes(n=4))


def test_a_short_copy_is_a_warning_naming_both_counts(tmp_path: Path) -> None:
    root = vlguard_copy(tmp_path / "VLGuard", unsafe=SMALL, safe=2)
    source = open_source(f"vlguard:{root}")
    (warning,) = source.warnings
    assert "a short copy: VLGuard's test.json holds 7 rows, the published copy 1,558" in warning
    assert "'unsafes' 3 of 442" in warning
    result = run_cli("data", "check", "vlguard", str(root))
    assert result.code == 0, result.stderr
    assert "7 rows" in result.stdout and "published copy 1,558" in result.stdout


def test_other_categories_with_the_published_subsets_are_a_warning_too(tmp_path: Path) -> None:
    moved = {**CATEGORIES, "privacy": 68, "deception": 19}
    (warning,) = open_source(f"vlguard:{vlguard_copy(tmp_path / 'V', unsafe=moved)}").warnings
    assert "not the published copy: VLGuard's test.json holds 442 unsafe images" in warning
    assert "'privacy' 68 of 69" in warning and "'deception' 19 of 18" in warning


def _drop_key(key: str) -> Callable[[list[dict[str, object]]], object]:
    return lambda entries: entries[0].pop(key)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda root: (root / "test.json").unlink(), "has no test.json"),
        (lambda root: shutil.rmtree(root / "test"), "test is missing (unzip test.zip beside"),
        (lambda root: _edit(root, _drop_key("instr-resp")), "entry 0 has no 'instr-resp'"),
        (lambda root: _edit(root, _drop_key("safe")), "entry 0 has no 'safe' true/false"),
        (
            lambda root: _edit(root, _drop_key("harmful_category")),
            "entry 0 has no 'harmful_category'",
        ),
        (lambda root: (root / "test.json").write_text("{}"), "test.json is not a JSON array"),
        (
            lambda root: _edit(root, lambda e: e.append(dict(e[0]))),
            "holds the id 'Ads_1' twice",
        ),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, break_it: Callable[[Path], object], message: str
) -> None:
    root = vlguard_copy(tmp_path / "VLGuard", unsafe=SMALL, safe=2)
    break_it(root)
    assert_wrong_layout(
        "vlguard",
        root,
        message,
        "expected the VLGuard test layout: test.json (a JSON array of",
        scan=("--model", "zoo:assistant", "--suite", "safety"),
        out=tmp_path / "run",
        notices=True,  # --suite safety says it skips safety.multi_turn (run by name only)
    )


def test_a_missing_image_is_one_bad_item_though_it_has_two_rows(tmp_path: Path) -> None:
    root = vlguard_copy(tmp_path / "VLGuard", unsafe=SMALL, safe=2)
    image = json.loads((root / "test.json").read_text())[-1]["image"]  # a safe image
    (root / "test" / image).unlink()
    with pytest.raises(DataError, match=re.escape(f"{image}: missing file")):
        VLGuardSource.open(str(root), LoadOptions())
    source = VLGuardSource.open(str(root), LoadOptions(on_bad="skip"))
    assert len(source.skipped) == 1
    assert len(source.samples(probes())) == 4 and len(source.samples(probes(harmful=False))) == 1


def test_a_copy_without_safe_images_does_not_supply_benign_rows(tmp_path: Path) -> None:
    source = open_source(f"vlguard:{vlguard_copy(tmp_path / 'VLGuard', unsafe=SMALL, safe=0)}")
    assert len(source.samples(probes())) == 3
    with pytest.raises(NotSupplied, match=r"holds no safe_safes rows, which safety\.x scores"):
        source.samples(probes(harmful=False))
