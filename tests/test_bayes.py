"""l2course.bayes against independent computations: ridge, Gaussian conditioning, sampling, the multivariate
normal density, a general-purpose optimizer, scikit-learn's BayesianRidge and numerical integration."""

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import l2course as l2
from l2course import bayes
from l2course import regularization as reg


def data(n=30, d=3, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + 2.0  # off-centre, so the intercept matters
    y = X @ rng.normal(size=d) + 1.5 + noise * rng.normal(size=n)
    return X, y


# --------------------------------------------------------------------------- posterior
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("noise_var", "prior_var"), [(0.25, 1.0), (1.0, 0.05), (4.0, 100.0)])
def test_posterior_mean_is_the_ridge_estimate(fit_intercept, noise_var, prior_var):
    X, y = data()
    post = bayes.posterior(X, y, noise_var=noise_var, prior_var=prior_var, fit_intercept=fit_intercept)
    ridge = l2.fit_ridge(X, y, alpha=noise_var / prior_var, fit_intercept=fit_intercept)
    assert np.allclose(post.w, ridge.w, rtol=1e-9, atol=1e-12)
    assert post.b == pytest.approx(ridge.b, rel=1e-9, abs=1e-12)


def test_posterior_covariance_blocks_match_the_centred_formula():
    """The w block is 05b's sigma² (Xc'Xc + alpha I)^-1; Var b = sigma²/n + xbar' S xbar."""
    X, y = data()
    noise_var, prior_var = 0.5, 2.0
    post = bayes.posterior(X, y, noise_var=noise_var, prior_var=prior_var)
    S = reg.posterior_covariance(X, noise_var=noise_var, prior_var=prior_var)
    assert np.allclose(post.cov[:-1, :-1], S, rtol=1e-10)
    xbar = X.mean(axis=0)
    assert post.cov[-1, -1] == pytest.approx(noise_var / len(y) + xbar @ S @ xbar, rel=1e-10)
    assert np.allclose(post.cov[:-1, -1], -S @ xbar, rtol=1e-9, atol=1e-14)


def test_posterior_is_gaussian_conditioning_with_a_very_wide_prior_on_b():
    """Condition the joint Gaussian of (theta, y) on y; a prior variance of 1e8 on b stands in for flat."""
    X, y = data(n=15, d=2)
    noise_var, prior_var, wide = 0.3, 1.5, 1e8
    A = np.column_stack([X, np.ones(len(y))])
    P0 = np.diag([prior_var, prior_var, wide])  # prior covariance of theta
    Cyy = A @ P0 @ A.T + noise_var * np.eye(len(y))
    gain = np.linalg.solve(Cyy, A @ P0).T  # P0 A' Cyy^-1
    mean, cov = gain @ y, P0 - gain @ A @ P0
    post = bayes.posterior(X, y, noise_var=noise_var, prior_var=prior_var)
    assert np.allclose(post.mean, mean, rtol=1e-5, atol=1e-6)
    assert np.allclose(post.cov, cov, rtol=1e-4, atol=1e-6)


def test_predictive_variance_equals_the_variance_of_sampled_predictions():
    X, y = data(n=12, d=2, seed=3)
    post = bayes.posterior(X, y, noise_var=0.4, prior_var=1.0)
    X_new = np.array([[2.0, 2.0], [5.0, -1.0], [0.0, 0.0]])
    mean, var = post.predict(X_new)
    _, var_f = post.predict(X_new, include_noise=False)
    assert np.allclose(var - var_f, 0.4)
    n_draws = 200_000
    theta = post.sample(n_draws, seed=7)
    sims = theta[:, :-1] @ X_new.T + theta[:, -1:]
    sims_y = sims + np.sqrt(0.4) * np.random.default_rng(8).standard_normal(sims.shape)
    rel_se = np.sqrt(2 / (n_draws - 1))  # relative sd of a Gaussian sample variance
    assert np.all(np.abs(sims.var(axis=0, ddof=1) / var_f - 1) < 4 * rel_se)
    assert np.all(np.abs(sims_y.var(axis=0, ddof=1) / var - 1) < 4 * rel_se)
    assert np.all(np.abs(sims_y.mean(axis=0) - mean) < 4 * np.sqrt(var / n_draws))
    # not a tolerance everything passes: leaving out the parameter uncertainty is caught
    assert np.any(np.abs(sims_y.var(axis=0, ddof=1) / 0.4 - 1) > 4 * rel_se)


def test_sampling_is_seeded():
    X, y = data(n=8, d=1)
    post = bayes.posterior(X, y, noise_var=1.0, prior_var=1.0)
    assert np.array_equal(post.sample(5, seed=1), post.sample(5, seed=1))
    assert not np.array_equal(post.sample(5, seed=1), post.sample(5, seed=2))


# --------------------------------------------------------------------------- evidence
@pytest.mark.parametrize(("alpha_bishop", "beta_bishop"), [(1.0, 4.0), (0.01, 0.5), (30.0, 10.0)])
def test_log_evidence_is_the_marginal_density_of_y(alpha_bishop, beta_bishop):
    X, y = data(n=10, d=3, seed=1)
    cov = np.eye(len(y)) / beta_bishop + X @ X.T / alpha_bishop
    expected = stats.multivariate_normal(np.zeros(len(y)), cov).logpdf(y)
    value = bayes.log_evidence(X, y, alpha_bishop=alpha_bishop, beta_bishop=beta_bishop, fit_intercept=False)
    assert value == pytest.approx(expected, rel=1e-10)


def test_log_evidence_with_the_intercept_is_the_limit_of_a_wide_prior_on_b():
    """A prior N(0, c) on b, times sqrt(2 pi c) (the flat prior of height 1), tends to the formula."""
    X, y = data(n=10, d=2, seed=2)
    a, B = 0.7, 3.0
    value = bayes.log_evidence(X, y, alpha_bishop=a, beta_bishop=B)
    gaps = []
    for c in [1e2, 1e4, 1e6]:
        cov = np.eye(len(y)) / B + X @ X.T / a + c * np.ones((len(y), len(y)))
        limit = stats.multivariate_normal(np.zeros(len(y)), cov).logpdf(y) + 0.5 * np.log(2 * np.pi * c)
        gaps.append(abs(limit - value))
    assert gaps[-1] < 1e-4 and gaps[0] > gaps[1] > gaps[2]


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_maximize_evidence_finds_the_maximum_a_general_optimizer_finds(fit_intercept):
    X, y = data(n=40, d=4, seed=4, noise=0.8)
    fit = bayes.maximize_evidence(X, y, fit_intercept=fit_intercept)

    def neg(log_ab):
        a, B = np.exp(log_ab)
        return -bayes.log_evidence(X, y, alpha_bishop=a, beta_bishop=B, fit_intercept=fit_intercept)

    best = optimize.minimize(neg, np.zeros(2), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000})
    assert np.allclose([fit.alpha_bishop, fit.beta_bishop], np.exp(best.x), rtol=1e-5)
    assert fit.log_evidence >= -best.fun - 1e-9
    # stationary: the log evidence is flat in both log-precisions at the fixed point
    h = 1e-5
    for step in np.eye(2) * h:
        point = np.log([fit.alpha_bishop, fit.beta_bishop])
        slope = (neg(point + step) - neg(point - step)) / (2 * h)
        assert abs(slope) < 1e-5
    # Bishop's gamma, the effective number of parameters, is ridge's effective degrees of freedom
    assert fit.effective_dof == pytest.approx(
        reg.effective_dof(X, fit.alpha, fit_intercept=fit_intercept), rel=1e-10
    )


def _bayesian_ridge(**kwargs):
    sklearn = pytest.importorskip("sklearn.linear_model")
    vague = dict(alpha_1=1e-10, alpha_2=1e-10, lambda_1=1e-10, lambda_2=1e-10)
    return sklearn.BayesianRidge(tol=1e-12, max_iter=100_000, **vague, **kwargs)


def test_maximize_evidence_matches_scikit_learn_bayesian_ridge():
    """scikit-learn's alpha_ is the noise precision (beta_bishop), its lambda_ the prior precision."""
    X, y = data(n=60, d=5, seed=5, noise=1.2)
    fit = bayes.maximize_evidence(X, y, fit_intercept=False)
    br = _bayesian_ridge(fit_intercept=False).fit(X, y)
    assert br.alpha_ == pytest.approx(fit.beta_bishop, rel=1e-6)
    assert br.lambda_ == pytest.approx(fit.alpha_bishop, rel=1e-6)
    post = bayes.posterior(X, y, noise_var=fit.noise_var, prior_var=fit.prior_var, fit_intercept=False)
    assert np.allclose(br.coef_, post.w, rtol=1e-6)
    assert np.allclose(br.sigma_, post.cov, rtol=1e-5)


def test_scikit_learn_centres_and_keeps_n_where_the_flat_prior_gives_n_minus_1():
    """BayesianRidge(fit_intercept=True) is the evidence of the centred data with n (not n - 1) examples."""
    X, y = data(n=25, d=3, seed=6, noise=1.0)
    br = _bayesian_ridge(fit_intercept=True).fit(X, y)
    centred = bayes.maximize_evidence(X - X.mean(axis=0), y - y.mean(), fit_intercept=False)
    assert br.alpha_ == pytest.approx(centred.beta_bishop, rel=1e-6)
    assert br.lambda_ == pytest.approx(centred.alpha_bishop, rel=1e-6)
    exact = bayes.maximize_evidence(X, y)  # the intercept integrated out: n - 1
    assert exact.beta_bishop < centred.beta_bishop  # one fewer noise degree of freedom
    assert exact.beta_bishop == pytest.approx(centred.beta_bishop, rel=0.15)


def test_maximize_evidence_recovers_the_true_precisions_on_much_data():
    rng = np.random.default_rng(9)
    n, d, noise_var, prior_var = 4000, 6, 0.5, 2.0
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(scale=np.sqrt(prior_var), size=d) + np.sqrt(noise_var) * rng.normal(size=n)
    fit = bayes.maximize_evidence(X, y, fit_intercept=False)
    assert fit.noise_var == pytest.approx(noise_var, rel=0.1)  # sd of the estimate ~ sqrt(2/n) = 2 %


def test_maximize_evidence_reports_no_signal():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(30, 2))
    with pytest.raises(ValueError, match="constant"):
        bayes.maximize_evidence(X, np.ones(30))
    with pytest.raises(ValueError, match="all zero"):
        bayes.maximize_evidence(X, np.zeros(30), fit_intercept=False)


def test_maximize_evidence_without_intercept_learns_a_level_through_a_column_of_ones():
    """Without an intercept a constant column carries the level; a level far from 0 is signal, not noise."""
    rng = np.random.default_rng(11)
    X = np.column_stack([np.ones(50), rng.normal(size=50)])
    y = 3.0 + 0.5 * X[:, 1] + 0.1 * rng.normal(size=50)
    fit = bayes.maximize_evidence(X, y, fit_intercept=False)
    post = bayes.posterior(X, y, noise_var=fit.noise_var, prior_var=fit.prior_var, fit_intercept=False)
    assert np.allclose(post.w, [3.0, 0.5], atol=0.1)
    assert fit.noise_var == pytest.approx(0.01, rel=0.5)


# --------------------------------------------------------------------------- Laplace prior
def _integrated(centre, data_var, laplace_scale):
    """Posterior mean by adaptive quadrature, around the peak and the kink at zero."""

    def density(w):
        return np.exp(-((w - centre) ** 2) / (2 * data_var) - abs(w) / laplace_scale + centre**2 / (2 * data_var))

    width = 30 * np.sqrt(data_var)
    lo, hi = min(centre, 0.0) - width, max(centre, 0.0) + width
    points = sorted({0.0, centre})
    pieces = [lo, *points, hi]
    Z = sum(integrate.quad(density, a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
            for a, b in zip(pieces[:-1], pieces[1:], strict=True))
    M = sum(integrate.quad(lambda w: w * density(w), a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
            for a, b in zip(pieces[:-1], pieces[1:], strict=True))
    P = integrate.quad(density, 0.0, hi, epsabs=0, epsrel=1e-12, limit=200)[0] / Z
    return M / Z, P


@pytest.mark.parametrize(
    ("centre", "data_var", "laplace_scale"),
    [(0.5, 1.0, 1.0), (3.0, 0.2, 0.5), (-2.0, 1.0, 0.1), (0.05, 0.01, 0.02), (-7.0, 4.0, 3.0), (1e-3, 1.0, 1.0)],
)
def test_laplace_posterior_mean_matches_numerical_integration(centre, data_var, laplace_scale):
    post = bayes.laplace_posterior_1d(centre, data_var=data_var, laplace_scale=laplace_scale)
    mean, prob_positive = _integrated(centre, data_var, laplace_scale)
    assert post.mean == pytest.approx(mean, rel=1e-7, abs=1e-12)
    assert post.prob_positive == pytest.approx(prob_positive, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("centre", [-3.0, -0.4, 0.0, 0.2, 0.9, 5.0])
def test_laplace_posterior_mode_is_the_soft_threshold_and_the_minimizer(centre):
    data_var, laplace_scale = 0.5, 0.8
    post = bayes.laplace_posterior_1d(centre, data_var=data_var, laplace_scale=laplace_scale)

    def neg_log(w):
        return (w - centre) ** 2 / (2 * data_var) + abs(w) / laplace_scale

    best = optimize.minimize_scalar(neg_log, bounds=(-10, 10), method="bounded", options={"xatol": 1e-10})
    assert post.mode == pytest.approx(best.x, abs=1e-7)
    threshold = data_var / laplace_scale
    assert (post.mode == 0.0) == (abs(centre) <= threshold)
    # the mean is zero only at centre = 0, and has the sign of centre otherwise
    assert np.sign(post.mean) == np.sign(centre)


def test_laplace_posterior_far_in_the_tails_is_finite_and_shifted_by_the_threshold():
    for centre in [-1e4, -60.0, 60.0, 1e4]:
        post = bayes.laplace_posterior_1d(centre, data_var=0.5, laplace_scale=2.0)
        assert np.isfinite(post.mean)
        assert post.mean == pytest.approx(post.mode, rel=1e-9)  # one half dominates: no truncation left


# --------------------------------------------------------------------------- basis and validation
def test_gaussian_basis_peaks_at_its_centres():
    centres = np.linspace(0, 1, 5)
    Phi = bayes.gaussian_basis(centres, centres, 0.2)
    assert np.allclose(np.diag(Phi), 1.0)
    assert np.allclose(Phi, Phi.T)  # symmetric in x and c
    assert Phi[0, 1] == pytest.approx(np.exp(-(0.25**2) / (2 * 0.04)))


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: bayes.posterior([[1.0], [2.0]], [1.0, 2.0], noise_var=0.0, prior_var=1.0), ValueError, "noise_var"),
        (lambda: bayes.posterior([[1.0], [2.0]], [1.0, 2.0], noise_var=1.0, prior_var=-1.0), ValueError, "prior_var"),
        (lambda: bayes.posterior([1.0, 2.0], [1.0, 2.0], noise_var=1.0, prior_var=1.0), ValueError, "X"),
        (lambda: bayes.posterior([[1.0]], [1.0], noise_var=1.0, prior_var=1.0, fit_intercept=1), TypeError,
         "fit_intercept"),
        (lambda: bayes.log_evidence([[1.0]], [1.0, 2.0], alpha_bishop=1.0, beta_bishop=1.0), ValueError, "X"),
        (lambda: bayes.log_evidence([[1.0], [2.0]], [1.0, 2.0], alpha_bishop="1", beta_bishop=1.0), TypeError,
         "alpha_bishop"),
        (lambda: bayes.maximize_evidence([[1.0], [2.0]], [1.0, 3.0], tol=0.0), ValueError, "tol"),
        (lambda: bayes.laplace_posterior_1d(1.0, data_var=1.0, laplace_scale=0.0), ValueError, "laplace_scale"),
        (lambda: bayes.gaussian_basis([0.0], [0.0], width=-1.0), ValueError, "width"),
        (lambda: bayes.posterior([[1.0], [2.0]], [1.0, 2.0], noise_var=1.0, prior_var=1.0).predict([[1.0, 2.0]]),
         ValueError, "X_new"),
        (lambda: bayes.posterior([[1.0], [2.0]], [1.0, 2.0], noise_var=1.0, prior_var=1.0).sample(0, seed=1),
         ValueError, "n_samples"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_plot_predictive_band_draws_the_stated_bands():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.linspace(0, 1, 5)
    mean, var, param_var = np.sin(x), np.full(5, 0.25), np.full(5, 0.04)
    ax = bayes.plot_predictive_band(x, mean, var, param_var=param_var, width=2.0)
    outer, inner = (c.get_paths()[0].vertices[:, 1] for c in ax.collections)
    assert np.isclose(outer.max(), (mean + 1.0).max()) and np.isclose(outer.min(), (mean - 1.0).min())
    assert np.isclose(inner.max(), (mean + 0.4).max()) and np.isclose(inner.min(), (mean - 0.4).min())
    assert np.allclose(ax.get_lines()[0].get_ydata(), mean)
    ax.figure.canvas.draw()
    with pytest.raises(ValueError, match="var must be >= 0"):
        bayes.plot_predictive_band(x, mean, -var)
    with pytest.raises(ValueError, match="mean has shape"):
        bayes.plot_predictive_band(x, mean[:3], var)
    plt.close("all")
