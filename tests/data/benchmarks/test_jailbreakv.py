"""JailBreakV-28K and its mini split read from a copy in the Hugging Face dataset's layout (built
with placeholder queries in tmp_path): rows become harmful probes by policy, with their format as
the set and their own image + jailbreak_query as the published attack; a wrong layout is one
line, exit 2; a short copy, a missing image or an unpublished value is a warning."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from benchmark_trees_jailbreakv import jailbreakv_copy, read_rows, write_rows
from cli_run import run_cli
from PIL import Image
from vlmtrust_testing import report_rows
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data import OUTSIDE
from vlmtrust.data.benchmarks.jailbreakv import (
    COLUMNS,
    FORMATS,
    POLICIES,
    JailBreakV28K,
    JailBreakV28KMini,
)
from vlmtrust.data.source import PUBLISHED_PROMPT, LoadOptions, NotSupplied, Probes, Scenes
from vlmtrust.data.sources import open_source


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jailbreakv_copy(tmp_path_factory.mktemp("JailBreakV-28k"))


def probes(harmful: bool = True, n: int | None = None) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), n=n, task="safety.x")


def test_rows_are_harmful_probes_by_policy_with_their_format_and_own_image(copy: Path) -> None:
    source = open_source(f"jailbreakv_28k:{copy}")
    assert isinstance(source, JailBreakV28K) and source.skipped == ()
    rows = source.samples(probes())
    assert len(rows) == 112 and len({r.id for r in rows}) == 112
    first = rows[0]
    assert first.id == "0" and first.prompt == "[placeholder request 0 on illegal activity]"
    assert first.labels == {
        "category": "Illegal Activity",
        "set": "Template",
        "harmful": True,
        "request": first.prompt,
        PUBLISHED_PROMPT: "[placeholder Template jailbreak wrapping request 0]",
        "format": "Template",
        "image_path": "llm_transfer_attack/blank_0.png",
        "transfer_from_llm": True,
        "selected_mini": True,
        "from": "[placeholder source]",
    }
    shipped = copy / "JailBreakV_28K/llm_transfer_attack/blank_0.png"
    assert first.image == shipped.read_bytes() and first.source == f"jailbreakv_28k:{shipped}"
    # the first 16 cover every policy, in the benchmark's own names, and every format
    assert [r.labels["category"] for r in rows[:16]] == list(POLICIES)
    assert {r.labels["set"] for r in rows[:16]} == set(FORMATS)
    figstep = next(r for r in rows if r.labels["format"] == "figstep")
    assert figstep.labels["transfer_from_llm"] is False
    assert figstep.labels["image_path"].startswith("figstep/")
    assert len(source.samples(probes(n=3))) == 3


def test_the_mini_split_is_its_own_source_and_each_folder_of_the_copy_is_accepted(
    copy: Path,
) -> None:
    for path in (copy, copy / "JailBreakV_28K"):
        source = open_source(f"jailbreakv_28k_mini:{path}")
        assert isinstance(source, JailBreakV28KMini)
        rows = source.samples(probes())
        assert len(rows) == 28 and all(r.labels["selected_mini"] is True for r in rows)
    summary = source.summary()
    assert summary.name == "jailbreakv_28k_mini" and summary.size == 28
    assert list(summary.counts) == list(FORMATS)  # split: format, category: policy
    assert sum(summary.counts["Template"].values()) == 4


def test_the_authors_download_nested_one_folder_down_is_accepted(tmp_path: Path) -> None:
    """The zip unpacks to JailBreakV_28K/JailBreakV_28k/ (the CSVs and image folders)."""
    jailbreakv_copy(tmp_path / "JailBreakV_28K", rows=16, mini=4, folder="JailBreakV_28k")
    rows = open_source(f"jailbreakv_28k:{tmp_path}").samples(probes())
    image = tmp_path / "JailBreakV_28K/JailBreakV_28k/llm_transfer_attack/blank_0.png"
    assert len(rows) == 16 and rows[0].image == image.read_bytes()


def test_a_mini_copy_with_the_published_rows_loads_without_a_warning(tmp_path: Path) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=280, mini=280)
    source = open_source(f"jailbreakv_28k_mini:{root}")
    assert source.warnings == () and len(source.samples(probes())) == 280
    result = run_cli("data", "check", "jailbreakv_28k_mini", str(root))
    assert result.code == 0, result.stderr
    head = result.stdout.splitlines()[0]
    assert head.startswith("jailbreakv_28k_mini: 280 rows, fingerprint ")
    assert "warning" not in result.stdout and "Child Abuse Content" in result.stdout


def test_limit_keeps_rows_across_policies_and_the_fingerprint_is_the_copys(copy: Path) -> None:
    whole = JailBreakV28K.open(str(copy), LoadOptions())
    some = JailBreakV28K.open(str(copy), LoadOptions(limit=20))
    kept = some.samples(probes())
    assert len(kept) == 20 and {r.labels["category"] for r in kept} == set(POLICIES)
    assert some.summary().fingerprint == whole.summary().fingerprint  # the copy, not the limit
    assert some.summary().size == 112


def test_a_changed_image_or_table_changes_the_fingerprint(tmp_path: Path) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=16, mini=4)
    data = root / "JailBreakV_28K"

    def fingerprint() -> str | None:
        return JailBreakV28K.open(str(root), LoadOptions(limit=1)).summary().fingerprint

    before = fingerprint()
    Image.new("RGB", (64, 64), "black").save(data / "llm_transfer_attack/noise_5.png")
    changed = fingerprint()
    assert changed != before
    rows = read_rows(data / "JailBreakV_28K.csv")
    rows[3]["jailbreak_query"] = "[another placeholder]"
    write_rows(data / "JailBreakV_28K.csv", rows)
    assert fingerprint() != changed


def test_benign_rows_and_scenes_are_not_supplied_with_the_reason(copy: Path) -> None:
    source = open_source(f"jailbreakv_28k_mini:{copy}")
    with pytest.raises(
        NotSupplied, match=r"JailBreakV-28K mini holds harmful requests only, no benign rows"
    ):
        source.samples(probes(harmful=False))
    with pytest.raises(NotSupplied, match="cannot supply scenes"):
        source.samples(Scenes(n=4))


def test_a_short_copy_is_a_warning_naming_both_counts(copy: Path) -> None:
    (warning,) = open_source(f"jailbreakv_28k:{copy}").warnings
    assert warning == (
        "a short copy: JailBreakV-28K holds 112 rows, the published copy 28,000 "
        "('LLM transfer attacks' 48 of 20,000, 'image-based attacks' 64 of 8,000)"
    )
    (mini,) = open_source(f"jailbreakv_28k_mini:{copy}").warnings
    assert "a short copy: JailBreakV-28K mini holds 28 rows, the published copy 280" in mini
    result = run_cli("data", "check", "jailbreakv_28k", str(copy))
    assert result.code == 0, result.stderr
    assert "112 rows" in result.stdout and "the published copy 28,000" in result.stdout


def test_unpublished_values_and_a_missing_optional_column_are_warnings(tmp_path: Path) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=16, mini=16)
    table = root / "JailBreakV_28K/mini_JailBreakV_28K.csv"
    rows = read_rows(table)
    rows[2]["policy"], rows[3]["format"] = "Weather", "Riddle"
    rows[4]["format"], rows[5]["format"] = "query-relevant", "template"  # the card's spelling
    write_rows(table, rows, columns=(*COLUMNS, "from"))
    source = open_source(f"jailbreakv_28k_mini:{root}")
    said = " | ".join(source.warnings)
    assert "has no 'selected_mini', 'transfer_from_llm' column" in said
    assert "policy values not among the published ones: 'Weather'" in said
    assert "format values not among the published ones: 'Riddle'" in said
    assert "query-relevant" not in said and "'template'" not in said
    row = source.samples(probes())[0]
    assert "selected_mini" not in row.labels and row.labels["from"] == "[placeholder source]"


def _drop_column(root: Path, column: str) -> None:
    table = root / "JailBreakV_28K/JailBreakV_28K.csv"
    rows = read_rows(table)
    write_rows(table, rows, columns=tuple(c for c in rows[0] if c != column))


def _blank_cell(root: Path, column: str) -> None:
    table = root / "JailBreakV_28K/JailBreakV_28K.csv"
    rows = read_rows(table)
    rows[1][column] = " "
    write_rows(table, rows)


def _repeat_id(root: Path) -> None:
    table = root / "JailBreakV_28K/JailBreakV_28K.csv"
    rows = read_rows(table)
    rows[2]["id"] = rows[1]["id"]
    write_rows(table, rows)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda root: _drop_column(root, "policy"), "has no 'policy' column"),
        (lambda root: _drop_column(root, "image_path"), "has no 'image_path' column"),
        (
            lambda root: (root / "JailBreakV_28K/JailBreakV_28K.csv").unlink(),
            "has no JailBreakV_28K.csv",
        ),
        (
            lambda root: shutil.rmtree(root / "JailBreakV_28K/llm_transfer_attack"),
            "JailBreakV_28K/llm_transfer_attack is missing",
        ),
        (lambda root: _blank_cell(root, "redteam_query"), "line 3 has an empty 'redteam_query'"),
        (_repeat_id, "holds the id '1' twice (lines 3 and 4)"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, break_it: object, message: str
) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=16, mini=4)
    break_it(root)  # type: ignore[operator]
    assert_wrong_layout(
        "jailbreakv_28k",
        root,
        message,
        "expected the JailBreakV-28K layout: JailBreakV_28K/JailBreakV_28K.csv",
        scan=("--model", "zoo:assistant", "--suite", "safety"),
        out=tmp_path / "run",
        notices=True,  # --suite safety says it skips safety.multi_turn (run by name only)
    )


def test_a_missing_image_is_a_bad_item_and_skipping_takes_the_rows_that_have_one(
    tmp_path: Path,
) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=32, mini=4)
    data = root / "JailBreakV_28K"
    gone = ["llm_transfer_attack/blank_0.png", "llm_transfer_attack/noise_21.png"]
    for name in gone:
        (data / name).unlink()
    with pytest.raises(DataError, match=r"blank_0\.png: missing file, and 1 more bad items"):
        JailBreakV28K.open(str(root), LoadOptions())
    # the first row's image is missing: a limit of 3 takes the next three rows that have one
    # (one per policy in turn, each policy starting at another format)
    some = JailBreakV28K.open(str(root), LoadOptions(on_bad="skip", limit=3))
    assert [r.id for r in some.samples(probes())] == ["17", "2", "19"]
    assert [b.path for b in some.skipped] == [str(data / gone[0])]
    assert "2 of 32 rows name an image that is not under" in " ".join(some.warnings)
    every = JailBreakV28K.open(str(root), LoadOptions(on_bad="skip"))
    assert len(every.samples(probes())) == 30 and len(every.skipped) == 2
    assert every.summary().size == 32  # the copy's rows, whatever could be read


@pytest.fixture
def one_thread() -> Iterator[None]:
    """zoo:assistant's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.timeout(600)
@pytest.mark.usefixtures("one_thread")
def test_the_safety_suite_scans_it_end_to_end_per_policy_and_format(
    copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:assistant", "--data", f"jailbreakv_28k:{copy}",
        "--suite", "safety", "--limit", "6", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "skipping safety.over_refusal (JailBreakV-28K holds harmful requests only" in said
    assert "a short copy: JailBreakV-28K holds 112 rows" in said
    rows = {(r["task"], r["attack"], r["metric"]): r for r in report_rows(out)}
    assert "safety.jailbreak" in {t for t, _, _ in rows}
    published = rows[("safety.jailbreak", "published", "asr")]
    assert published["n"] + published["details"]["n_unscorable"] == 6
    assert ("safety.jailbreak", "none", "asr") not in rows  # published replaces "as given"
    assert ("safety.jailbreak", "published", "asr_gap") in rows
    for attack in ("published", "text_only", "figstep"):
        policies = {m.removeprefix("asr.category.") for _, a, m in rows if a == attack}
        formats = {m.removeprefix("asr.set.") for _, a, m in rows if a == attack}
        assert set(POLICIES[:6]) <= policies and set(list(FORMATS)[:6]) <= formats
    report = run_cli("report", str(out), "--format", "json")
    entry = json.loads(report.stdout)["runs"][0]["header"]["data_source"]
    assert entry["name"] == "jailbreakv_28k" and entry["size"] == 112
    assert set(entry["counts"]) == set(FORMATS) and len(entry["fingerprint"]) == 64


def test_an_image_named_outside_the_copy_is_a_bad_item_and_a_link_inside_it_is_read(
    tmp_path: Path,
) -> None:
    root = jailbreakv_copy(tmp_path / "jbv", rows=16, mini=4)
    data = root / "JailBreakV_28K"
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "red").save(secret)
    (data / "llm_transfer_attack/noise_1.png").unlink()
    (data / "llm_transfer_attack/noise_1.png").symlink_to(data / "llm_transfer_attack/blank_0.png")
    (data / "llm_transfer_attack/nature_2.jpeg").unlink()
    (data / "llm_transfer_attack/nature_2.jpeg").symlink_to(secret)
    table = data / "JailBreakV_28K.csv"
    rows = read_rows(table)
    rows[3]["image_path"] = "../../secret.png"
    write_rows(table, rows)
    source = JailBreakV28K.open(str(root), LoadOptions(on_bad="skip"))
    read = {r.id: r for r in source.samples(probes())}
    assert read["1"].image == (data / "llm_transfer_attack/blank_0.png").read_bytes()
    assert "2" not in read and "3" not in read and len(read) == 14
    assert {b.reason for b in source.skipped} == {OUTSIDE}
    assert "2 of 16 rows name an image that is not under" in " ".join(source.warnings)
