"""BOLD (Dhamala et al., FAccT 2021), read from a clone of github.com/amazon-science/bold
(CC BY-SA 4.0) as published:

- ``prompts/{domain}_prompt.json`` for the five domains ``gender``, ``political_ideology``,
  ``profession``, ``race``, ``religious_ideology``; each a JSON object
  ``{group: {wikipedia_page_name: [prompt, ...]}}`` (e.g. ``race_prompt.json``:
  ``{"African_Americans": {"Some_Name": ["Some Name is an American ... "]}}``);
- ``wikipedia/{domain}_wiki.json``: the same nesting with the Wikipedia sentences the prompts were
  cut from; not read (the measure is of the model's continuations, not of Wikipedia's).

Verified against the repository's only data commit (3ad652c, "BOLD dataset initial commit"):
the file names, the nesting, the group names in each file (their spelling and order, below), and
the counts: README's table (gender 3,204; race 7,657; profession 10,195; religious ideologies
639; political ideologies 1,984; 23,679 in all, over 43 groups) equals the files' prompt counts,
which are the per-group counts checked here (README publishes no per-group counts; these are the
files'). Five published prompts are empty strings (3 political, 2 religious): they are listed as
skipped (nothing to continue), never a load failure. HELM's ``BOLDScenario`` reads the same
``prompts/{domain}_prompt.json`` files; the Hugging Face copy ``AlexaAI/bold`` (one
``*_prompt_wiki.json`` per domain, a list of records) is a different layout, not read here.

``--data bold:ROOT`` (the clone, or its ``prompts`` folder) reads all five domains;
``--data bold:ROOT/prompts/race_prompt.json`` reads one. BOLD is text-only: it answers the
``Prompts`` request with one text sample per prompt, its group as the group attribute named by
its domain (``groups={"race": "African_Americans"}``), the domain, group and page name as labels;
everything else is not supplied, so a fairness suite runs ``fairness.generation_bias`` once per
domain (``...-by-race``) on continuations, and leaves the image tasks out with the reason.
``--limit N`` keeps the first N prompts of each domain, taken one group at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem
from vlmtrust.data.benchmarks.layout import (
    BenchmarkSource,
    Fingerprint,
    Layout,
    Loaded,
    exists,
    interleave,
    json_object,
    short_copy,
)
from vlmtrust.data.source import LoadOptions, Prompts, SampleRequest

REPOSITORY = "https://github.com/amazon-science/bold"
PROMPT_FILE = "{}_prompt.json"
#: prompts per group in each domain's file, in the files' own order (README: 23,679 in all)
PUBLISHED: Mapping[str, Mapping[str, int]] = {
    "gender": {"American_actors": 2048, "American_actresses": 1156},
    "political_ideology": {
        "left-wing": 113,
        "right-wing": 82,
        "communism": 131,
        "socialism": 259,
        "democracy": 342,
        "liberalism": 92,
        "populism": 59,
        "conservatism": 92,
        "nationalism": 453,
        "anarchism": 158,
        "capitalism": 88,
        "fascism": 115,
    },
    "profession": {
        "metalworking_occupations": 625,
        "sewing_occupations": 830,
        "healthcare_occupations": 531,
        "computer_occupations": 209,
        "film_and_television_occupations": 245,
        "artistic_occupations": 433,
        "scientific_occupations": 824,
        "entertainer_occupations": 442,
        "dance_occupations": 626,
        "nursing_specialties": 293,
        "writing_occupations": 421,
        "professional_driver_types": 62,
        "engineering_branches": 3120,
        "mental_health_occupations": 349,
        "theatre_personnel": 842,
        "corporate_titles": 99,
        "industrial_occupations": 107,
        "railway_industry_occupations": 137,
    },
    "race": {
        "Asian_Americans": 861,
        "African_Americans": 1854,
        "European_Americans": 4839,
        "Hispanic_and_Latino_Americans": 103,
    },
    "religious_ideology": {
        "judaism": 94,
        "christianity": 171,
        "islam": 109,
        "hinduism": 12,
        "buddhism": 134,
        "sikhism": 90,
        "atheism": 29,
    },
}
DOMAINS = tuple(PUBLISHED)
#: README's total over the five domains (the sum of ``PUBLISHED``)
TOTAL = 23_679
LAYOUT = Layout(
    "BOLD",
    "prompts/{gender,political_ideology,profession,race,religious_ideology}_prompt.json, each "
    '{"<group>": {"<page name>": ["<prompt>", ...]}}, as in ' + REPOSITORY,
)
EMPTY = "empty prompt in the published file: nothing to continue"


class BoldSource(BenchmarkSource):
    name = "bold"
    layout = LAYOUT
    expects = (
        "an amazon-science/bold clone (or its prompts/ folder, or one prompts/<domain>_prompt.json)"
    )
    feeds = (
        "fairness.generation_bias, once per domain (gender, race, profession, religious and "
        "political ideology): continuations compared by group; text prompts only"
    )
    get_it = f"git clone {REPOSITORY}"
    licence = "CC BY-SA 4.0"

    def __init__(self, loaded: Loaded, domains: tuple[str, ...]) -> None:
        super().__init__(loaded)
        self._domains = domains

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> BoldSource:
        files = _domain_files(path)
        root = next(iter(files.values())).parent
        fingerprint = Fingerprint(root)
        samples: list[Sample] = []
        skipped: list[BadItem] = []
        counts: dict[str, dict[str, int]] = {}
        for domain, file in files.items():
            rows = _prompts(file, json_object(file, LAYOUT), fingerprint)
            counts[domain] = {group: 0 for group in dict.fromkeys(row[0] for row in rows)}
            kept: list[Sample] = []
            for group, page, index, prompt in rows:
                counts[domain][group] += 1
                sample_id = f"{domain}/{group}/{page}/{index}"
                if not prompt.strip():
                    skipped.append(BadItem(f"{file} {sample_id}", EMPTY))
                    continue
                kept.append(_sample(domain, group, page, sample_id, prompt, file))
            by_group = interleave(kept, lambda s: str(s.labels["category"]))
            samples += by_group[: options.limit]
        warnings: list[str] = []
        for domain, found in counts.items():
            what = f"BOLD {domain} ({PROMPT_FILE.format(domain)})"
            warnings += short_copy(what, found, PUBLISHED[domain], "prompts")
        loaded = Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts)
        return cls(loaded, tuple(files))

    @property
    def group_attributes(self) -> dict[str, tuple[str, ...]]:
        """Each domain read, with its groups as BOLD spells them (the files' order)."""
        return {domain: tuple(PUBLISHED[domain]) for domain in self._domains}

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        return tuple(PUBLISHED[label]) if label in PUBLISHED else None

    def samples(self, request: SampleRequest) -> list[Sample]:
        if isinstance(request, Prompts):
            return list(self._loaded.samples)
        raise self.cannot_supply(request)


def _domain_files(path: str) -> dict[str, Path]:
    """Domain -> its prompt file: the one file ``path`` names, or all five in ``path/prompts``
    (or in ``path`` itself, when it is the prompts folder)."""
    if not path:
        raise LAYOUT.error("no path given (--data bold:PATH)")
    given = exists(Path(path), LAYOUT)
    if given.is_file():
        domain = next((d for d in DOMAINS if given.name == PROMPT_FILE.format(d)), None)
        if domain is None:
            raise LAYOUT.error(f"{given} is not a BOLD prompt file (<domain>_prompt.json)")
        return {domain: given}
    folder = given / "prompts" if (given / "prompts").is_dir() else given
    files = {d: folder / PROMPT_FILE.format(d) for d in DOMAINS}
    missing = [f.name for f in files.values() if not f.is_file()]
    if len(missing) == len(DOMAINS):
        raise LAYOUT.error(f"{given} has no prompts/ folder of BOLD prompt files")
    if missing:
        raise LAYOUT.error(
            f"{folder} lacks {', '.join(missing)} (pass one domain's file to read it alone)"
        )
    return files


def _prompts(
    file: Path, data: dict[str, Any], fingerprint: Fingerprint
) -> list[tuple[str, str, int, str]]:
    """``(group, page, index, prompt)`` per prompt, in the file's order; any other nesting is
    not the published layout."""
    fingerprint.read(file, f"prompts/{file.name}")
    rows = []
    for group, pages in data.items():
        if not isinstance(pages, dict):
            raise LAYOUT.error(f"{file}: group {group!r} is not an object of page names")
        for page, prompts in pages.items():
            if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
                raise LAYOUT.error(f"{file}: {group}/{page} is not a list of prompt strings")
            rows += [(group, page, index, prompt) for index, prompt in enumerate(prompts)]
    if not rows:
        raise LAYOUT.error(f"{file} holds no prompts")
    return rows


def _sample(domain: str, group: str, page: str, sample_id: str, prompt: str, file: Path) -> Sample:
    return Sample(
        id=sample_id,
        prompt=prompt.strip(),
        labels={"domain": domain, "category": group, "name": page},
        groups={domain: group},
        source=f"bold:{file}",
    )
