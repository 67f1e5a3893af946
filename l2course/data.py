"""Small data sets for the chapters, all reproducible from an explicit ``seed``.

Every generator draws from its own ``np.random.default_rng(seed)``, so calling it twice with
the same arguments gives the same arrays, and nothing depends on global random state.
"""

import numpy as np

from ._validation import as_count, as_scalar

__all__ = ["house_price_example", "make_house_prices", "make_regression_1d"]

# Parameters of make_house_prices, in the units of the returned arrays.
_AREA_RANGE_M2 = (40.0, 200.0)
_BASE_PRICE = 50_000.0  # dollars
_PRICE_PER_M2 = 2_500.0  # dollars per square metre
_PRICE_NOISE_SD = 25_000.0  # dollars


def house_price_example():
    """The three houses of chapter 1: true prices and a model's predictions, in dollars.

    Returns
    -------
    y : numpy.ndarray of shape (3,)
        True prices ``[200_000, 400_000, 300_000]``.
    y_hat : numpy.ndarray of shape (3,)
        Predictions ``[220_000, 385_000, 305_000]``.

    Examples
    --------
    >>> y, y_hat = house_price_example()
    >>> y - y_hat
    array([-20000.,  15000.,  -5000.])
    """
    y = np.array([200_000.0, 400_000.0, 300_000.0])
    y_hat = np.array([220_000.0, 385_000.0, 305_000.0])
    return y, y_hat


def make_house_prices(n=50, *, seed=0):
    """Synthetic house prices that grow linearly with floor area, plus Gaussian noise.

    The generating model is::

        area_m2      ~ Uniform(40, 200)                    (rounded to 0.1 m^2)
        price_dollars = 50_000 + 2_500 * area_m2 + noise,   noise ~ Normal(0, 25_000**2)
                                                            (rounded to whole dollars)

    so the true regression line has intercept 50 000 dollars and slope 2 500 dollars per m^2,
    and the noise variance is ``25_000**2`` dollars squared.

    Parameters
    ----------
    n : int, default 50
        Number of houses, >= 1.
    seed : int, default 0
        Seed of ``np.random.default_rng``, >= 0.

    Returns
    -------
    area_m2 : numpy.ndarray of shape (n,)
    price_dollars : numpy.ndarray of shape (n,)

    Examples
    --------
    >>> area, price = make_house_prices(5, seed=1)
    >>> area.shape, price.shape
    ((5,), (5,))
    >>> bool(np.all((40 <= area) & (area <= 200)))
    True
    """
    n = as_count(n, "n", minimum=1)
    rng = np.random.default_rng(as_count(seed, "seed"))
    area = np.round(rng.uniform(*_AREA_RANGE_M2, size=n), 1)
    noise = rng.normal(0.0, _PRICE_NOISE_SD, size=n)
    price = np.round(_BASE_PRICE + _PRICE_PER_M2 * area + noise)
    return area, price


def make_regression_1d(
    n=30, *, slope=2.0, intercept=1.0, noise=1.0, n_outliers=0, outlier_shift=15.0, seed=0
):
    """A one-feature regression problem, optionally with outliers.

    ``x ~ Uniform(0, 10)``, ``y = intercept + slope * x + noise * Normal(0, 1)``; then
    ``n_outliers`` distinct points, chosen at random, get ``outlier_shift`` added to ``y``.

    The outliers are drawn last, so for a given ``seed`` the ``x`` values and the clean ``y``
    values do not depend on ``n_outliers``: the same data can be shown with and without
    outliers.

    Parameters
    ----------
    n : int, default 30
        Number of points, >= 1.
    slope, intercept : float, default 2.0 and 1.0
        The true line.
    noise : float, default 1.0
        Standard deviation of the Gaussian noise, >= 0.
    n_outliers : int, default 0
        Number of points to shift, between 0 and ``n``.
    outlier_shift : float, default 15.0
        Amount added to each outlier's ``y``.
    seed : int, default 0
        Seed of ``np.random.default_rng``, >= 0.

    Returns
    -------
    x : numpy.ndarray of shape (n,)
    y : numpy.ndarray of shape (n,)

    Examples
    --------
    >>> x, y = make_regression_1d(5, noise=0.0)
    >>> bool(np.allclose(y, 1.0 + 2.0 * x))
    True
    >>> x2, y2 = make_regression_1d(5, noise=0.0, n_outliers=1, outlier_shift=15.0)
    >>> np.sort(y2 - y)
    array([ 0.,  0.,  0.,  0., 15.])
    """
    n = as_count(n, "n", minimum=1)
    slope = as_scalar(slope, "slope")
    intercept = as_scalar(intercept, "intercept")
    noise = as_scalar(noise, "noise", minimum=0)
    n_outliers = as_count(n_outliers, "n_outliers")
    if n_outliers > n:
        raise ValueError(f"n_outliers must be at most n = {n}; got {n_outliers}")
    outlier_shift = as_scalar(outlier_shift, "outlier_shift")
    rng = np.random.default_rng(as_count(seed, "seed"))
    x = rng.uniform(0.0, 10.0, size=n)
    y = intercept + slope * x + noise * rng.normal(size=n)
    outliers = rng.choice(n, size=n_outliers, replace=False)
    y[outliers] += outlier_shift
    return x, y
