"""Printing numbers whose digits are facts, not round-off.

Notebook outputs are stored and compared exactly (nbval), and the last digits of a difference at machine
precision, or of an optimizer's residual, change with the CPU's BLAS kernel. These helpers print such a number
as a bound at a stated tolerance and everything else rounded, so that a stored output is true on every machine.
"""

from __future__ import annotations

import math
from numbers import Real


def _check_tolerance(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive real number, got {type(value).__name__}")
    value = float(value)
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def value_or_bound(value, floor: float = 1e-12, spec: str = ".3e") -> str:
    """``value`` formatted with ``spec``, or ``"< floor"`` when its magnitude is below ``floor``.

    Use it for a quantity that may converge to round-off: an excess cost after many gradient steps, an
    optimizer's gap, the difference of two formulas. Above ``floor`` its rounded digits are stable; below, only
    the bound is.

    Parameters
    ----------
    value : real number
        The quantity to print. NaN and infinities are printed as they are.
    floor : float, default 1e-12
        Magnitudes below this are printed as ``"< floor"``.
    spec : str, default ".3e"
        A format specification for values at or above ``floor``.

    Returns
    -------
    str

    Examples
    --------
    >>> value_or_bound(1.521e-02)
    '1.521e-02'
    >>> value_or_bound(1.7e-22)
    '< 1e-12'
    >>> value_or_bound(-3e-17, floor=1e-9, spec=".2f")
    '< 1e-09'
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    floor = _check_tolerance("floor", floor)
    value = float(value)
    if math.isfinite(value) and abs(value) < floor:
        return f"< {floor:g}"
    return format(value, spec)


def agree(a, b, *, atol: float = 1e-12, rtol: float = 0.0) -> str:
    """A verdict that two arrays agree at a stated tolerance: ``"agree to 1e-12: True"``.

    The verdict is ``|a - b| <= atol + rtol |b|`` element-wise (``numpy.allclose``), so it says the same on
    every CPU where the mathematics holds, unlike the digits of ``max |a - b|``.

    Parameters
    ----------
    a, b : array_like
        Values to compare (broadcast as NumPy does).
    atol : float, default 1e-12
        Absolute tolerance, printed in the verdict.
    rtol : float, default 0
        Relative tolerance; printed too when it is not zero.

    Returns
    -------
    str

    Examples
    --------
    >>> agree([1.0, 2.0], [1.0, 2.0 + 1e-15])
    'agree to 1e-12: True'
    >>> agree(1.0, 1.1, atol=1e-6)
    'agree to 1e-06: False'
    >>> agree([100.0], [100.001], atol=0.0001, rtol=1e-6)
    'agree to 0.0001 + 1e-06·|b|: False'
    """
    import numpy as np

    atol = _check_tolerance("atol", atol)
    if isinstance(rtol, bool) or not isinstance(rtol, Real) or not float(rtol) >= 0:
        raise ValueError(f"rtol must be a non-negative real number, got {rtol!r}")
    verdict = bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol))
    stated = f"{atol:g}" + (f" + {rtol:g}·|b|" if rtol else "")
    return f"agree to {stated}: {verdict}"
