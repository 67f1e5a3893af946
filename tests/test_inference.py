"""Tests of l2course.inference: each formula against an independent computation or identity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l2course as l2
from l2course import inference as inf


def random_problem(seed, n=30, d=3, *, outlier=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + 1.5 + rng.normal(size=n)
    if outlier:
        X[0] = 8.0
        y[0] = -10.0
    return X, y


def explicit_hat(A):
    return A @ np.linalg.inv(A.T @ A) @ A.T


# --- covariance and standard errors -----------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_ols_covariance_is_sigma2_times_inverse_gram(seed, fit_intercept):
    X, _ = random_problem(seed)
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    assert np.allclose(inf.ols_covariance(X, 2.5, fit_intercept=fit_intercept),
                       2.5 * np.linalg.inv(A.T @ A), rtol=1e-9, atol=1e-14)


def test_covariance_of_the_weights_is_that_of_the_centred_design():
    # Frisch-Waugh: with an intercept, Cov(w_hat) = sigma2 (Xc' Xc)^-1 and
    # Var(b_hat) = sigma2 (1/n + xbar' (Xc' Xc)^-1 xbar)
    X, _ = random_problem(1)
    cov = inf.ols_covariance(X, 1.0)
    Xc = X - X.mean(axis=0)
    G = np.linalg.inv(Xc.T @ Xc)
    xbar = X.mean(axis=0)
    assert np.allclose(cov[:-1, :-1], G, rtol=1e-9)
    assert np.isclose(cov[-1, -1], 1 / len(X) + xbar @ G @ xbar, rtol=1e-9)
    assert np.allclose(cov[:-1, -1], -G @ xbar, rtol=1e-9, atol=1e-14)


def test_estimator_covariance_of_least_squares_matches_ols_covariance():
    X, _ = random_problem(2)
    A = inf.design(X)
    C = np.linalg.pinv(A)
    assert np.allclose(inf.estimator_covariance(C, 0.7), inf.ols_covariance(X, 0.7), rtol=1e-9)
    assert np.allclose(inf.estimator_covariance(C, np.full(len(X), 0.7)), inf.ols_covariance(X, 0.7), rtol=1e-9)
    assert np.allclose(inf.estimator_covariance(C, 0.7 * np.eye(len(X))), inf.ols_covariance(X, 0.7), rtol=1e-9)


def test_fit_matches_fit_least_squares_and_the_unbiased_noise_variance():
    X, y = random_problem(3)
    fit = inf.fit_ols_inference(X, y)
    ref = l2.fit_least_squares(X, y)
    assert np.allclose(fit.w, ref.w, rtol=1e-9) and np.isclose(fit.b, ref.b, rtol=1e-9)
    n, p = X.shape[0], X.shape[1] + 1
    assert fit.dof == n - p
    assert np.isclose(fit.noise_var, l2.sse(y, ref.predict(X)) / (n - p), rtol=1e-10)
    assert np.allclose(fit.covariance, inf.ols_covariance(X, fit.noise_var), rtol=1e-9)
    assert np.allclose(fit.stderr**2, np.diag(fit.covariance), rtol=1e-12)


def test_confidence_interval_is_coef_plus_minus_t_quantile_times_stderr():
    stats = pytest.importorskip("scipy.stats")
    X, y = random_problem(4)
    fit = inf.fit_ols_inference(X, y, fit_intercept=False)
    for level in (0.5, 0.9, 0.99):
        ci = fit.conf_int(level)
        # the interval holds exactly the t-statistics with |t| <= quantile
        t_ends = (ci - fit.coef[:, None]) / fit.stderr[:, None]
        assert np.allclose(stats.t.cdf(t_ends, fit.dof), [(1 - level) / 2, (1 + level) / 2], atol=1e-10)
    with pytest.raises(ValueError, match="level"):
        fit.conf_int(1.0)


def test_simulated_covariance_and_coverage():
    """A seeded simulation: mean within Monte-Carlo error, covariance within 4 standard errors, coverage in band."""
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 10, size=(12, 1))
    theta = np.array([0.5, 2.0])
    n_rep = 4000
    est = inf.simulate_estimates(X, theta, noise_var=4.0, n_rep=n_rep, seed=6)
    cov = inf.ols_covariance(X, 4.0)
    assert np.all(np.abs(est.mean(axis=0) - theta) < 4 * np.sqrt(np.diag(cov) / n_rep))
    assert np.all(np.abs(np.cov(est.T) - cov) < 4 * inf.sample_covariance_se(cov, n_rep))
    # coverage of the t interval for the slope, from a fresh fit per replication
    A = inf.design(X)
    Y = (A @ theta)[None, :] + 2.0 * np.random.default_rng(7).normal(size=(n_rep, 12))
    covered = [
        (lambda ci: ci[0, 0] <= theta[0] <= ci[0, 1])(inf.fit_ols_inference(X, yy).conf_int(0.95))
        for yy in Y[:1000]
    ]
    low, high = stats.binom.interval(0.999, 1000, 0.95)
    assert low <= sum(covered) <= high


@pytest.mark.parametrize("noise", inf.NOISES)
def test_simulated_noise_has_the_asked_variance(noise):
    # intercept-only model without features: the estimate is the mean of n errors plus theta
    est = inf.simulate_estimates(np.ones((1, 1)), [0.0], noise_var=3.0, n_rep=20_000, seed=1,
                                 fit_intercept=False, noise=noise)
    assert abs(est.var() - 3.0) < 0.15 and abs(est.mean()) < 0.05


def test_simulation_is_seeded_and_uses_the_given_estimator():
    X, _ = random_problem(8, n=10, d=1)
    a = inf.simulate_estimates(X, [1.0, 2.0], noise_var=1.0, n_rep=5, seed=3)
    b = inf.simulate_estimates(X, [1.0, 2.0], noise_var=1.0, n_rep=5, seed=3)
    assert np.array_equal(a, b)
    half = np.zeros(10)
    half[:5] = 1
    C = inf.linear_unbiased_estimator(X, half[:, None] * inf.design(X))
    c = inf.simulate_estimates(X, [1.0, 2.0], noise_var=1.0, n_rep=5, seed=3, estimator=C)
    # least squares on the first five rows, refitted by hand on the same noise draws
    A = inf.design(X)
    eps = np.random.default_rng(3).standard_normal((5, 10))
    by_hand = np.array([np.linalg.lstsq(A[:5], (A @ [1.0, 2.0] + e)[:5], rcond=None)[0] for e in eps])
    assert np.allclose(c, by_hand, rtol=1e-9)


# --- Gauss-Markov -------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_any_unbiased_linear_estimator_has_a_psd_larger_covariance(seed):
    X, _ = random_problem(seed, n=15, d=2)
    A = inf.design(X)
    M = A + np.random.default_rng(seed).normal(size=A.shape)  # another full-rank instrument
    C = inf.linear_unbiased_estimator(X, M)
    assert np.allclose(C @ A, np.eye(3), atol=1e-9)  # unbiased
    gap = inf.estimator_covariance(C, 1.0) - inf.ols_covariance(X, 1.0)
    assert np.linalg.eigvalsh(gap)[0] >= -1e-10 * np.abs(gap).max()


def test_weighted_least_squares_beats_ols_under_heteroscedastic_errors():
    X, _ = random_problem(9, n=40, d=1)
    v = np.exp(np.linspace(-2, 2, 40))  # error variances
    A = inf.design(X)
    wls = inf.linear_unbiased_estimator(X, A / v[:, None])
    ols = np.linalg.pinv(A)
    gap = inf.estimator_covariance(ols, v) - inf.estimator_covariance(wls, v)
    assert np.linalg.eigvalsh(gap)[0] >= -1e-12
    assert np.allclose(inf.estimator_covariance(wls, v), np.linalg.inv(A.T @ (A / v[:, None])), rtol=1e-9)


# --- leverage and influence ----------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_leverage_is_the_diagonal_of_the_hat_matrix(seed, fit_intercept):
    X, _ = random_problem(seed)
    h = inf.leverage(X, fit_intercept=fit_intercept)
    A = inf.design(X, fit_intercept=fit_intercept)
    assert np.allclose(h, np.diag(explicit_hat(A)), atol=1e-10)
    assert np.all(h >= -1e-12) and np.all(h <= 1 + 1e-12)
    assert np.isclose(h.sum(), A.shape[1], rtol=1e-10)  # trace P = number of columns
    if fit_intercept:
        assert np.all(h >= 1 / len(X) - 1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cooks_distance_and_studentized_residuals_equal_leave_one_out_refits(fit_intercept):
    X, y = random_problem(10, n=20, d=2, outlier=True)
    out = inf.influence(X, y, fit_intercept=fit_intercept)
    A = inf.design(X, fit_intercept=fit_intercept)
    n, p = A.shape
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    r = y - A @ theta
    s2 = r @ r / (n - p)
    for i in range(n):
        keep = np.arange(n) != i
        theta_i = np.linalg.lstsq(A[keep], y[keep], rcond=None)[0]
        r_i = y[keep] - A[keep] @ theta_i
        s2_i = r_i @ r_i / (n - p - 1)
        cook = np.sum((A @ (theta - theta_i)) ** 2) / (p * s2)
        assert np.isclose(out.cooks_distance[i], cook, rtol=1e-8)
        # the external studentized residual is the prediction error of the deleted point, standardized
        pred_err = y[i] - A[i] @ theta_i
        se = np.sqrt(s2_i * (1 + A[i] @ np.linalg.inv(A[keep].T @ A[keep]) @ A[i]))
        assert np.isclose(out.studentized_external[i], pred_err / se, rtol=1e-8)
    assert np.allclose(out.residual, r, atol=1e-10)
    assert np.allclose(out.studentized_internal, r / np.sqrt(s2 * (1 - out.leverage)), rtol=1e-9)
    assert np.argmax(out.cooks_distance) == 0  # the planted high-leverage outlier


def test_leverage_one_gives_nan_not_an_error():
    # a dummy column that is 1 only in row 0: that row is fitted exactly
    rng = np.random.default_rng(11)
    X = np.column_stack([rng.normal(size=8), np.eye(8)[0]])
    out = inf.influence(X, rng.normal(size=8))
    assert np.isclose(out.leverage[0], 1.0)
    assert np.isnan(out.cooks_distance[0]) and np.isnan(out.studentized_external[0])
    assert np.all(np.isfinite(out.cooks_distance[1:]))


# --- statsmodels, where it is installed -------------------------------------------------------------


def test_against_statsmodels_ols_and_influence():
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.stats.outliers_influence import OLSInfluence

    X, y = random_problem(12, n=25, d=2, outlier=True)
    A = inf.design(X)  # intercept last, as statsmodels sees it when the column is appended
    res = sm.OLS(y, A).fit()
    fit = inf.fit_ols_inference(X, y)
    assert np.allclose(fit.coef, res.params, rtol=1e-9)
    assert np.allclose(fit.stderr, res.bse, rtol=1e-9)
    assert np.allclose(fit.covariance, res.cov_params(), rtol=1e-9)
    assert np.isclose(fit.noise_var, res.mse_resid, rtol=1e-10)
    assert np.allclose(fit.conf_int(0.9), res.conf_int(alpha=0.1), rtol=1e-9)
    ref = OLSInfluence(res)
    out = inf.influence(X, y)
    assert np.allclose(out.leverage, ref.hat_matrix_diag, rtol=1e-9)
    assert np.allclose(out.studentized_internal, ref.resid_studentized_internal, rtol=1e-9)
    assert np.allclose(out.studentized_external, ref.resid_studentized_external, rtol=1e-9)
    assert np.allclose(out.cooks_distance, ref.cooks_distance[0], rtol=1e-9)


# --- validation --------------------------------------------------------------------------------------


def test_rank_deficient_design_is_refused_with_a_clear_message():
    X = np.column_stack([np.arange(6.0), 2 * np.arange(6.0)])
    for call in (lambda: inf.ols_covariance(X, 1.0), lambda: inf.leverage(X),
                 lambda: inf.fit_ols_inference(X, np.arange(6.0)), lambda: inf.influence(X, np.arange(6.0))):
        with pytest.raises(ValueError, match="rank 2"):
            call()


def test_bad_arguments_name_themselves():
    X = np.arange(10.0).reshape(-1, 1)
    with pytest.raises(ValueError, match="X must be 2-D"):
        inf.leverage(np.arange(5.0))
    with pytest.raises(ValueError, match="noise_var"):
        inf.ols_covariance(X, -1.0)
    with pytest.raises(ValueError, match="theta has shape"):
        inf.simulate_estimates(X, [1.0], noise_var=1.0, n_rep=3)
    with pytest.raises(ValueError, match="noise must be one of"):
        inf.simulate_estimates(X, [1.0, 0.0], noise_var=1.0, n_rep=3, noise="cauchy")
    with pytest.raises(ValueError, match="estimator has shape"):
        inf.simulate_estimates(X, [1.0, 0.0], noise_var=1.0, n_rep=3, estimator=np.ones((2, 3)))
    with pytest.raises(ValueError, match="M has shape"):
        inf.linear_unbiased_estimator(X, np.ones((10, 1)))
    with pytest.raises(ValueError, match="M.T @ A is singular"):
        inf.linear_unbiased_estimator(X, np.ones((10, 2)))
    with pytest.raises(ValueError, match="n - p must be >= 1"):
        inf.fit_ols_inference(X[:2], [1.0, 2.0])
    with pytest.raises(ValueError, match="error_cov has shape"):
        inf.estimator_covariance(np.ones((1, 3)), np.ones(4))
    with pytest.raises(TypeError, match="fit_intercept"):
        inf.design(X, fit_intercept="yes")
    with pytest.raises(ValueError, match="symmetric"):
        inf.sample_covariance_se([[1.0, 2.0], [0.0, 1.0]], 10)


def test_plots_draw_what_they_say():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = inf.plot_confidence_intervals([[0.0, 2.0], [1.5, 3.0], [-1.0, 0.5], [0.9, 1.1]], 1.0)
    assert [len(c.get_segments()) for c in ax.collections] == [2, 2]  # covering, missing
    plt.close(ax.figure)
    ax = inf.plot_cooks_distance([0, 1, 2], [0.1, 0.05, 2.0], threshold=1.0)
    assert np.allclose(ax.collections[1].get_offsets()[:, 1], [0.1, 0.05, 2.0])
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="lower <= upper"):
        inf.plot_confidence_intervals([[2.0, 1.0]], 1.0)


def test_simulated_intervals_are_those_of_fit_ols_inference_on_the_same_draws():
    pytest.importorskip("scipy")
    X, _ = random_problem(13, n=12, d=2)
    theta = np.array([1.0, -0.5, 2.0])
    ci = inf.simulate_intervals(X, theta, noise_var=0.5, n_rep=6, level=0.9, seed=4, noise="laplace")
    A = inf.design(X)
    # Laplace with scale g has variance 2 g^2: g = 0.5 gives the variance 0.5
    eps = np.random.default_rng(4).laplace(0.0, 0.5, (6, 12))
    for k in range(6):
        ref = inf.fit_ols_inference(X, A @ theta + eps[k]).conf_int(0.9)
        assert np.allclose(ci[k], ref, rtol=1e-9, atol=1e-12)


def test_heteroscedastic_simulation_matches_the_sandwich_covariance():
    X, _ = random_problem(14, n=15, d=1)
    v = np.linspace(0.1, 3.0, 15)
    est = inf.simulate_estimates(X, [1.0, 0.5], noise_var=1.0, n_rep=6000, seed=2, error_var=v)
    cov = inf.estimator_covariance(np.linalg.pinv(inf.design(X)), v)
    assert np.all(np.abs(np.cov(est.T) - cov) < 4 * inf.sample_covariance_se(cov, 6000))
    with pytest.raises(ValueError, match="error_var"):
        inf.simulate_estimates(X, [1.0, 0.5], noise_var=1.0, n_rep=3, error_var=-v)
