"""Tests for l2course.ridge_stats: each law against an independent computation (refits, scikit-learn, matrices)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold

import l2course as l2
from l2course import regularization as reg
from l2course import ridge_stats as rs


def make_design(n=30, d=4, seed=0):
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=(n, 1))
    X = rng.normal(size=(n, d)) + 0.9 * shared + rng.normal(size=d)  # correlated, not centred
    w = rng.normal(size=d)
    return X, w


def linear_map(X, fit_intercept=True):
    """The matrix C with w_hat = C y, column by column: fit_ridge to each unit vector (ridge is linear in y)."""
    n = len(X)
    return lambda alpha: np.column_stack(
        [l2.fit_ridge(X, np.eye(n)[i], alpha, fit_intercept=fit_intercept).w for i in range(n)]
    )


# ----------------------------------------------------------------------------- bias, variance, MSE
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_risk_equals_mean_and_covariance_of_the_linear_map(fit_intercept):
    """E w_hat = C (X w + b), Cov w_hat = sigma^2 C C^T for the map C obtained by refitting unit vectors."""
    X, w = make_design()
    noise_var, b = 2.5, 3.0 if fit_intercept else 0.0
    alphas = np.array([0.0, 0.3, 4.0, 50.0])
    risk = rs.ridge_estimate_risk(X, w, alphas, noise_var=noise_var, fit_intercept=fit_intercept)
    C_of = linear_map(X, fit_intercept)
    for k, alpha in enumerate(alphas):
        C = C_of(alpha)
        bias = C @ (X @ w + b) - w
        assert risk.bias_sq[k] == pytest.approx(bias @ bias, rel=1e-9, abs=1e-14)
        assert risk.variance[k] == pytest.approx(noise_var * np.trace(C @ C.T), rel=1e-9)
    assert np.allclose(risk.mse, risk.bias_sq + risk.variance)
    # at alpha = 0 this is least squares: unbiased with variance sigma^2 tr (Xc^T Xc)^-1
    Xc = X - X.mean(axis=0) if fit_intercept else X
    assert risk.bias_sq[0] == pytest.approx(0.0, abs=1e-20)
    assert risk.variance[0] == pytest.approx(noise_var * np.trace(np.linalg.inv(Xc.T @ Xc)), rel=1e-10)


def test_risk_matches_the_matrix_formulas_of_the_theorem():
    X, w = make_design(seed=3)
    Xc = X - X.mean(axis=0)
    G, alpha, noise_var = Xc.T @ Xc, 7.0, 0.8
    M = np.linalg.inv(G + alpha * np.eye(X.shape[1]))
    bias = M @ G @ w - w
    cov = noise_var * M @ G @ M
    risk = rs.ridge_estimate_risk(X, w, alpha, noise_var=noise_var)
    assert risk.bias_sq[0] == pytest.approx(bias @ bias, rel=1e-10)
    assert risk.variance[0] == pytest.approx(np.trace(cov), rel=1e-10)


def test_derivative_is_the_slope_of_the_mse():
    X, w = make_design(seed=1)
    alphas, h = np.array([0.5, 3.0, 20.0, 200.0]), 1e-4
    exact = rs.ridge_risk_derivative(X, w, alphas, noise_var=1.7)
    up = rs.ridge_estimate_risk(X, w, alphas + h, noise_var=1.7).mse
    down = rs.ridge_estimate_risk(X, w, alphas - h, noise_var=1.7).mse
    assert np.allclose(exact, (up - down) / (2 * h), rtol=1e-6, atol=1e-12)
    # at alpha = 0: -2 sigma^2 sum 1 / mu_j^2, negative
    Xc = X - X.mean(axis=0)
    mu = np.linalg.eigvalsh(Xc.T @ Xc)
    at_zero = rs.ridge_risk_derivative(X, w, 0.0, noise_var=1.7)[0]
    assert at_zero == pytest.approx(-2 * 1.7 * np.sum(1 / mu**2), rel=1e-9) and at_zero < 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 20.0), st.integers(1, 5))
def test_hoerl_kennard_range_holds_on_random_problems(seed, noise_var, d):
    X, w = make_design(n=12, d=d, seed=seed)
    hk = rs.hoerl_kennard_range(X, w, noise_var=noise_var)
    assert hk.better_than_ls_below == pytest.approx(2 * hk.decreasing_below)
    # theta is w in the eigenbasis of Xc^T Xc: its norm is ||w||, so the bound is at least 2 sigma^2 / ||w||^2
    assert np.linalg.norm(hk.theta) == pytest.approx(np.linalg.norm(w), rel=1e-10)
    assert hk.better_than_ls_below >= 2 * noise_var / (w @ w) * (1 - 1e-12)
    grid = np.linspace(0, hk.better_than_ls_below, 202)[1:-1]
    mse = rs.ridge_estimate_risk(X, w, np.append(0.0, grid), noise_var=noise_var).mse
    assert np.all(mse[1:] < mse[0])
    below = grid[grid <= hk.decreasing_below]
    assert np.all(rs.ridge_risk_derivative(X, w, below, noise_var=noise_var) < 0)


def test_the_factor_two_cannot_be_raised():
    """One feature with a large mu: just above 2 sigma^2 / theta^2 ridge is worse than least squares."""
    X, w, noise_var = np.array([[100.0]]), np.array([1.0]), 1.0
    hk = rs.hoerl_kennard_range(X, w, noise_var=noise_var, fit_intercept=False)
    risk = rs.ridge_estimate_risk(X, w, [0.0, 0.95 * 2, 1.05 * 2], noise_var=noise_var, fit_intercept=False)
    assert hk.better_than_ls_below == pytest.approx(2.0)
    assert risk.mse[1] < risk.mse[0] < risk.mse[2]


def test_simulation_refits_and_agrees_with_the_closed_form():
    X, w = make_design(n=25, d=3, seed=2)
    alphas, noise_var, n_rep, seed, b = np.array([0.0, 2.0, 30.0]), 1.5, 4000, 7, -1.0
    W = rs.simulate_ridge_estimates(X, w, alphas, noise_var=noise_var, n_rep=n_rep, seed=seed, b=b)
    assert W.shape == (n_rep, 3, 3)
    z = np.random.default_rng(seed).standard_normal((n_rep, len(X)))
    y5 = X @ w + b + np.sqrt(noise_var) * z[5]
    for k, alpha in enumerate(alphas):
        assert np.allclose(W[5, k], l2.fit_ridge(X, y5, alpha).w, rtol=1e-9, atol=1e-12)
    sq = np.sum((W - w) ** 2, axis=2)
    risk = rs.ridge_estimate_risk(X, w, alphas, noise_var=noise_var)
    se = sq.std(axis=0, ddof=1) / np.sqrt(n_rep)
    assert np.all(np.abs(sq.mean(axis=0) - risk.mse) < 4 * se)
    # a wrong variance (sigma^2 doubled) is caught at the same tolerance
    wrong = rs.ridge_estimate_risk(X, w, alphas, noise_var=2 * noise_var)
    assert np.all(np.abs(sq.mean(axis=0) - wrong.mse) > 4 * se)


# ----------------------------------------------------------------------------- smoother, LOO, GCV
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_smoother_reproduces_the_fit_and_its_trace(fit_intercept):
    X, w = make_design(seed=4)
    y = X @ w + 2.0 + np.random.default_rng(0).normal(size=len(X))
    S = rs.ridge_smoother(X, 3.0, fit_intercept=fit_intercept)
    fit = l2.fit_ridge(X, y, 3.0, fit_intercept=fit_intercept)
    assert np.allclose(S @ y, fit.predict(X), rtol=1e-10)
    expected = reg.effective_dof(X, 3.0, fit_intercept=fit_intercept) + (1.0 if fit_intercept else 0.0)
    assert np.trace(S) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(30, 4), (8, 12)])
def test_loo_residuals_equal_brute_force_refits(fit_intercept, shape):
    rng = np.random.default_rng(5)
    X = rng.normal(size=shape) + 1.0
    y = X @ rng.normal(size=shape[1]) + 1.0 + rng.normal(size=shape[0])
    alpha = 2.0
    brute = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        model = l2.fit_ridge(X[keep], y[keep], alpha, fit_intercept=fit_intercept)
        brute.append(y[i] - model.predict(X[i : i + 1])[0])
    assert np.allclose(rs.loo_residuals(X, y, alpha, fit_intercept=fit_intercept), brute, rtol=1e-9, atol=1e-12)
    curves = rs.loo_gcv_curves(X, y, [alpha], fit_intercept=fit_intercept)
    assert curves.loo_mse[0] == pytest.approx(np.mean(np.square(brute)), rel=1e-9)


def test_loo_curve_and_choice_are_ridgecv_defaults():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 10)) + 0.7 * rng.normal(size=(40, 1))
    y = X[:, :3] @ [2.0, -1.0, 1.0] + 5.0 + 1.5 * rng.normal(size=40)
    alphas = np.logspace(-2, 3, 21)
    ours = rs.loo_gcv_curves(X, y, alphas)
    for mode in ("auto", "svd", "eigen"):
        sk = RidgeCV(alphas=alphas, gcv_mode=mode, store_cv_results=True).fit(X, y)
        assert sk.cv_results_.shape == (40, 21)
        assert np.allclose(sk.cv_results_.mean(axis=0), ours.loo_mse, rtol=1e-8)
        assert sk.alpha_ == ours.best_loo_alpha
    # GCV is a different curve (an approximation of it), not what RidgeCV computes
    assert not np.allclose(ours.gcv, ours.loo_mse, rtol=1e-3)


def test_gcv_formula_and_its_exactness_for_constant_leverage():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(25, 6))
    y = X @ rng.normal(size=6) + rng.normal(size=25)
    alpha = 4.0
    S = rs.ridge_smoother(X, alpha)
    r = y - S @ y
    curves = rs.loo_gcv_curves(X, y, [alpha])
    assert curves.trace[0] == pytest.approx(np.trace(S), rel=1e-10)
    assert curves.gcv[0] == pytest.approx(25 * (r @ r) / (25 - np.trace(S)) ** 2, rel=1e-10)
    # a 2^3 factorial design (+-1 columns, each row pattern twice): every S_ii is the same, so GCV = LOO
    levels = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T.astype(float)
    F = np.vstack([levels, levels])
    yF = F @ [1.0, -2.0, 0.5] + rng.normal(size=16)
    assert np.allclose(np.diag(rs.ridge_smoother(F, 3.0)), 1 / 16 + 3 / (16 + 3))
    balanced = rs.loo_gcv_curves(F, yF, [0.5, 3.0, 30.0])
    assert np.allclose(balanced.gcv, balanced.loo_mse, rtol=1e-10)


# ----------------------------------------------------------------------------- one-SE rule
def test_one_standard_error_rule_by_hand_and_with_gridsearchcv():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 20))
    y = X[:, :4] @ [2.0, -1.5, 1.0, 0.5] + 2.0 * rng.normal(size=60)
    alphas = np.logspace(-1, 3, 17)
    cv = reg.cross_validate_ridge(X, y, alphas, folds=10)
    rule = rs.one_standard_error_rule(alphas, cv.fold_mse)
    assert rule.best_alpha == cv.best_alpha
    assert np.allclose(rule.mean_mse, cv.mean_mse)
    # by hand, with a loop and the textbook sample standard deviation
    best = int(np.argmin(cv.mean_mse))
    fold = cv.fold_mse[best]
    threshold = fold.mean() + np.sqrt(np.sum((fold - fold.mean()) ** 2) / 9) / np.sqrt(10)
    largest = max(a for a, m in zip(alphas, cv.mean_mse, strict=True) if m <= threshold)
    assert rule.threshold == pytest.approx(threshold, rel=1e-12) and rule.one_se_alpha == largest
    assert rule.one_se_alpha >= rule.best_alpha
    # the fold errors from scikit-learn's GridSearchCV give the same choice
    grid = GridSearchCV(Ridge(), {"alpha": alphas}, cv=KFold(10), scoring="neg_mean_squared_error").fit(X, y)
    folds_sk = -np.column_stack([grid.cv_results_[f"split{j}_test_score"] for j in range(10)])
    assert np.allclose(folds_sk, cv.fold_mse, rtol=1e-8)
    assert rs.one_standard_error_rule(alphas, folds_sk).one_se_alpha == rule.one_se_alpha
    # the order of the grid does not matter
    order = rng.permutation(alphas.size)
    assert rs.one_standard_error_rule(alphas[order], cv.fold_mse[order]).one_se_alpha == rule.one_se_alpha


# ----------------------------------------------------------------------------- errors and the plot
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: rs.ridge_estimate_risk([[1.0, 2.0]], [1.0], 1.0, noise_var=1.0), "w must have shape"),
        (lambda: rs.ridge_estimate_risk([[1.0], [2.0]], [1.0], -1.0, noise_var=1.0), "alphas must all be >= 0"),
        (lambda: rs.ridge_estimate_risk([[1.0], [2.0]], [1.0], 1.0, noise_var=-1.0), "noise_var"),
        (lambda: rs.ridge_estimate_risk(np.ones((5, 2)), [1.0, 1.0], 0.0, noise_var=1.0), "full rank"),
        (lambda: rs.hoerl_kennard_range([[1.0], [2.0]], [0.0], noise_var=1.0), "w must not be all zero"),
        (lambda: rs.hoerl_kennard_range([[1.0], [2.0]], [1.0], noise_var=0.0), "noise_var"),
        (lambda: rs.loo_gcv_curves([[1.0], [2.0]], [1.0, 2.0], [0.0]), "alphas must all be > 0"),
        (lambda: rs.loo_residuals([[1.0]], [1.0], 1.0), "at least 2 examples"),
        (lambda: rs.ridge_smoother([[1.0], [2.0]], 0.0), "alpha must be"),
        (lambda: rs.one_standard_error_rule([1.0, 2.0], [[1.0, 2.0]]), "fold_mse must have shape"),
        (lambda: rs.simulate_ridge_estimates([[1.0], [2.0]], [1.0], [1.0], noise_var=1.0, n_rep=0, seed=0),
         "n_rep"),
        (lambda: rs.plot_bias_variance((1, 2, 3, 4)), "risk must be a RidgeRisk"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_plot_draws_the_three_curves_the_band_and_the_marks():
    X, w = make_design()
    alphas = np.logspace(-1, 2, 8)
    risk = rs.ridge_estimate_risk(X, w, alphas, noise_var=1.0)
    ax = rs.plot_bias_variance(risk, simulated=risk.mse * 1.01, band=0.05 * risk.mse, marks=[(1.0, "bound")])
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["squared bias", "variance", "MSE (closed form)", "MSE (simulated)", "bound"]
    assert ax.get_lines()[4].get_xdata()[0] == 1.0
    assert np.allclose(ax.get_lines()[2].get_ydata(), risk.mse)
    assert ax.get_xscale() == "log" and len(ax.collections) == 1
    plt.close(ax.figure)


def test_simulation_without_intercept_is_fit_ridge_without_intercept():
    X, w = make_design(n=15, d=3, seed=9)
    W = rs.simulate_ridge_estimates(X, w, [0.0, 5.0], noise_var=0.5, n_rep=3, seed=4, fit_intercept=False)
    z = np.random.default_rng(4).standard_normal((3, 15))
    for r in range(3):
        y = X @ w + np.sqrt(0.5) * z[r]
        for k, alpha in enumerate([0.0, 5.0]):
            assert np.allclose(W[r, k], l2.fit_ridge(X, y, alpha, fit_intercept=False).w, rtol=1e-9, atol=1e-12)
