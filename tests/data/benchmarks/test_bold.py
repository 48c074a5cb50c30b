"""The bold source reads BOLD's prompts/<domain>_prompt.json files as the authors publish them."""

import json
from pathlib import Path

import pytest
from benchmark_trees_bold import bold_clone, published_clone
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.bold import DOMAINS, PUBLISHED, TOTAL, BoldSource
from vlmtrust.data.source import LoadOptions, NotSupplied, Probes, Prompts, Scenes, Twins
from vlmtrust.data.sources import open_source
from vlmtrust.store import ResultStore


def test_the_published_counts_are_readmes() -> None:
    """README's table: the domain totals, 43 groups, 23,679 prompts."""
    totals = {domain: sum(groups.values()) for domain, groups in PUBLISHED.items()}
    assert totals == {
        "gender": 3_204,
        "political_ideology": 1_984,
        "profession": 10_195,
        "race": 7_657,
        "religious_ideology": 639,
    }
    assert sum(totals.values()) == TOTAL == 23_679
    assert [len(PUBLISHED[d]) for d in DOMAINS] == [2, 12, 18, 4, 7]


def test_each_prompt_is_a_text_sample_with_its_domain_as_group_attribute(tmp_path: Path) -> None:
    source = open_source(f"bold:{bold_clone(tmp_path / 'bold', per_group=3)}")
    assert isinstance(source, BoldSource)
    samples = source.samples(Prompts())
    assert len(samples) == 3 * 43 and len({s.id for s in samples}) == len(samples)
    first = samples[0]
    page = "Placeholder_page_0_of_American_actors"
    assert first.id == f"gender/American_actors/{page}/0"
    assert first.image is None
    assert first.prompt == "Placeholder person 0 of the American_actors group was"
    assert first.groups == {"gender": "American_actors"}
    assert first.labels == {"domain": "gender", "category": "American_actors", "name": page}
    assert first.source == f"bold:{tmp_path / 'bold/prompts/gender_prompt.json'}"
    race = [s.groups["race"] for s in samples if "race" in s.groups]
    assert race[:4] == list(PUBLISHED["race"])  # taken one group at a time
    assert source.group_attributes == {d: tuple(PUBLISHED[d]) for d in DOMAINS}
    assert BoldSource.label_values("religious_ideology") == tuple(PUBLISHED["religious_ideology"])
    summary = source.summary()
    assert summary.size == 129 and len(summary.fingerprint or "") == 64
    assert summary.counts["race"] == dict.fromkeys(PUBLISHED["race"], 3)


def test_one_domain_file_reads_that_domain_alone(tmp_path: Path) -> None:
    root = bold_clone(tmp_path / "bold", per_group=2)
    source = open_source(f"bold:{root / 'prompts/race_prompt.json'}")
    assert source.group_attributes == {"race": tuple(PUBLISHED["race"])}
    assert {s.labels["domain"] for s in source.samples(Prompts())} == {"race"}
    (warning,) = source.warnings
    assert "BOLD race (race_prompt.json) holds 8 prompts, the published copy 7,657" in warning
    folder = open_source(f"bold:{root / 'prompts'}")  # the prompts folder itself
    assert len(folder.samples(Prompts())) == 2 * 43


def test_a_full_copy_has_no_warning_and_check_prints_its_counts(tmp_path: Path) -> None:
    root = published_clone(tmp_path / "bold")
    source = open_source(f"bold:{root}")
    assert source.warnings == () and source.summary().size == TOTAL
    result = run_cli("data", "check", "bold", str(root))
    assert result.code == 0, result.stderr
    assert "bold: 23679 rows" in result.stdout and "engineering_branches" in result.stdout


def test_a_short_copy_is_a_warning_naming_both_counts(tmp_path: Path) -> None:
    root = bold_clone(tmp_path / "bold", per_group=2)
    source = open_source(f"bold:{root}")
    assert len(source.warnings) == len(DOMAINS)
    assert source.warnings[0] == (
        "a short copy: BOLD gender (gender_prompt.json) holds 4 prompts, the published copy 3,204 "
        "('American_actors' 2 of 2,048, 'American_actresses' 2 of 1,156)"
    )
    result = run_cli("data", "check", "bold", str(root))
    assert result.code == 0, result.stderr
    assert "bold: 86 rows" in result.stdout and "published copy 639" in " ".join(
        result.stdout.split()
    )


def test_limit_keeps_the_first_prompts_of_each_domain_across_its_groups(tmp_path: Path) -> None:
    root = bold_clone(tmp_path / "bold", per_group=3)
    source = BoldSource.open(str(root), LoadOptions(limit=5))
    samples = source.samples(Prompts())
    by_domain = {d: [s for s in samples if s.labels["domain"] == d] for d in DOMAINS}
    assert {d: len(kept) for d, kept in by_domain.items()} == {
        "gender": 5,
        "political_ideology": 5,
        "profession": 5,
        "race": 5,
        "religious_ideology": 5,
    }
    assert [s.groups["race"] for s in by_domain["race"]] == [*PUBLISHED["race"], "Asian_Americans"]
    assert source.summary().counts == open_source(f"bold:{root}").summary().counts


def test_the_fingerprint_follows_the_content_not_the_place(tmp_path: Path) -> None:
    first = open_source(f"bold:{bold_clone(tmp_path / 'a', per_group=2)}").summary()
    again = open_source(f"bold:{bold_clone(tmp_path / 'b', per_group=2)}").summary()
    root = bold_clone(tmp_path / "c", per_group=2)
    file = root / "prompts/race_prompt.json"
    file.write_text(file.read_text().replace("person 1", "person one"))
    changed = open_source(f"bold:{root}").summary()
    assert first.fingerprint == again.fingerprint != changed.fingerprint
    alone = open_source(f"bold:{tmp_path / 'a/prompts/race_prompt.json'}").summary()
    assert alone.fingerprint != first.fingerprint


def test_an_empty_published_prompt_is_listed_never_a_failure(tmp_path: Path) -> None:
    """Five of the published prompts are empty strings: nothing to continue."""
    root = bold_clone(tmp_path / "bold", per_group=2)
    file = root / "prompts/religious_ideology_prompt.json"
    data = json.loads(file.read_text())
    data["atheism"]["Placeholder_page_1_of_atheism"].append("")
    file.write_text(json.dumps(data))
    source = BoldSource.open(str(root), LoadOptions(on_bad="fail"))
    (bad,) = source.skipped
    assert bad.path.endswith("religious_ideology/atheism/Placeholder_page_1_of_atheism/1")
    assert bad.reason.startswith("empty prompt")
    assert source.summary().counts["religious_ideology"]["atheism"] == 3
    assert len(source.samples(Prompts())) == 86


def test_what_text_prompts_cannot_answer_is_not_supplied(tmp_path: Path) -> None:
    source = open_source(f"bold:{bold_clone(tmp_path / 'bold', per_group=1)}")
    for request in (
        Twins(pairs=2, task="fairness.x"),
        Scenes(n=2),
        Probes(harmful=True, probes="zoo", sets=()),
    ):
        with pytest.raises(NotSupplied, match=f"bold data source cannot supply {request.kind}"):
            source.samples(request)


def _nested_list(root: Path) -> None:
    file = root / "prompts/race_prompt.json"
    data = json.loads(file.read_text())
    data["Asian_Americans"] = ["a prompt without its page name"]
    file.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda root: (root / "prompts/race_prompt.json").unlink(), "lacks race_prompt.json"),
        (
            lambda root: (root / "prompts").rename(root / "data"),
            "has no prompts/ folder of BOLD prompt files",
        ),
        (_nested_list, "group 'Asian_Americans' is not an object of page names"),
        (
            lambda root: (root / "prompts/gender_prompt.json").write_text("[1, 2]"),
            "gender_prompt.json is not a JSON object",
        ),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, break_it: object, message: str
) -> None:
    root = bold_clone(tmp_path / "bold", per_group=1)
    break_it(root)  # type: ignore[operator]
    assert_wrong_layout(
        "bold",
        root,
        message,
        "expected the BOLD layout: prompts/{gender,political_ideology,",
        scan=("--model", "zoo:assistant", "--suite", "fairness"),
        notices=True,  # the tasks a fairness suite skips on this model
        out=tmp_path / "run",
    )


def test_a_file_that_is_no_domains_prompt_file_is_named(tmp_path: Path) -> None:
    root = bold_clone(tmp_path / "bold", per_group=1)
    result = run_cli("data", "check", "bold", str(root / "wikipedia/race_wiki.json"))
    assert result.code == 2 and "is not a BOLD prompt file" in result.stderr


@pytest.mark.slow
def test_a_fairness_suite_runs_generation_bias_per_bold_group(tmp_path: Path) -> None:
    """The acceptance scan: zoo:assistant continues each prompt (no image); generation_bias runs
    once per domain with a row per BOLD group; the image tasks are left out, saying why."""
    root = bold_clone(tmp_path / "bold", per_group=2)
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:assistant", "--data", f"bold:{root}", "--suite", "fairness",
        "--limit", "20", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "skipping fairness.counterfactual-by-gender (the bold data source cannot supply" in said
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    rows = {(r["task"], r["metric"]): r for r in report["rows"]}
    for domain in DOMAINS:
        task = f"fairness.generation_bias-by-{domain}"
        for group in PUBLISHED[domain]:  # 20 prompts a domain reach each of its 18 or fewer
            assert (task, f"toxic_rate.group.{group}") in rows, (task, group)
        # zoo:assistant answers every prompt with one template the judge leaves undecided
        # (P(toxic) inside its band), so the gap may have no decided groups to compare: then it
        # says so (the statistics themselves: tests/tasks/fairness/test_generation_bias.py)
        details = rows[task, "toxic_rate_gap"]["details"]
        if "reason" in details:
            assert details["reason"] == "needs continuations of two or more groups"
        else:
            assert details["test"] == "chi-square, group x verdict"
            assert set(details["by_group"]) <= set(PUBLISHED[domain])
        assert (task, "judge.toxicity.precision") in rows
        assert (task, "cramers_v") not in rows
    with ResultStore.open_existing(out) as store:
        header = store.latest_header()
    entry = header["data_source"]
    assert entry["name"] == "bold" and entry["size"] == 86
    assert entry["fingerprint"] == open_source(f"bold:{root}").summary().fingerprint
    assert entry["counts"]["race"] == dict.fromkeys(PUBLISHED["race"], 2)
