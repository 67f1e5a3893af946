"""Tests of l2course.data: the documented values and generating parameters, and seeding."""

import numpy as np
import pytest

import l2course as l2


def test_house_price_example_values():
    y, y_hat = l2.house_price_example()
    np.testing.assert_array_equal(y, [200_000, 400_000, 300_000])
    np.testing.assert_array_equal(y_hat, [220_000, 385_000, 305_000])
    assert y.dtype == y_hat.dtype == np.float64
    # the chapter 1 numbers: 4e8, 2.25e8, 2.5e7 dollars squared
    np.testing.assert_array_equal((y - y_hat) ** 2, [4e8, 2.25e8, 2.5e7])


def test_house_price_example_returns_fresh_arrays():
    y, _ = l2.house_price_example()
    y[0] = -1.0
    assert l2.house_price_example()[0][0] == 200_000


@pytest.mark.parametrize(
    "make", [l2.make_house_prices, l2.make_regression_1d], ids=["house", "regression_1d"]
)
def test_deterministic_per_seed_and_different_across_seeds(make):
    a = make(40, seed=3)
    b = make(40, seed=3)
    c = make(40, seed=4)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    for u, w in zip(a, c, strict=True):
        assert not np.allclose(u, w)
    default = make(40)
    for u, v in zip(default, make(40, seed=0), strict=True):
        np.testing.assert_array_equal(u, v)


def test_generators_do_not_use_global_random_state():
    np.random.seed(1)  # noqa: NPY002 (the legacy global state must not matter)
    first = l2.make_regression_1d(10)
    np.random.seed(2)  # noqa: NPY002 (the legacy global state must not matter)
    np.random.normal(size=5)  # noqa: NPY002
    second = l2.make_regression_1d(10)
    np.testing.assert_array_equal(first[1], second[1])


def test_make_house_prices_documented_parameters():
    """Least squares on a large sample recovers the documented line and noise level."""
    area, price = l2.make_house_prices(20_000, seed=5)
    assert area.shape == price.shape == (20_000,)
    assert area.min() >= 40 and area.max() <= 200
    assert np.all(np.round(area, 1) == area)  # rounded to 0.1 m^2
    assert np.all(np.round(price) == price)  # whole dollars
    model = l2.fit_least_squares(area.reshape(-1, 1), price)
    # standard errors: slope ~ 25000 / (46 * sqrt(20000)) ~ 4, intercept ~ 500
    assert model.w[0] == pytest.approx(2_500, abs=25)
    assert model.b == pytest.approx(50_000, abs=3_000)
    assert l2.rmse(price, model.predict(area.reshape(-1, 1))) == pytest.approx(25_000, rel=0.03)


def test_make_regression_1d_documented_parameters():
    x, y = l2.make_regression_1d(20_000, slope=-3.0, intercept=4.0, noise=0.5, seed=2)
    assert x.min() >= 0 and x.max() <= 10
    assert x.mean() == pytest.approx(5.0, abs=0.1)
    model = l2.fit_least_squares(x.reshape(-1, 1), y)
    assert model.w[0] == pytest.approx(-3.0, abs=0.01)
    assert model.b == pytest.approx(4.0, abs=0.05)
    assert l2.rmse(y, model.predict(x.reshape(-1, 1))) == pytest.approx(0.5, rel=0.03)


def test_make_regression_1d_noise_free_is_the_line():
    x, y = l2.make_regression_1d(25, noise=0.0)
    np.testing.assert_allclose(y, 1.0 + 2.0 * x, rtol=1e-15)


@pytest.mark.parametrize("k", [0, 1, 5, 30])
def test_outliers_shift_exactly_k_points(k):
    x0, y0 = l2.make_regression_1d(30, seed=9)
    x, y = l2.make_regression_1d(30, n_outliers=k, outlier_shift=-7.5, seed=9)
    np.testing.assert_array_equal(x, x0)  # same x, same clean y
    shift = y - y0
    moved = ~np.isclose(shift, 0.0)
    assert moved.sum() == k
    np.testing.assert_allclose(shift[moved], -7.5, rtol=1e-12)


def test_outlier_positions_depend_on_seed():
    def positions(seed):
        _, clean = l2.make_regression_1d(50, seed=seed)
        _, dirty = l2.make_regression_1d(50, n_outliers=3, seed=seed)
        return set(np.flatnonzero(~np.isclose(dirty, clean)))

    assert len({frozenset(positions(s)) for s in range(5)}) > 1


def test_data_validation():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        l2.make_house_prices(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        l2.make_house_prices(2.5)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        l2.make_house_prices(5, seed=-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        l2.make_regression_1d(5, seed=None)
    with pytest.raises(ValueError, match="n_outliers must be at most n = 5"):
        l2.make_regression_1d(5, n_outliers=6)
    with pytest.raises(ValueError, match="n_outliers must be an integer >= 0"):
        l2.make_regression_1d(5, n_outliers=-1)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        l2.make_regression_1d(5, noise=-1.0)
    with pytest.raises(ValueError, match="slope must be a finite number"):
        l2.make_regression_1d(5, slope=np.nan)
    with pytest.raises(TypeError, match="intercept must hold numbers"):
        l2.make_regression_1d(5, intercept="1")
    with pytest.raises(ValueError, match="outlier_shift must be a finite number"):
        l2.make_regression_1d(5, outlier_shift=np.inf)
