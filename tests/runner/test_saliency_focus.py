"""The saliency map's acceptance on zoo:clip: over typographic failures, the written words'
boxes hold more of the map's mass than their area share, and more than the same boxes hold on
the clean scenes (a paired test)."""

import pytest

from vlmtrust.runner.saliency_focus import word_focus


@pytest.mark.slow
def test_the_written_words_draw_the_map_of_the_failures_they_cause():
    focus = word_focus("zoo:clip", n=60, seed=1)
    assert focus.attacked.n >= 20  # the planted flaw fails most scenes
    assert focus.attacked.ci_low > 1.0  # above what a map blind to the words gives
    assert focus.attacked.ci_low > focus.clean.ci_high
    assert focus.p_value < 0.05
