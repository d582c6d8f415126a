"""The pace report printed beside the journey's and the soak's figures."""

from __future__ import annotations

from tests.journey.pace import slowest_steps, waits_text


def test_slowest_steps_are_the_longest_gaps_of_the_step_log() -> None:
    steps = ["   4.3s window shown", "  66.0s scan settled\ntrace", "  67.1s name: F2", "junk"]
    assert slowest_steps(steps, 2) == "61.7 s to 'scan settled', 4.3 s to 'window shown'"


def test_waits_name_settling_and_activation() -> None:
    waits = {"settle_s": 12.5, "activation_s": 9.0, "activation_failures": 3}
    assert waits_text({"waits": waits}) == ("settling 12.5 s, window activation 9.0 s (3 failed)")
