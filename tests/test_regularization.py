"""Tests for l2course.regularization: every law checked against an independent computation."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, Ridge, RidgeCV, SGDRegressor
from sklearn.model_selection import KFold

import l2course as l2
from l2course import plots
from l2course import regularization as reg


def make_data(n=40, d=5, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
    w = rng.normal(size=d)
    y = X @ w + 1.5 + noise * rng.normal(size=n)
    return X, y


# ----------------------------------------------------------------------------- conversions
def test_alpha_equals_n_lam_by_objectives():
    """MSE + lam ||w||^2 and SSE + (n lam) ||w||^2 differ by the factor n: same minimizer."""
    X, y = make_data()
    n, lam = len(y), 0.07
    alpha = reg.lam_to_alpha(lam, n)
    assert alpha == pytest.approx(n * lam) and reg.alpha_to_lam(alpha, n) == pytest.approx(lam)
    model = l2.fit_ridge(X, y, alpha)

    def course_cost(theta):
        w, b = theta[:-1], theta[-1]
        return np.mean((y - X @ w - b) ** 2) + lam * w @ w

    res = minimize(course_cost, np.zeros(X.shape[1] + 1), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(res.x[:-1], model.w, atol=1e-6)
    assert res.x[-1] == pytest.approx(model.b, abs=1e-6)


def test_conversion_table_values():
    table = reg.penalty_conversions(0.05, 30)
    assert table["sklearn Ridge alpha"] == pytest.approx(1.5)
    assert table["Bishop alpha/beta"] == pytest.approx(1.5)
    assert table["sklearn SGDRegressor alpha"] == table["keras regularizers.L2 l2"] == 0.05
    assert table["torch SGD weight_decay"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="lam"):
        reg.penalty_conversions(-1.0, 3)


def test_sklearn_ridge_row():
    X, y = make_data(seed=1)
    lam = 0.2
    sk = Ridge(alpha=reg.penalty_conversions(lam, len(y))["sklearn Ridge alpha"]).fit(X, y)
    ours = l2.fit_ridge(X, y, len(y) * lam)
    np.testing.assert_allclose(sk.coef_, ours.w, rtol=1e-8)


def half_course_objective(X, y, w, b, lam):
    """scikit-learn's SGDRegressor / ElasticNet objective: MSE/2 + lam/2 ||w||^2."""
    return 0.5 * np.mean((y - X @ w - b) ** 2) + 0.5 * lam * w @ w


def test_sklearn_elasticnet_l1_ratio_0_row():
    X, y = make_data(seed=2)
    lam = 0.1
    alpha = reg.penalty_conversions(lam, len(y))["sklearn ElasticNet(l1_ratio=0) alpha"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        en = ElasticNet(alpha=alpha, l1_ratio=0.0, tol=1e-12, max_iter=100_000).fit(X, y)
    ridge = l2.fit_ridge(X, y, len(y) * lam)
    best = half_course_objective(X, y, ridge.w, ridge.b, lam)
    assert half_course_objective(X, y, en.coef_, en.intercept_, lam) == pytest.approx(best, rel=1e-9)
    np.testing.assert_allclose(en.coef_, ridge.w, atol=1e-6)
    # and the wrong conversion (alpha = n lam) is far off
    wrong = l2.fit_ridge(X, y, len(y) * len(y) * lam)
    assert half_course_objective(X, y, wrong.w, wrong.b, lam) > 1.05 * best


def test_sklearn_sgdregressor_row_gets_close():
    X, y = make_data(n=200, d=3, seed=3)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    lam = 0.05
    sgd = SGDRegressor(
        penalty="l2", alpha=lam, max_iter=5000, tol=None, learning_rate="invscaling", eta0=0.01,
        power_t=0.5, average=True, random_state=0,
    ).fit(Xs, y)
    ridge = l2.fit_ridge(Xs, y, len(y) * lam)
    best = half_course_objective(Xs, y, ridge.w, ridge.b, lam)
    got = half_course_objective(Xs, y, sgd.coef_, sgd.intercept_[0], lam)
    assert best <= got <= best * (1 + 1e-3), (got, best)
    # the same run is measurably worse for the objective of another convention's optimum
    other = l2.fit_ridge(Xs, y, lam)  # alpha = lam would be far too weak a penalty
    assert half_course_objective(Xs, y, other.w, other.b, lam) > got


# ----------------------------------------------------------------------------- SVD view
def smoother_trace(X, alpha):
    """Trace of the ridge smoother, from n direct fits: column i = predictions for y = e_i."""
    n = X.shape[0]
    return sum(l2.fit_ridge(X, np.eye(n)[i], alpha).predict(X)[i] for i in range(n))


@pytest.mark.parametrize("shape", [(30, 4), (6, 10)])
@pytest.mark.parametrize("alpha", [0.01, 1.0, 50.0])
def test_effective_dof_is_trace_of_the_hat_matrix(shape, alpha):
    X, _ = make_data(*shape, seed=4)
    Xc = X - X.mean(axis=0)
    hat = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T)
    dof = reg.effective_dof(X, alpha)
    assert dof == pytest.approx(np.trace(hat), rel=1e-9)
    # with an intercept the full smoother has one more degree of freedom (the mean)
    assert smoother_trace(X, alpha) == pytest.approx(dof + 1, rel=1e-8)


def test_shrinkage_factors_scale_each_component_of_the_fit():
    X, y = make_data(seed=5)
    alpha = 3.0
    model = l2.fit_ridge(X, y, alpha)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    U, s, _ = np.linalg.svd(Xc, full_matrices=False)
    fitted = model.predict(X) - y.mean()
    ratio = (U.T @ fitted) / (U.T @ yc)
    np.testing.assert_allclose(ratio, reg.shrinkage_factors(X, alpha), rtol=1e-9)
    np.testing.assert_allclose(reg.shrinkage_factors(X, alpha), s**2 / (s**2 + alpha), rtol=1e-12)


def test_shrinkage_at_zero_penalty_counts_the_rank():
    X, _ = make_data(n=5, d=8, seed=6)
    assert reg.effective_dof(X, 0.0) == 4.0  # centred 5 x 8 has rank 4
    assert reg.effective_dof(X, 0.0, fit_intercept=False) == 5.0


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 20), st.integers(1, 6), st.floats(1e-3, 1e3), st.floats(1.01, 10))
def test_effective_dof_decreases_and_is_bounded(n, d, alpha, factor):
    X, _ = make_data(n, d, seed=n * 7 + d)
    dof = reg.effective_dof(X, alpha)
    assert 0 <= dof <= min(n - 1, d) + 1e-9
    assert reg.effective_dof(X, alpha * factor) < dof or dof < 1e-12


def test_ridge_path_matches_fit_ridge_and_sklearn():
    X, y = make_data(n=12, d=20, seed=7)
    alphas = np.logspace(-3, 3, 9)
    W, b = reg.ridge_path(X, y, alphas)
    for i, alpha in enumerate(alphas):
        model = l2.fit_ridge(X, y, alpha)
        np.testing.assert_allclose(W[i], model.w, rtol=1e-9, atol=1e-12)
        assert b[i] == pytest.approx(model.b, rel=1e-9)
        np.testing.assert_allclose(W[i], Ridge(alpha=alpha).fit(X, y).coef_, rtol=1e-6, atol=1e-10)
    W0, b0 = reg.ridge_path(X, y, alphas, fit_intercept=False)
    np.testing.assert_allclose(W0[3], l2.fit_ridge(X, y, alphas[3], fit_intercept=False).w, rtol=1e-9)
    assert np.all(b0 == 0)
    with pytest.raises(ValueError, match="alphas"):
        reg.ridge_path(X, y, [0.0, 1.0])


# ----------------------------------------------------------------------------- cross-validation
@pytest.mark.parametrize("n, k", [(10, 3), (23, 5), (7, 7)])
def test_kfold_indices_match_sklearn_kfold(n, k):
    ours = reg.kfold_indices(n, k)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(ours) == len(theirs)
    for (tr, va), (tr2, va2) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(va, va2)
    with pytest.raises(ValueError, match="k must be"):
        reg.kfold_indices(3, 4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_validation_agrees_with_ridgecv_on_the_same_folds(seed):
    X, y = make_data(n=60, d=8, seed=seed, noise=3.0)
    alphas = np.logspace(-2, 3, 21)
    cv = reg.cross_validate_ridge(X, y, alphas, folds=5)
    sk = RidgeCV(alphas=alphas, cv=KFold(n_splits=5), scoring="neg_mean_squared_error").fit(X, y)
    assert cv.best_alpha == pytest.approx(sk.alpha_)
    assert -sk.best_score_ == pytest.approx(cv.mean_mse.min(), rel=1e-8)
    # the validation curve itself, fold by fold, from scikit-learn's own cross_val_score
    from sklearn.model_selection import cross_val_score

    for i in (0, 10, 20):
        scores = cross_val_score(Ridge(alpha=alphas[i]), X, y, cv=KFold(n_splits=5),
                                 scoring="neg_mean_squared_error")
        np.testing.assert_allclose(cv.fold_mse[i], -scores, rtol=1e-8)


def test_cross_validation_accepts_explicit_folds():
    X, y = make_data(n=30, d=3, seed=9)
    rng = np.random.default_rng(0)
    perm = rng.permutation(30)
    folds = [(np.setdiff1d(perm, perm[i::3]), perm[i::3]) for i in range(3)]
    cv = reg.cross_validate_ridge(X, y, [0.1, 10.0], folds)
    train, val = folds[1]
    model = l2.fit_ridge(X[train], y[train], 10.0)
    assert cv.fold_mse[1, 1] == pytest.approx(l2.mse(y[val], model.predict(X[val])), rel=1e-10)


# ----------------------------------------------------------------------------- Bayesian view
@pytest.mark.parametrize("noise_var, prior_var", [(0.25, 1.0), (4.0, 0.1), (1.0, 100.0)])
def test_map_equals_ridge_with_alpha_sigma2_over_tau2(noise_var, prior_var):
    X, y = make_data(n=25, d=4, seed=10)

    def neg(theta):
        return -reg.log_posterior(theta[:-1], theta[-1], X, y, noise_var=noise_var,
                                  prior_var=prior_var)

    res = minimize(neg, np.zeros(5), method="BFGS", options={"gtol": 1e-10})
    ridge = l2.fit_ridge(X, y, noise_var / prior_var)
    np.testing.assert_allclose(res.x[:-1], ridge.w, atol=1e-6)
    assert res.x[-1] == pytest.approx(ridge.b, abs=1e-6)


def test_log_posterior_formula_against_scipy_densities():
    from scipy.stats import multivariate_normal, norm

    X, y = make_data(n=8, d=3, seed=11)
    w, b = np.array([0.3, -1.0, 2.0]), 0.7
    expected = norm.logpdf(y, loc=X @ w + b, scale=np.sqrt(2.0)).sum() + multivariate_normal.logpdf(
        w, mean=np.zeros(3), cov=0.5 * np.eye(3))
    assert reg.log_posterior(w, b, X, y, noise_var=2.0, prior_var=0.5) == pytest.approx(expected)


def test_posterior_covariance_is_inverse_hessian_w_block():
    """Invert the full (w, b) Hessian of -log posterior (numerically) and keep the w block."""
    X, y = make_data(n=15, d=3, seed=12)
    noise_var, prior_var = 0.8, 2.0

    def grad(theta):
        return l2.numerical_gradient(
            lambda t: -reg.log_posterior(t[:-1], t[-1], X, y, noise_var=noise_var,
                                         prior_var=prior_var), theta, h=1e-3)

    theta0 = np.zeros(4)
    H = np.column_stack([(grad(theta0 + 1e-3 * e) - grad(theta0 - 1e-3 * e)) / 2e-3
                         for e in np.eye(4)])
    expected = np.linalg.inv(H)[:3, :3]
    cov = reg.posterior_covariance(X, noise_var=noise_var, prior_var=prior_var)
    np.testing.assert_allclose(cov, expected, rtol=1e-5)


def test_posterior_covariance_limits():
    X, _ = make_data(n=20, d=3, seed=13)
    Xc = X - X.mean(axis=0)
    ols = 1.5 * np.linalg.inv(Xc.T @ Xc)
    np.testing.assert_allclose(reg.posterior_covariance(X, noise_var=1.5, prior_var=1e9), ols,
                               rtol=1e-6)
    tiny = reg.posterior_covariance(X, noise_var=1.5, prior_var=1e-9)
    np.testing.assert_allclose(tiny / 1e-9, np.eye(3), rtol=1e-6, atol=1e-6)


def test_gaussian_nll_is_minimized_at_sse_over_n():
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm

    rng = np.random.default_rng(14)
    y, y_hat = rng.normal(size=30) * 2, rng.normal(size=30)
    assert reg.gaussian_nll(y, y_hat, 1.7) == pytest.approx(
        -norm.logpdf(y, loc=y_hat, scale=np.sqrt(1.7)).sum())
    res = minimize_scalar(lambda v: reg.gaussian_nll(y, y_hat, v), bounds=(1e-3, 100),
                          method="bounded", options={"xatol": 1e-10})
    assert res.x == pytest.approx(l2.sse(y, y_hat) / 30, rel=1e-6)
    assert res.x != pytest.approx(l2.sse(y, y_hat) / 29, rel=1e-3)


# ----------------------------------------------------------------------------- L1 / L2 geometry
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("seed", range(4))
def test_norm_ball_minimizer_against_slsqp(p, seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(2, 2))
    A = M @ M.T + 0.3 * np.eye(2)
    centre = rng.normal(size=2) * 3
    radius = 0.5 * np.linalg.norm(centre, ord=p)
    ours = reg.norm_ball_minimizer(A, centre, radius, p)

    def f(w):
        return (w - centre) @ A @ (w - centre)

    if p == 2:
        cons = {"type": "ineq", "fun": lambda w: radius**2 - w @ w}
    else:  # the L1 ball as 4 linear inequalities
        cons = {"type": "ineq", "fun": lambda w: radius - np.abs(np.array([[1, 1], [1, -1], [-1, 1],
                                                                            [-1, -1]]) @ w)}
    best = min((minimize(f, x0, constraints=cons, method="SLSQP", options={"ftol": 1e-14})
                for x0 in ([0.0, 0.0], [0.1, -0.1], -0.1 * centre)), key=lambda r: r.fun)
    assert f(ours) <= best.fun * (1 + 1e-8) + 1e-12
    assert np.linalg.norm(ours, ord=p) <= radius * (1 + 1e-9)


def test_l1_corner_gives_a_zero_coordinate():
    w = reg.norm_ball_minimizer(np.eye(2), [3.0, 0.5], 1.0, 1)
    np.testing.assert_allclose(w, [1.0, 0.0])
    w2 = reg.norm_ball_minimizer(np.eye(2), [3.0, 0.5], 1.0, 2)
    assert np.all(np.abs(w2) > 0.1)


def test_lasso_sparsity_matches_sklearn():
    """Laplace prior -> lasso: scikit-learn's Lasso zeroes weak coefficients, ridge does not."""
    X, y = make_data(n=50, d=8, seed=15)
    lasso = Lasso(alpha=0.5).fit(X, y)
    ridge = Ridge(alpha=25.0).fit(X, y)
    assert np.sum(lasso.coef_ == 0) >= 1 and np.all(ridge.coef_ != 0)


# ----------------------------------------------------------------------------- optimizers
def quad_problem(seed=16):
    X, y = make_data(n=30, d=3, seed=seed)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0) * np.array([1.0, 5.0, 0.2])  # uneven scales
    yc = y - y.mean()

    def grad_mse(w):
        return 2 / len(yc) * Xs.T @ (Xs @ w - yc)

    return Xs, yc, grad_mse


def test_weight_decay_step_is_l2_gradient_step():
    _, _, grad = quad_problem()
    w = np.array([0.5, -1.0, 2.0])
    lam, lr = 0.3, 0.05
    np.testing.assert_allclose(reg.weight_decay_step(w, grad(w), lr=lr, weight_decay=2 * lam),
                               w - lr * (grad(w) + 2 * lam * w), rtol=1e-14, atol=1e-15)


def test_sgd_l2_equals_sgd_weight_decay_and_reaches_ridge():
    Xs, yc, grad = quad_problem()
    lam = 0.2
    coupled = reg.sgd(grad, np.zeros(3), lr=0.01, n_steps=6000, lam=lam)
    decoupled = reg.sgd(grad, np.zeros(3), lr=0.01, n_steps=6000, weight_decay=2 * lam)
    np.testing.assert_allclose(coupled, decoupled, rtol=1e-12, atol=1e-14)
    core = l2.gradient_descent(lambda w: grad(w) + 2 * lam * w, np.zeros(3), lr=0.01, n_steps=6000)
    np.testing.assert_allclose(coupled, core, rtol=1e-12, atol=1e-14)
    ridge = l2.fit_ridge(Xs, yc, len(yc) * lam)
    np.testing.assert_allclose(coupled[-1], ridge.w, atol=1e-8)


def test_adam_first_step_and_torch_formula():
    g = np.array([4.0, -0.001, 0.0])
    path = reg.adam_l2(lambda x: g, np.zeros(3), lam=0.0, lr=0.1, n_steps=1, eps=1e-8)
    # m_hat = g, v_hat = g^2 on the first step: the move is lr * g / (|g| + eps)
    np.testing.assert_allclose(path[1], -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adam_l2_reaches_the_ridge_solution_but_adamw_does_not():
    Xs, yc, grad = quad_problem()
    lam, lr = 0.2, 0.002
    a = reg.adam_l2(grad, np.zeros(3), lam=lam, lr=lr, n_steps=6000)[-1]
    w = reg.adamw(grad, np.zeros(3), weight_decay=2 * lam, lr=lr, n_steps=6000)[-1]
    ridge = l2.fit_ridge(Xs, yc, len(yc) * lam).w
    assert np.linalg.norm(a - ridge) < 0.02 * np.linalg.norm(ridge)
    assert np.linalg.norm(w - a) > 0.1 * np.linalg.norm(ridge)
    # AdamW's fixed point: the Adam step direction balances the decay, not grad + 2 lam w = 0
    assert np.linalg.norm(grad(w) + 2 * lam * w) > 10 * np.linalg.norm(grad(a) + 2 * lam * a)


def test_full_batch_adamw_ends_at_least_squares_in_a_box_whatever_the_rate():
    # MSE-like loss |w - c|^2 (gradient 2 (w - c)); with weight_decay = 1 the fixed point solves
    # min |w - c|^2 subject to max |w_j| <= 1, i.e. c clipped to [-1, 1], for every learning rate
    c = np.array([3.0, 0.2, -0.5])
    box = np.clip(c, -1.0, 1.0)
    ends = [reg.adamw(lambda w: 2 * (w - c), np.zeros(3), weight_decay=1.0, lr=lr, n_steps=10_000)[-1]
            for lr in (0.01, 0.05)]
    for end in ends:
        np.testing.assert_allclose(end, box, atol=2e-3)
    # not a ridge solution: the only ridge fit c / (1 + a) that reaches w_1 = 1 (a = 2) shrinks
    # the two coordinates that the box leaves alone
    ridge_like = c / (1 + 2.0)
    assert np.abs(ends[0] - ridge_like).max() > 0.3


def test_adamw_with_zero_decay_is_adam():
    _, _, grad = quad_problem()
    np.testing.assert_array_equal(reg.adamw(grad, np.ones(3), weight_decay=0.0, lr=0.01, n_steps=50),
                                  reg.adam_l2(grad, np.ones(3), lam=0.0, lr=0.01, n_steps=50))


# ----------------------------------------------------------------------------- validation
def test_inputs_are_validated():
    with pytest.raises(ValueError, match="alpha"):
        reg.shrinkage_factors([[1.0], [2.0]], -1.0)
    with pytest.raises(ValueError, match="noise_var"):
        reg.log_posterior([1.0], 0.0, [[1.0]], [1.0], noise_var=0.0, prior_var=1.0)
    with pytest.raises(ValueError, match="w has 2"):
        reg.log_posterior([1.0, 2.0], 0.0, [[1.0]], [1.0], noise_var=1.0, prior_var=1.0)
    with pytest.raises(ValueError, match="p must be"):
        reg.norm_ball_minimizer(np.eye(2), [1.0, 2.0], 1.0, 3)
    with pytest.raises(ValueError, match="grad has shape"):
        reg.weight_decay_step([1.0, 2.0], [1.0], lr=0.1, weight_decay=0.1)
    with pytest.raises(ValueError, match="betas"):
        reg.adam_l2(lambda x: x, [1.0], lam=0.0, lr=0.1, n_steps=1, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="degree"):
        reg.polynomial_design([1.0], 2.5)
    with pytest.raises(TypeError, match="x"):
        reg.polynomial_design(["a"], 2)


def test_polynomial_design_columns():
    x = np.array([-0.5, 0.0, 2.0])
    np.testing.assert_array_equal(reg.polynomial_design(x, 4),
                                  np.vander(x, 5, increasing=True)[:, 1:])


# ----------------------------------------------------------------------------- plots
def test_animation_has_one_frame_per_lambda_and_stable_ids():
    import re

    import matplotlib.pyplot as plt

    x = np.linspace(-1, 1, 7)
    anim = reg.animate_ridge_shrinkage(x, np.sin(3 * x), 4, [1e-3, 1e-2, 1e-1, 1.0])
    html = plots.animation_html(anim, alt="ridge fits shrinking as the penalty grows")
    assert len(set(re.findall(r"frames\[(\d+)\]", html))) == 4
    assert not re.search(r"[0-9a-f]{32}", html), "no random UUID left in the HTML"
    with pytest.raises(ValueError, match="lams"):
        reg.animate_ridge_shrinkage(x, np.sin(3 * x), 4, [0.0, 1.0])
    plt.close("all")


def test_plot_helpers_draw_what_they_promise():
    import matplotlib.pyplot as plt

    X, y = make_data(n=20, d=3, seed=17)
    lams = np.logspace(-2, 2, 5)
    W, _ = reg.ridge_path(X, y, 20 * lams)
    ax = reg.plot_ridge_path(lams, W, marker=0.1)
    assert len(ax.get_lines()) == 3 + 2 and ax.get_xscale() == "log"
    ax2, sol = reg.plot_norm_balls(np.array([[2.0, 0.5], [0.5, 1.0]]), [2.0, 0.3], 1.0)
    assert np.isclose(np.abs(sol["l1"]).sum(), 1.0) and np.isclose(np.linalg.norm(sol["l2"]), 1.0)
    with pytest.raises(ValueError, match="rows"):
        reg.plot_ridge_path(lams[:3], W)
    plt.close("all")
