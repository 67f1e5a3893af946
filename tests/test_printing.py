"""l2course.printing: numbers printed as facts (bounds and verdicts), so stored outputs match on every CPU."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import l2course as l2


@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([1e-15, 1e-12, 1e-9, 1e-6]))
def test_value_or_bound_prints_a_bound_exactly_below_the_floor(value, floor):
    shown = l2.value_or_bound(value, floor=floor)
    if abs(value) < floor:
        assert shown == f"< {floor:g}"
    else:
        assert float(shown) == pytest.approx(value, rel=1e-3, abs=0)  # ".3e": four significant digits


def test_value_or_bound_keeps_nan_and_infinity_visible():
    assert l2.value_or_bound(math.nan) == "nan"
    assert l2.value_or_bound(-math.inf) == "-inf"


@given(st.floats(-10, 10), st.floats(-1e-6, 1e-6), st.sampled_from([1e-12, 1e-9, 1e-7]))
def test_agree_is_the_allclose_verdict_at_the_printed_tolerance(a, delta, atol):
    verdict = l2.agree([a, 0.0], [a + delta, 0.0], atol=atol)
    expected = abs((a + delta) - a) <= atol  # what |a - b| <= atol says for the values actually stored
    assert verdict == f"agree to {atol:g}: {expected}"


def test_agree_compares_arrays_element_wise():
    a = np.linspace(0, 1, 50)
    b = a.copy()
    assert l2.agree(a, b).endswith("True")
    b[17] += 1e-9
    assert l2.agree(a, b).endswith("False")
    assert l2.agree(a, b, atol=1e-8).endswith("True")


@pytest.mark.parametrize("bad", [0.0, -1e-12, math.inf, math.nan])
def test_tolerances_must_be_positive_and_finite(bad):
    with pytest.raises(ValueError, match="floor"):
        l2.value_or_bound(1.0, floor=bad)
    with pytest.raises(ValueError, match="atol"):
        l2.agree(1.0, 1.0, atol=bad)


def test_non_numbers_are_refused_by_name():
    with pytest.raises(TypeError, match="value must be a real number"):
        l2.value_or_bound("1e-3")
    with pytest.raises(TypeError, match="floor"):
        l2.value_or_bound(1.0, floor="1e-9")
    with pytest.raises(ValueError, match="rtol"):
        l2.agree(1.0, 1.0, rtol=-1.0)
