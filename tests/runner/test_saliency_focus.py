"""The saliency map's acceptance on zoo:clip: over typographic failures, the written words'
boxes hold more of the map's mass than their area share, and more than the same boxes hold on
the clean scenes (a paired test)."""

import pytest

from vlmtrust.runner.saliency_focus import region_focus


@pytest.mark.slow
def test_the_written_words_draw_the_map_of_the_failures_they_cause():
    focus = region_focus("zoo:clip", n=60, seed=1)
    assert focus.attacked.n >= 20  # the planted flaw fails most scenes
    assert focus.attacked.ci_low > 1.0  # above what a map blind to the words gives
    assert focus.attacked.ci_low > focus.clean.ci_high
    assert focus.p_value < 0.05


@pytest.mark.slow
def test_the_trigger_patch_draws_the_map_of_the_backdoor_it_opens():
    focus = region_focus("zoo:clip", n=30, seed=1, task_name="robustness.backdoor_trigger")
    assert focus.attacked.n >= 10
    assert focus.attacked.ci_low > 1.0
    assert focus.attacked.ci_low > focus.clean.ci_high
    assert focus.p_value < 0.05
