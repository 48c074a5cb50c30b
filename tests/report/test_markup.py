"""Shared HTML pieces: a metric name with its explanation, and sentences whose metric names
carry theirs, matched whole."""

from html import escape

from vlmtrust.report.glossary import explain
from vlmtrust.report.markup import explain_names, metric_name


def test_a_metric_name_carries_its_glossary_line_and_the_metric_it_explains():
    entry = explain("asr")
    assert entry is not None
    assert metric_name("asr") == (
        f'<abbr class="metric" data-metric="asr" title="{escape(entry.line())}">asr</abbr>'
    )
    assert metric_name("asr", shown="ASR <figstep>").endswith(">ASR &lt;figstep&gt;</abbr>")
    assert metric_name("no_such_metric<x>") == "no_such_metric&lt;x&gt;"  # no entry: plain


def test_names_in_a_sentence_are_wrapped_whole_and_the_rest_escaped():
    asr, gap = metric_name("asr"), metric_name("asr_gap")
    text = "figstep gets asr 100% (asr_gap 1.0; asr.set.zoo 1.0) & <b>"
    assert explain_names(text, ["asr", "asr_gap"]) == (
        f"figstep gets {asr} 100% ({gap} 1.0; asr.set.zoo 1.0) &amp; &lt;b&gt;"
    )
    # a gate names the metric after its task; a sentence may end on one
    auroc = metric_name("auroc_msp")
    assert explain_names("robustness.ood.auroc_msp<0.5", ["auroc_msp"]) == (
        f"robustness.ood.{auroc}&lt;0.5"
    )
    assert explain_names("worst: asr.", ["asr"]) == f"worst: {asr}."
    assert explain_names("measured_accuracy, accuracy_in", ["accuracy"]) == (
        "measured_accuracy, accuracy_in"
    )
    assert explain_names("a < b", []) == "a &lt; b"
