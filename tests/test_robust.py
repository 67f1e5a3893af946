"""Tests of l2course.robust: LAD and quantile regression against scikit-learn's linear program, Huber
regression against a generic optimizer, the pinball loss against the empirical quantile, gradients against
finite differences."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from sklearn.linear_model import HuberRegressor, QuantileRegressor  # noqa: E402
from sklearn.metrics import mean_pinball_loss  # noqa: E402

import l2course as l2  # noqa: E402
from l2course import robust  # noqa: E402

SMALL_INTS = st.integers(-20, 20).map(float)


def random_problem(seed, n, d, noise="t"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    e = rng.standard_t(2, size=n) if noise == "t" else rng.normal(size=n)
    return X, X @ rng.normal(size=d) + 0.5 + e


def design(X, fit_intercept=True):
    return np.column_stack([np.ones(len(X)), X]) if fit_intercept else np.asarray(X)


def coefficients(model):
    return np.r_[model.b, model.w]


# --------------------------------------------------------------------------- (sub)gradients


@given(
    arrays(np.float64, st.integers(1, 8), elements=st.floats(-5, 5)),
    st.floats(0.2, 3.0),
    st.sampled_from(["mean", "sum"]),
)
@settings(max_examples=60, deadline=None)
def test_huber_grad_matches_finite_differences(y_hat, delta, reduction):
    # Central differences are exact on each quadratic or linear piece; stay away from the kinks |r| = delta.
    y = np.zeros_like(y_hat)
    if np.any(np.abs(np.abs(y_hat) - delta) < 1e-3):
        return
    numeric = l2.numerical_gradient(lambda v: l2.huber(y, v, delta=delta, reduction=reduction), y_hat, h=1e-5)
    assert np.allclose(robust.huber_grad(y, y_hat, delta=delta, reduction=reduction), numeric, atol=1e-7)


def test_huber_grad_is_the_clipped_residual_and_bounded():
    y = np.array([0.0, 0.0, 0.0, 0.0])
    y_hat = np.array([-10.0, -0.3, 0.7, 42.0])
    per = robust.huber_grad(y, y_hat, delta=1.0, reduction="none")
    assert per.tolist() == [-1.0, -0.3, 0.7, 1.0]
    assert np.allclose(robust.huber_grad(y, y_hat, delta=1.0), per / 4)
    # huge delta: the gradient of half the squared error, y_hat - y
    assert np.allclose(robust.huber_grad(y, y_hat, delta=1e3, reduction="none"), y_hat - y)


@given(arrays(np.float64, st.integers(1, 10), elements=st.floats(-5, 5)), st.sampled_from(["mean", "sum"]))
@settings(max_examples=60, deadline=None)
def test_mae_subgrad_matches_finite_differences_away_from_zero(y_hat, reduction):
    y = np.zeros_like(y_hat)
    if np.any(np.abs(y_hat) < 1e-3):
        return
    scale = 1.0 / y.size if reduction == "mean" else 1.0
    numeric = l2.numerical_gradient(lambda v: scale * np.abs(y - v).sum(), y_hat)
    assert np.allclose(robust.mae_subgrad(y, y_hat, reduction=reduction), numeric, atol=1e-7)


def test_mae_subgrad_at_zero_is_a_subgradient():
    # 0 is in [-1, 1]: the subgradient inequality |x| >= |0| + g * x holds for every x
    g = robust.mae_subgrad([0.0], [0.0], reduction="none")[0]
    assert g == 0.0
    xs = np.linspace(-3, 3, 61)
    assert np.all(np.abs(xs) >= g * xs)


def test_reduction_is_validated():
    with pytest.raises(ValueError, match="reduction must be one of"):
        robust.huber_grad([1.0], [2.0], reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        robust.pinball_loss([1.0], [2.0], reduction="total")
    with pytest.raises(ValueError, match="delta"):
        robust.huber_grad([1.0], [2.0], delta=0.0)


# --------------------------------------------------------------------------- pinball loss


@pytest.mark.parametrize("tau", [0.05, 0.3, 0.5, 0.9])
def test_pinball_loss_equals_scikit_learn(tau):
    rng = np.random.default_rng(3)
    y, y_hat = rng.normal(size=40), rng.normal(size=40)
    assert robust.pinball_loss(y, y_hat, quantile=tau) == pytest.approx(
        mean_pinball_loss(y, y_hat, alpha=tau), rel=1e-12
    )


def test_pinball_at_one_half_is_half_the_absolute_error():
    rng = np.random.default_rng(4)
    y, y_hat = rng.normal(size=30), rng.normal(size=30)
    assert robust.pinball_loss(y, y_hat, quantile=0.5) == pytest.approx(0.5 * l2.mae(y, y_hat), rel=1e-12)


@pytest.mark.parametrize("tau", [0.0, 1.0, -0.1, 1.5, np.nan])
def test_pinball_quantile_must_be_inside_the_unit_interval(tau):
    with pytest.raises(ValueError, match="quantile"):
        robust.pinball_loss([1.0], [2.0], quantile=tau)


@given(
    arrays(np.float64, st.integers(1, 25), elements=SMALL_INTS),
    st.floats(0.01, 0.99),
)
@settings(max_examples=100, deadline=None)
def test_empirical_quantile_minimizes_the_pinball_loss(y, tau):
    """The tau-quantile (inverted CDF: the ceil(n tau)-th smallest value) is a minimizer of sum rho_tau."""
    q = np.sort(y)[int(np.ceil(len(y) * tau)) - 1]

    def cost(c):
        return robust.pinball_loss(y, np.full_like(y, c), quantile=tau, reduction="sum")

    best = cost(q)
    # the cost is piecewise linear with kinks at the data, so checking the data and beyond is exhaustive
    candidates = np.concatenate([y, [y.min() - 1.0, y.max() + 1.0]])
    assert all(best <= cost(c) + 1e-9 * (1 + abs(best)) for c in candidates)


def test_every_point_between_the_middle_values_minimizes_the_absolute_error():
    y = np.array([-1.0, 0.0, 2.0, 5.0, 10.0, 12.0])
    inside = [robust.pinball_loss(y, np.full(6, c), reduction="sum") for c in np.linspace(2, 5, 13)]
    assert np.allclose(inside, inside[0])
    outside = [robust.pinball_loss(y, np.full(6, c), reduction="sum") for c in (1.99, 5.01)]
    assert min(outside) > inside[0]


# --------------------------------------------------------------------------- Huber location


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-50, 50)), st.floats(0.05, 20))
@settings(max_examples=100, deadline=None)
def test_huber_location_minimizes_the_huber_cost(y, delta):
    c = robust.huber_location(y, delta=delta)

    def cost(v):
        return l2.huber(y, np.full_like(y, v), delta=delta, reduction="sum")

    grid = np.linspace(y.min() - 1, y.max() + 1, 801)
    assert cost(c) <= min(cost(v) for v in grid) + 1e-9 * (1 + cost(c))
    # first-order condition: the clipped residuals sum to zero
    assert abs(np.clip(y - c, -delta, delta).sum()) <= 1e-8 * len(y) * delta + 1e-9


def test_huber_location_interpolates_between_median_and_mean():
    y = np.array([-1.0, 0.0, 2.0, 5.0, 10.0])
    assert robust.huber_location(y, delta=11.0) == pytest.approx(np.mean(y), abs=1e-12)
    assert robust.huber_location(y, delta=0.01) == pytest.approx(np.median(y), abs=1e-12)


# --------------------------------------------------------------------------- LAD and quantile regression


def sklearn_quantile(X, y, tau, fit_intercept=True):
    return QuantileRegressor(quantile=tau, alpha=0.0, solver="highs", fit_intercept=fit_intercept).fit(X, y)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("tau", [0.1, 0.5, 0.75])
def test_quantile_regression_matches_the_linear_program(seed, tau):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(5, 60)), int(rng.integers(1, 4))
    X, y = random_problem(seed, n, d)
    ours = robust.fit_quantile(X, y, tau)
    ref = sklearn_quantile(X, y, tau)
    obj_ours = robust.pinball_loss(y, ours.predict(X), quantile=tau, reduction="sum")
    obj_ref = robust.pinball_loss(y, ref.predict(X), quantile=tau, reduction="sum")
    assert obj_ours <= obj_ref * (1 + 1e-10) + 1e-12, "the exact vertex method must be at least as good"
    assert obj_ours == pytest.approx(obj_ref, rel=1e-8)


@pytest.mark.parametrize("seed", range(10))
def test_lad_coefficients_equal_the_linear_program_when_unique(seed):
    # Continuous data with n odd: the LAD minimizer is unique with probability one.
    rng = np.random.default_rng(100 + seed)
    n, d = 2 * int(rng.integers(3, 30)) + 1, int(rng.integers(1, 4))
    X, y = random_problem(100 + seed, n, d)
    ours = robust.fit_least_absolute(X, y)
    ref = sklearn_quantile(X, y, 0.5)
    assert np.allclose(coefficients(ours), np.r_[ref.intercept_, ref.coef_], rtol=1e-7, atol=1e-8)


def test_lad_without_intercept_matches_the_linear_program():
    X, y = random_problem(7, 31, 2)
    ours = robust.fit_least_absolute(X, y, fit_intercept=False)
    ref = sklearn_quantile(X, y, 0.5, fit_intercept=False)
    assert ours.b == 0.0
    assert np.allclose(ours.w, ref.coef_, rtol=1e-7, atol=1e-8)


@given(
    st.integers(4, 14).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, n, elements=SMALL_INTS), arrays(np.float64, n, elements=SMALL_INTS)
        )
    ),
    st.sampled_from([0.25, 0.5, 0.8]),
)
@settings(max_examples=60, deadline=None)
def test_quantile_regression_on_degenerate_integer_data(xy, tau):
    """Ties and many collinear points: the objective still equals the linear program's."""
    x, y = xy
    if len(np.unique(x)) < 2:
        with pytest.raises(ValueError, match="rank"):
            robust.fit_quantile(x.reshape(-1, 1), y, tau)
        return
    X = x.reshape(-1, 1)
    ours = robust.fit_quantile(X, y, tau)
    ref = sklearn_quantile(X, y, tau)
    obj_ours = robust.pinball_loss(y, ours.predict(X), quantile=tau, reduction="sum")
    obj_ref = robust.pinball_loss(y, ref.predict(X), quantile=tau, reduction="sum")
    assert obj_ours <= obj_ref + 1e-7 * (1 + obj_ref)


def test_lad_line_passes_through_two_points_and_beats_every_pair_line():
    """An optimal LAD line with an intercept passes through two data points: compare with all pairs."""
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 10, 12), rng.normal(size=12)
    model = robust.fit_least_absolute(x.reshape(-1, 1), y)
    residual = y - model.predict(x.reshape(-1, 1))
    assert np.sum(np.abs(residual) < 1e-9) >= 2
    best = min(
        np.abs(y - (y[i] + (y[j] - y[i]) / (x[j] - x[i]) * (x - x[i]))).sum()
        for i in range(12)
        for j in range(i + 1, 12)
    )
    assert np.abs(residual).sum() == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_fraction_of_points_below_a_quantile_fit(tau):
    """Koenker's property: #{r < 0} <= n tau <= #{r <= 0} at a quantile-regression solution (p = 2)."""
    X, y = random_problem(5, 101, 1)
    r = y - robust.fit_quantile(X, y, tau).predict(X)
    r[np.abs(r) < 1e-9] = 0.0
    assert np.sum(r < 0) <= 101 * tau <= np.sum(r <= 0)


def test_fit_quantile_validates_its_input():
    with pytest.raises(ValueError, match="rank"):
        robust.fit_least_absolute([[1.0], [1.0], [1.0]], [1.0, 2.0, 3.0])  # constant column + intercept
    with pytest.raises(ValueError, match="quantile"):
        robust.fit_quantile([[0.0], [1.0]], [0.0, 1.0], quantile=1.0)
    with pytest.raises(ValueError, match="reshape"):
        robust.fit_least_absolute([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        robust.fit_least_absolute([[0.0], [1.0], [np.nan]], [0.0, 1.0, 2.0])


# --------------------------------------------------------------------------- Huber regression


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("delta", [0.05, 0.5, 2.0])
def test_huber_regression_matches_a_generic_optimizer(seed, delta):
    rng = np.random.default_rng(200 + seed)
    n, d = int(rng.integers(5, 60)), int(rng.integers(1, 4))
    X, y = random_problem(200 + seed, n, d)
    Z = design(X)

    def objective(theta):
        return l2.huber(y, Z @ theta, delta=delta, reduction="sum")

    def gradient(theta):  # the chain rule written out independently: -Z^T clip(r, -delta, delta)
        return -Z.T @ np.clip(y - Z @ theta, -delta, delta)

    ref = minimize(objective, np.zeros(d + 1), jac=gradient, method="BFGS", options={"gtol": 1e-11})
    ours = coefficients(robust.fit_huber(X, y, delta))
    assert objective(ours) <= ref.fun + 1e-9 * (1 + ref.fun)
    assert np.abs(gradient(ours)).max() < 1e-8 * (1 + np.abs(y).sum())
    # the Huber objective is strictly convex when the quadratic zone holds full-rank rows: compare points
    inside = np.abs(y - Z @ ours) < delta
    if np.linalg.matrix_rank(Z[inside]) == Z.shape[1]:
        assert np.allclose(ours, ref.x, atol=1e-5)


def test_huber_regression_with_huge_delta_is_least_squares():
    X, y = random_problem(9, 40, 3, noise="normal")
    ours = robust.fit_huber(X, y, delta=1e6)
    ls = l2.fit_least_squares(X, y)
    assert np.allclose(coefficients(ours), coefficients(ls), rtol=1e-10, atol=1e-10)


def test_huber_regression_with_tiny_delta_approaches_lad():
    X, y = random_problem(10, 41, 1)
    lad = robust.fit_least_absolute(X, y)
    lad_cost = np.abs(y - lad.predict(X)).sum()
    for delta in (1e-2, 1e-4):
        huber = robust.fit_huber(X, y, delta)
        # sum|r| - n delta/2 <= sum huber/delta <= sum |r|, so its LAD cost is within n delta / 2 of optimal
        assert np.abs(y - huber.predict(X)).sum() <= lad_cost + 41 * delta / 2 + 1e-9
        assert np.allclose(coefficients(huber), coefficients(lad), atol=delta)  # LAD is unique here (n odd)


def test_scikit_learn_huber_regressor_is_fit_huber_at_its_own_scale():
    """With alpha = 0 and sigma fixed at its fitted scale_, HuberRegressor's w minimizes sum huber(r; eps sigma)."""
    x, y = l2.make_regression_1d(30, n_outliers=4, seed=0)
    X = x.reshape(-1, 1)
    sk = HuberRegressor(alpha=0.0, epsilon=1.35, tol=1e-10, max_iter=10_000).fit(X, y)
    ours = robust.fit_huber(X, y, delta=1.35 * sk.scale_)
    assert np.allclose(coefficients(ours), np.r_[sk.intercept_, sk.coef_], rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- influence, smearing, plots


def test_estimate_with_outlier_mean_is_unbounded_median_is_bounded():
    y = np.array([-1.0, 0.0, 2.0, 5.0, 10.0])
    z = np.linspace(-1e3, 1e3, 21)
    means = robust.estimate_with_outlier(y, z, np.mean)
    medians = robust.estimate_with_outlier(y, z, np.median)
    assert np.allclose(np.diff(means) / np.diff(z), 1 / 6)
    assert medians.min() == pytest.approx(1.0) and medians.max() == pytest.approx(3.5)
    with pytest.raises(TypeError, match="callable"):
        robust.estimate_with_outlier(y, z, "median")


def test_smearing_factor_estimates_the_lognormal_mean_factor():
    e = np.random.default_rng(12).normal(0.0, 0.6, size=200_000)
    assert robust.smearing_factor(e) == pytest.approx(np.exp(0.6**2 / 2), rel=5e-3)
    assert robust.smearing_factor(np.zeros(3)) == 1.0


def test_plot_helpers_use_the_palette_roles():
    x, y = l2.make_regression_1d(10, n_outliers=2, seed=1)
    lines = {
        "least squares": l2.fit_least_squares(x.reshape(-1, 1), y),
        "least absolute deviations": robust.fit_least_absolute(x.reshape(-1, 1), y),
        "Huber": robust.fit_huber(x.reshape(-1, 1), y, 1.0),
    }
    ax = robust.plot_fitted_lines(x, y, lines, highlight=y > 1 + 2 * x + 5)
    assert [line.get_color() for line in ax.get_lines()] == [
        l2.PALETTE["l2"],
        l2.PALETTE["l1"],
        l2.PALETTE["huber"],
    ]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one weight"):
        robust.plot_fitted_lines(x, y, {"two": l2.LinearModel(np.ones(2), 0.0)})
    plt.close("all")
