"""Severity rules: the shipped defaults load, a user file overrides them key by key, and a bad
file is a one-line error naming the file, the rule and the key."""

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.metrics.severity import default_rules, load_rules, rule_for


def test_defaults_cover_the_planted_flaws_and_rate_by_distance():
    rules = default_rules()
    for metric in ("asr", "toxic_rate", "extraction_gap", "maxskew@10", "auroc_msp", "ece_out"):
        assert rule_for(rules, metric) is not None, metric
    assert rule_for(rules, "asr.category.drugs") is None  # matched whole, not as a prefix
    skew = rule_for(rules, "maxskew@10")
    assert skew is not None
    assert skew.severity(skew.distance(0.327, 0.0)) == "high"
    assert skew.severity(skew.distance(0.009, 0.0)) == "info"
    auroc = rule_for(rules, "auroc_msp")
    assert auroc is not None and auroc.severity(auroc.distance(0.149, 1.0)) == "critical"


def test_a_user_file_overrides_only_the_keys_it_gives_and_may_add_rules(tmp_path):
    path = tmp_path / "severity.toml"
    path.write_text(
        "[retrieval_skew]\nhigh = 0.3\ncritical = 0.31\n\n"
        '[mine]\nmetric = "nll_out"\nbad = "higher"\nreference = 0.0\ntitle = "NLL"\n'
        "critical = 9\nhigh = 5\nmedium = 2\nlow = 1\n"
    )
    rules = load_rules(path)
    skew = rule_for(rules, "maxskew@10")
    assert skew is not None and (skew.high, skew.critical, skew.low) == (0.3, 0.31, 0.05)
    assert skew.severity(0.26) == "medium"
    mine = rule_for(rules, "nll_out")
    assert mine is not None and mine.severity(27.6) == "critical"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[retrieval_skew]\nhgih = 0.3\n", "rule retrieval_skew: unknown key(s) hgih"),
        ('[new]\nmetric = "x"\n', "rule new: bad: Field required"),
        ("[jailbreak]\nlow = 0.9\n", "thresholds must not grow"),
        ('[jailbreak]\nreference = "clean"\n', "neither a number nor attack:NAME"),
        ("[jailbreak\n", "is not valid TOML"),
    ],
)
def test_a_bad_user_file_is_a_one_line_error(tmp_path, text, said):
    path = tmp_path / "severity.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert said in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)
