"""Control-style metrics of a multiplier trajectory: properties of their definitions."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gamesolve.analysis.trajectory import oscillation_amplitude, oscillation_count, overshoot, settling_time

signals = arrays(np.float64, st.integers(2, 60), elements=st.floats(-10, 10, allow_nan=False))
targets = st.floats(-5, 5, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(x=signals, target=targets, scale=st.floats(0.1, 10), shift=st.floats(-10, 10))
def test_relative_overshoot_and_settling_are_invariant_under_affine_maps(x, target, scale, shift):
    """Relative overshoot is scale- and shift-free; settling with an absolute band scales with it."""
    assume(abs(target - x[0]) > 1e-3)     # not a start on the target up to rounding
    y, ty = scale * x + shift, scale * target + shift
    assert overshoot(y, ty) == pytest.approx(overshoot(x, target), rel=1e-6, abs=1e-9)
    a, b = settling_time(x, target, 0.1, relative=False), settling_time(y, ty, 0.1 * scale, relative=False)
    # equal unless a value sits within rounding of the band edge
    edge = np.abs(np.abs(x - target) - 0.1).min()
    assert a == b or edge < 1e-9


@settings(max_examples=60, deadline=None)
@given(x=signals, target=targets, band=st.floats(1e-3, 1.0))
def test_settling_time_is_the_first_index_after_which_the_signal_stays_in_the_band(x, target, band):
    t = settling_time(x, target, band, relative=False)
    inside = np.abs(x - target) <= band
    if not inside[-1]:
        assert t == math.inf
    else:
        k = int(t)
        assert inside[k:].all() and (k == 0 or not inside[k - 1])


@settings(max_examples=60, deadline=None)
@given(x=signals, target=targets)
def test_overshoot_of_a_signal_that_never_passes_the_target_is_zero(x, target):
    start = x[0]
    side = np.sign(target - start)
    clipped = np.where(side * (x - target) > 0, target, x)   # never beyond the target
    clipped[0] = start
    assert overshoot(clipped, target) == 0.0
    assert overshoot(x, target) >= 0.0


@settings(max_examples=40, deadline=None)
@given(x=arrays(np.float64, (30, 3), elements=st.floats(-10, 10, allow_nan=False)),
       target=arrays(np.float64, 3, elements=st.floats(-5, 5, allow_nan=False)))
def test_columns_are_independent_signals(x, target):
    for fn in (lambda v, t: overshoot(v, t), lambda v, t: settling_time(v, t, 0.05),
               lambda v, t: oscillation_count(v, t), lambda v, t: oscillation_amplitude(v)):
        together = np.asarray(fn(x, target))
        assert together.shape == (3,)
        for j in range(3):
            assert together[j] == fn(x[:, j], target[j])


def test_oscillation_count_and_amplitude_of_known_signals():
    t = np.arange(400)
    ringing = 1 + np.exp(-t / 50) * np.cos(t * np.pi / 10)          # period 20: two crossings per period
    assert oscillation_count(ringing, 1.0, band=1e-12) == pytest.approx(2 * 400 / 20, abs=2)
    assert oscillation_amplitude(1 + 0.3 * np.sin(t * np.pi / 10)) == pytest.approx(0.3, rel=1e-6)
    assert oscillation_amplitude(np.full(50, 2.0)) == 0.0
    alternating = 1 + 0.5 * (-1.0) ** np.arange(10)
    assert oscillation_count(alternating, 1.0) == 9
    assert oscillation_count(1 + 1e-6 * (-1.0) ** np.arange(10), 1.0) == 0    # noise inside the band
    assert overshoot([0.0, 1.5, 1.0], 1.0) == 0.5 and overshoot([0.0, 1.5, 1.0], 1.0, relative=False) == 0.5
    assert settling_time([0.0, 1.5, 0.995, 1.0], 1.0, steps=[0, 10, 20, 30]) == 20.0


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        overshoot(np.zeros((2, 2, 2)), 0.0)
    with pytest.raises(ValueError, match="tail"):
        oscillation_amplitude([1.0, 2.0], tail=0.0)
    with pytest.raises(ValueError, match="steps"):
        settling_time([1.0, 2.0], 1.0, steps=[0])
