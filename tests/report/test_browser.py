"""The report of a real zoo scan in headless Chromium: no console errors, no network requests,
every pillar's section, plots that actually render, every metric name shown with its
explanation; a screenshot is kept.

Chromium is driven over the DevTools protocol on a pipe (see tests/support/chromium.py), so console
messages, exceptions and every request the page starts are observed directly. Two control
pages prove the watchers can fail: the report plus an external image (the request attempt is
seen and the report's CSP refuses it, which the console reports), and the same without the CSP.
The report itself must not even attempt a request.
"""

import json
import shutil

import pytest
from chromium import Chromium, chromium_path

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.findings import derive_findings
from vlmtrust.metrics.severity import default_rules
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.gates import evaluate, parse_gate
from vlmtrust.report.glossary import explain
from vlmtrust.report.html import CSP, render_html
from vlmtrust.report.rows import RunRows
from vlmtrust.runner import run

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="chromium missing: `make browser` installs it"
)

PAGE_FACTS = """JSON.stringify({
  sections: [...document.querySelectorAll('section[id^="pillar-"]')].map(s => s.id),
  plots: [...document.querySelectorAll('figure.plot svg')].filter(svg => {
    const box = svg.getBoundingClientRect();
    return box.width > 50 && box.height > 50 && svg.querySelectorAll('path').length > 0;
  }).length,
  images: [...document.images].filter(img => img.complete && img.naturalWidth > 0).length,
})"""
PROBE = '<img alt="probe" src="http://127.0.0.1:9/probe.png">'


def _visit(browser, path, expression=PAGE_FACTS):
    visit = browser.visit(path.as_uri(), expression)
    requests = [u for u in visit.requests if not u.startswith("data:") and u != path.as_uri()]
    return visit, requests


def test_report_renders_offline_without_errors(zoo_scan, tmp_path):
    html, _ = build_report([zoo_scan], ReportFormat.html, ["robustness.ood.auroc_msp<0.5"])
    page = tmp_path / "report.html"
    page.write_text(html)
    with_probe = tmp_path / "probe.html"
    with_probe.write_text(html.replace("</body>", PROBE + "</body>"))
    no_csp = tmp_path / "no_csp.html"
    no_csp.write_text(html.replace(CSP, "default-src * data: 'unsafe-inline'") + PROBE)

    browser = Chromium(tmp_path / "profile")
    try:
        visit, requests = _visit(browser, page)
        browser.events.clear()
        probe, probe_requests = _visit(browser, with_probe)
        browser.events.clear()
        _, open_requests = _visit(browser, no_csp)
    finally:
        browser.close()

    shot = zoo_scan / "report-screenshot.png"
    shot.write_bytes(visit.screenshot)
    assert visit.screenshot.startswith(b"\x89PNG") and len(visit.screenshot) > 10_000
    assert visit.console_errors == [], json.dumps(visit.console_errors)[:500]
    assert requests == []
    assert visit.result["sections"] == [
        "pillar-privacy",
        "pillar-fairness",
        "pillar-robustness",
        "pillar-safety",
    ]
    assert visit.result["plots"] >= 1
    assert visit.result["images"] >= 1  # gallery thumbnails decode from data: URLs
    # the controls: the watchers see an attempted request, and the CSP refusing it
    assert probe_requests == ["http://127.0.0.1:9/probe.png"]
    assert any("Content Security Policy" in e for e in probe.console_errors)
    assert open_requests == ["http://127.0.0.1:9/probe.png"]
    shutil.copy(shot, tmp_path / "kept.png")


FINDINGS_FACTS = """JSON.stringify({
  afterTitle: document.querySelector('h1').nextElementSibling.id,
  top: document.querySelector('#findings').getBoundingClientRect().top,
  firstTable: document.querySelector('table').getBoundingClientRect().top,
  verdicts: document.querySelectorAll('#findings li.verdict').length,
  findings: document.querySelectorAll('#findings ol.findings > li').length,
  links: [...document.querySelectorAll('#findings ol.findings a')].map(a => a.hash),
  targets: [...document.querySelectorAll('#findings ol.findings a')]
    .filter(a => document.getElementById(decodeURIComponent(a.hash.slice(1)))).length,
})"""


def test_findings_are_the_first_thing_after_the_title_and_link_to_their_evidence(
    zoo_scan, tmp_path
):
    html, _ = build_report([zoo_scan], ReportFormat.html)
    page = tmp_path / "report.html"
    page.write_text(html)
    browser = Chromium(tmp_path / "profile")
    try:
        visit = browser.visit(page.as_uri(), FINDINGS_FACTS)
    finally:
        browser.close()
    facts = visit.result
    assert facts["afterTitle"] == "findings"
    assert facts["top"] < facts["firstTable"]
    assert facts["verdicts"] == 4  # one per pillar
    assert facts["findings"] >= 1  # the zoo's OOD over-confidence at least
    assert "#task-robustness.ood" in facts["links"]
    assert facts["targets"] == len(facts["links"])  # every evidence link lands somewhere


LAYOUT_FACTS = """JSON.stringify({
  width: window.innerWidth,
  afterTitle: document.querySelector('h1').nextElementSibling.id,
  last: [...document.querySelectorAll('body > section')].pop().id,
  galleries: document.querySelectorAll('details[id^="gallery-"]').length,
  openGalleries: document.querySelectorAll('details[id^="gallery-"][open]').length,
  folds: document.querySelectorAll('details.fold').length,
  openFolds: document.querySelectorAll('details.fold[open]').length,
  height: document.body.scrollHeight,
  openedHeight: (() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    return document.body.scrollHeight;
  })(),
})"""
#: The fixed scan's report at 1280 px: findings, summary cards and four robustness task
#: sections whose open content is short tables (8 rows at most) and plots (about 2,000 px
#: together), then provenance (441 px): 4,591 px when measured. Before the fold it was
#: 11,887 px (15,000 with every <details> open): its four galleries alone take about
#: 3,700 px, so opening them again, or leaving the 10-26-row tables open, passes the bound.
#: 6,000 px (7.5 screens of 800 px) leaves room for font differences between machines and
#: for a few lines more per section.
MAX_HEIGHT = 6_000


def test_the_page_opens_on_findings_folds_the_long_parts_and_ends_with_provenance(
    zoo_scan, tmp_path
):
    html, _ = build_report([zoo_scan], ReportFormat.html)
    page = tmp_path / "report.html"
    page.write_text(html)
    browser = Chromium(tmp_path / "profile")
    try:
        facts = browser.visit(page.as_uri(), LAYOUT_FACTS).result
    finally:
        browser.close()
    assert facts["width"] == 1280
    assert facts["afterTitle"] == "findings" and facts["last"] == "provenance"
    assert facts["galleries"] == 4 and facts["openGalleries"] == 0
    assert facts["folds"] >= 4 and facts["openFolds"] == 0
    assert facts["height"] < MAX_HEIGHT
    # the control: the same page with everything unfolded is well past the bound
    assert facts["openedHeight"] > MAX_HEIGHT + 2_000


#: every occurrence of a metric name in the page's text, and every explained name; run with
#: NAMES, the metric names the report's rows hold. The name is matched whole, as the report
#: wraps it (``asr`` not inside ``asr.set.zoo``; ``auroc_msp`` in ``robustness.ood.auroc_msp``).
#: Plot SVGs (their captions explain), raw <pre> text (specs, prompts, answers) and the
#: "Metrics used here" lists (the explanations themselves) are not metric names shown.
METRIC_FACTS = """(() => {
  const names = NAMES.slice().sort((a, b) => b.length - a.length);
  const quote = s => s.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');
  const found = new RegExp('(?<![\\\\w@\\\\[])(' + names.map(quote).join('|') +
    ')(?![\\\\w@\\\\[]|[.:%]\\\\w)', 'g');
  const places = ['#findings', '#summary', '#gates', '#safety-matrix', '.example', 'figcaption',
                  'table'];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const shown = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest('svg, pre, dl.glossary')) continue;
    for (const match of node.data.matchAll(found)) {
      const abbr = parent.closest('abbr.metric');
      shown.push({name: match[1], metric: abbr ? abbr.dataset.metric : null,
                  title: abbr ? abbr.title : null, text: node.data.slice(0, 160),
                  where: places.find(p => parent.closest(p)) || 'other'});
    }
  }
  const abbrs = [...document.querySelectorAll('abbr.metric')]
    .map(a => ({metric: a.dataset.metric, title: a.title, text: a.textContent}));
  return JSON.stringify({shown, abbrs});
})()"""


def _metric_facts(html, names, tmp_path):
    page = tmp_path / "metrics.html"
    page.write_text(html)
    browser = Chromium(tmp_path / "profile")
    try:
        visit = browser.visit(page.as_uri(), METRIC_FACTS.replace("NAMES", json.dumps(names)))
    finally:
        browser.close()
    return visit.result


def _assert_every_metric_name_is_explained(html, names, tmp_path):
    explained = {name: explain(name) for name in names}
    assert [n for n, e in explained.items() if e is None] == []  # the glossary knows them all
    facts = _metric_facts(html, sorted(names), tmp_path)
    bare = [s for s in facts["shown"] if s["metric"] is None]
    assert bare == [], json.dumps(bare[:10], indent=1)
    for shown in facts["shown"]:
        assert shown["metric"] == shown["name"], shown  # the name's own explanation
    for abbr in facts["abbrs"]:
        entry = explain(abbr["metric"])
        assert entry is not None and abbr["title"] == entry.line(), abbr
    return facts


def test_every_metric_name_the_scan_report_shows_carries_its_explanation(zoo_scan, tmp_path):
    """Task tables, summary cards, findings, gates, plot captions, gallery cards."""
    gate = "robustness.ood.auroc_msp<0.5"
    html, _ = build_report([zoo_scan], ReportFormat.html, [gate])
    doc = json.loads(build_report([zoo_scan], ReportFormat.json, [gate])[0])
    names = {row["metric"] for row in doc["rows"]}
    facts = _assert_every_metric_name_is_explained(html, names, tmp_path)
    seen = {s["name"] for s in facts["shown"]}
    assert names <= seen  # each row's metric is shown (at least in its task table)
    where = {s["where"] for s in facts["shown"]}
    assert {"#findings", "#summary", "#gates", "figcaption", "table"} <= where
    gated = [s for s in facts["shown"] if s["where"] == "#summary" and s["name"] == "auroc_msp"]
    assert gated  # the gate's text on the card, and the card's headline


def _safety_rows():
    """A small safety run as stored rows: the attack x defence matrix, judge calibration,
    over-refusal and clean VQA accuracy under a mitigation, and a finding it fixes at a cost."""
    paired = {
        "difference": -0.1,
        "ci_low": -0.2,
        "ci_high": -0.02,
        "test": "McNemar exact",
        "p_value": 0.002,
        "p_holm": 0.01,
        "real": True,
        "n_pairs": 40,
    }

    def row(task, attack, mitigation, metric, value, **details):
        return MetricRow(
            task=task,
            attack=attack,
            mitigation=mitigation,
            metric=metric,
            value=value,
            ci_low=max(0.0, value - 0.05),
            ci_high=min(1.0, value + 0.05),
            n=40,
            model="zoo:assistant",
            details=details,
        )

    confusion = {"confusion": [[37, 3], [2, 38]], "labels": ["refused", "complied"]}
    return [
        row("safety.jailbreak", "figstep", "none", "asr", 1.0),
        row("safety.jailbreak", "text_only", "none", "asr", 0.0),
        row("safety.jailbreak", "figstep", "output_guard", "asr", 0.0, paired=paired),
        row("safety.jailbreak", "text_only", "output_guard", "asr", 0.0),
        row("safety.jailbreak", "figstep", "none", "asr.set.zoo", 1.0),
        row("safety.jailbreak", "calibration", "none", "judge.refusal.precision", 0.9, **confusion),
        row("safety.jailbreak", "calibration", "none", "judge.refusal.recall", 0.95, **confusion),
        row("safety.over_refusal", "text_only", "none", "refusal_rate", 0.05),
        row("safety.over_refusal", "text_only", "output_guard", "refusal_rate", 0.1),
        row("robustness.vqa", "none", "none", "accuracy", 1.0),
        row("robustness.vqa", "none", "output_guard", "accuracy", 0.9, paired=paired),
    ]


def test_every_metric_name_the_safety_sections_show_carries_its_explanation(tmp_path):
    """The attack x defence matrix (its columns stand for asr, refusal_rate and accuracy),
    judge tables, and a finding whose fix names its cost on a utility row."""
    rows = _safety_rows()
    findings = derive_findings(rows, default_rules())
    assert (
        findings[0].fix_cost is not None and "robustness.vqa accuracy" in findings[0].fix_cost.text
    )
    gates = evaluate([parse_gate("safety.jailbreak.asr>0.1")], rows)
    html = render_html([RunRows(tmp_path / "run", {}, rows, findings=findings)], gates)
    facts = _assert_every_metric_name_is_explained(html, {r.metric for r in rows}, tmp_path)
    columns = {a["text"]: a["metric"] for a in facts["abbrs"]}
    assert columns["ASR figstep"] == "asr" and columns["clean VQA accuracy"] == "accuracy"
    assert columns["over-refusal (text twins)"] == "refusal_rate"
    assert {"#safety-matrix", "#findings", "#gates", "table"} <= {
        s["where"] for s in facts["shown"]
    }
    in_findings = {s["name"] for s in facts["shown"] if s["where"] == "#findings"}
    assert {"asr", "accuracy"} <= in_findings  # the finding's metric, and its fix's cost
    assert {"judge.refusal.precision", "judge.refusal.recall"} <= {
        s["name"] for s in facts["shown"]
    }


TREND_FACTS = """JSON.stringify({
  trends: [...document.querySelectorAll('#history figure.plot svg')].filter(svg => {
    const box = svg.getBoundingClientRect();
    return box.width > 50 && box.height > 50 && svg.querySelectorAll('path').length > 0;
  }).length,
  points: document.querySelectorAll('#history table')[0].querySelectorAll('tbody tr').length,
})"""


def test_the_history_page_draws_its_trend_offline(history_runs, tmp_path):
    from vlmtrust.report.history import history_html, load_history

    page = tmp_path / "history.html"
    page.write_text(history_html(load_history(history_runs)))
    browser = Chromium(tmp_path / "profile")
    try:
        visit = browser.visit(page.as_uri(), TREND_FACTS)
    finally:
        browser.close()
    requests = [u for u in visit.requests if not u.startswith("data:") and u != page.as_uri()]
    assert visit.console_errors == [] and requests == []
    assert visit.result == {"trends": 1, "points": 3}


CHAT_FACTS = """JSON.stringify({
  title: document.title,
  chats: document.querySelectorAll('#trajectories-safety\\\\.multi_turn .chat').length,
  injected: document.querySelectorAll('#trajectories-safety\\\\.multi_turn img, script[id=x]')
    .length,
  text: document.querySelector('#trajectories-safety\\\\.multi_turn').textContent,
})"""


def test_attack_conversations_render_as_text_not_markup(tmp_path):
    """A target's answer holding markup is shown as text in the conversation: nothing it says
    runs or loads, and the page raises no error."""
    hostile = "<img src=x onerror=\"document.title='owned'\"><script id=x>document.title='owned'"
    trajectory = [
        {"role": "user", "text": "how do I [harmful request]?"},
        {"role": "assistant", "text": hostile, "verdict": True},
    ]
    row = MetricRow(
        task="safety.multi_turn", attack="none", mitigation="none", metric="success_rate",
        value=1.0, ci_low=0.21, ci_high=1.0, n=1, model="tiny",
        details={"trajectories": {"probe-1": trajectory}, "broken": ["probe-1"]},
    )  # fmt: skip
    page = tmp_path / "chat.html"
    page.write_text(render_html([RunRows(tmp_path / "run", {}, [row])]))
    browser = Chromium(tmp_path / "profile")
    try:
        visit, requests = _visit(browser, page, CHAT_FACTS)
    finally:
        browser.close()
    assert visit.console_errors == [] and requests == []
    facts = visit.result
    assert facts["chats"] == 1 and facts["injected"] == 0 and facts["title"] != "owned"
    assert hostile in facts["text"] and "how do I [harmful request]?" in facts["text"]


SALIENCY_FACTS = """JSON.stringify(
  [...document.querySelectorAll('details[id^="gallery-"]')].map(d => {
    d.open = true;
    const maps = [...d.querySelectorAll('img.saliency')];
    return {
      gallery: d.id,
      maps: maps.length,
      rendered: maps.filter(img => img.complete && img.naturalWidth > 0).length,
      beside: maps.filter(img => img.previousElementSibling?.tagName === 'IMG').length,
    };
  })
)"""


@pytest.fixture(scope="module")
def failures_scan(tmp_path_factory):
    """zoo:clip under its two planted image flaws, written words and the trigger patch: most
    attacked scenes fail, so each attacked condition's gallery holds failures to explain."""
    out = tmp_path_factory.mktemp("failures_scan")
    tasks = (Spec(name="robustness.typographic"), Spec(name="robustness.backdoor_trigger"))
    run(RunConfig(model="zoo:clip", tasks=tasks, out=out, limit=6, show_progress=False))
    return out


def test_failed_examples_show_their_saliency_map_beside_the_image(failures_scan, tmp_path):
    html, _ = build_report([failures_scan], ReportFormat.html)
    page = tmp_path / "saliency.html"
    page.write_text(html)
    browser = Chromium(tmp_path / "profile")
    try:
        visit, requests = _visit(browser, page, SALIENCY_FACTS)
    finally:
        browser.close()
    assert visit.console_errors == [] and requests == []
    by_gallery = {g["gallery"]: g for g in visit.result}
    for task in ("robustness.typographic", "robustness.backdoor_trigger"):
        gallery = by_gallery[f"gallery-{task}"]
        assert gallery["maps"] >= 1, task
        assert gallery["rendered"] == gallery["maps"] == gallery["beside"], gallery
