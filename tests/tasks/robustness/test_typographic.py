"""The planted typographic flaw of zoo:clip, found through the task."""

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run


def test_written_words_fool_zoo_clip(tmp_path):
    task = Spec(name="robustness.typographic", params={"n": 60})
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {(r.attack, r.metric): r for r in summary.metrics}
    clean, attacked = rows[("none", "accuracy")], rows[("typographic", "accuracy")]
    success = rows[("typographic", "attack_success")]
    assert success.n == 60 and success.ci_low is not None and success.ci_low > 0
    assert success.value >= 0.5  # issue 8's acceptance; measured 0.69 at n=200
    assert attacked.ci_high < clean.ci_low  # the intervals separate: a real drop
