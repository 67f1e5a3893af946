"""The Bayesian linear model past its mode: posterior, predictive distribution, evidence, Laplace prior.

The model of the chapter *The Bayesian picture past the mode* is ``y_i = x_i @ w + b + eps_i`` with
``eps_i ~ N(0, noise_var)`` independent, a prior ``w ~ N(0, prior_var * I)`` and, when
``fit_intercept=True``, a flat (improper, height 1) prior on the intercept ``b``. It needs:

* :func:`gaussian_basis` -- Gaussian bumps ``exp(-(x - c)**2 / (2 s**2))``, the features of Bishop's
  example;
* :func:`posterior` -- the Gaussian posterior of ``theta = (w, b)`` (the intercept last), whose mean is the
  ridge estimate with ``alpha = noise_var / prior_var`` (:class:`GaussianPosterior`, with its predictive
  distribution and posterior samples);
* :func:`log_evidence` and :func:`maximize_evidence` -- the log marginal likelihood of the data as a
  function of Bishop's precisions ``alpha_bishop = 1 / prior_var`` and ``beta_bishop = 1 / noise_var``, and
  its maximization by MacKay's fixed-point updates (:class:`EvidenceFit`);
* :func:`laplace_posterior_1d` -- mode and mean of a one-weight posterior under a Laplace prior of scale
  ``laplace_scale`` (:class:`LaplacePosterior1D`), in closed form;
* :func:`plot_predictive_band` -- the predictive mean with its bands, the picture of the chapter that
  :mod:`l2course.plots` does not draw.

Conventions: ``alpha`` (the ridge strength of :func:`l2course.fit_ridge`, SSE convention) equals
``noise_var / prior_var = alpha_bishop / beta_bishop``; ``p`` is the number of entries of ``theta``,
``d + 1`` with the intercept and ``d`` without.
"""

import math
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar
from .plots import PALETTE

__all__ = [
    "gaussian_basis",
    "GaussianPosterior",
    "posterior",
    "log_evidence",
    "EvidenceFit",
    "maximize_evidence",
    "LaplacePosterior1D",
    "laplace_posterior_1d",
    "plot_predictive_band",
]


def _as_flag(value, name):
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def gaussian_basis(x, centres, width):
    """Gaussian basis functions ``exp(-(x - c_j)**2 / (2 width**2))``, one column per centre.

    Parameters
    ----------
    x : array_like of shape (n,)
        One input feature.
    centres : array_like of shape (k,)
        The centres ``c_j``.
    width : float
        The common width (standard deviation) of the bumps, > 0.

    Returns
    -------
    numpy.ndarray of shape (n, k)
        Entries in (0, 1]; no constant column (the intercept is fitted apart).

    Examples
    --------
    >>> gaussian_basis([0.0, 1.0], centres=[0.0, 1.0], width=1.0).round(4)
    array([[1.    , 0.6065],
           [0.6065, 1.    ]])
    """
    x = as_array(x, "x", ndim=1)
    centres = as_array(centres, "centres", ndim=1, finite=True)
    width = as_scalar(width, "width", minimum=0, strict=True)
    return np.exp(-((x[:, None] - centres[None, :]) ** 2) / (2 * width**2))


def _design(X, fit_intercept):
    """A = [X, 1] (intercept last) or X."""
    return np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X


class GaussianPosterior(NamedTuple):
    """The posterior ``N(mean, cov)`` of ``theta = (w, b)`` returned by :func:`posterior`.

    Attributes
    ----------
    mean : numpy.ndarray of shape (p,)
        Posterior mean, equal to the posterior mode: the ridge estimate ``(w, b)``, intercept last when
        ``fit_intercept``.
    cov : numpy.ndarray of shape (p, p)
        Posterior covariance ``(A.T A / noise_var + Lambda)^-1`` with ``Lambda = diag(1/prior_var, ..., 0)``.
    noise_var : float
        The noise variance the posterior was computed with.
    fit_intercept : bool
        Whether ``theta`` ends with the intercept.

    Examples
    --------
    >>> post = posterior([[-1.0], [1.0]], [-1.0, 1.0], noise_var=1.0, prior_var=1.0)
    >>> post.w, post.b
    (array([0.6667]), 0.0)
    """

    mean: np.ndarray
    cov: np.ndarray
    noise_var: float
    fit_intercept: bool

    @property
    def w(self):
        """The posterior mean of the weights."""
        return self.mean[:-1] if self.fit_intercept else self.mean

    @property
    def b(self):
        """The posterior mean of the intercept (0.0 without one)."""
        return float(self.mean[-1]) if self.fit_intercept else 0.0

    def _rows(self, X_new):
        X_new = as_array(X_new, "X_new", ndim=2, finite=True)
        d = self.mean.shape[0] - int(self.fit_intercept)
        if X_new.shape[1] != d:
            raise ValueError(f"X_new must have {d} columns, like the training X; got shape {X_new.shape}")
        return _design(X_new, self.fit_intercept)

    def predict(self, X_new, *, include_noise=True):
        """Posterior predictive mean and variance at the rows of ``X_new``.

        The prediction of a new target at ``x`` is Gaussian with mean ``a @ mean`` and variance
        ``noise_var + a @ cov @ a``, where ``a = (x, 1)`` (or ``x`` without intercept): the noise of the new
        target plus the uncertainty about ``theta``. With ``include_noise=False`` only the second term
        (the variance of the regression function ``a @ theta``) is returned.

        Parameters
        ----------
        X_new : array_like of shape (m, d)
        include_noise : bool, default True

        Returns
        -------
        mean, var : numpy.ndarray of shape (m,)

        Examples
        --------
        >>> post = posterior([[-1.0], [1.0]], [-1.0, 1.0], noise_var=1.0, prior_var=1.0)
        >>> mean, var = post.predict([[0.0], [3.0]])
        >>> mean, var   # at x = 0 only b is uncertain: 1 + 1/n
        (array([0., 2.]), array([1.5, 4.5]))
        """
        include_noise = _as_flag(include_noise, "include_noise")
        A_new = self._rows(X_new)
        var = np.einsum("ij,jk,ik->i", A_new, self.cov, A_new)
        return A_new @ self.mean, var + self.noise_var if include_noise else var

    def sample(self, n_samples, *, seed):
        """Draws of ``theta`` from the posterior, one per row (seeded).

        Parameters
        ----------
        n_samples : int
            Number of draws, >= 1.
        seed : int or numpy.random.Generator

        Returns
        -------
        numpy.ndarray of shape (n_samples, p)

        Examples
        --------
        >>> post = posterior([[-1.0], [1.0]], [-1.0, 1.0], noise_var=1.0, prior_var=1.0)
        >>> post.sample(3, seed=0).shape
        (3, 2)
        """
        n_samples = as_count(n_samples, "n_samples", minimum=1)
        rng = np.random.default_rng(seed)
        L = np.linalg.cholesky(self.cov)
        return self.mean + rng.standard_normal((n_samples, self.mean.shape[0])) @ L.T


def posterior(X, y, *, noise_var, prior_var, fit_intercept=True):
    """Gaussian posterior of ``theta = (w, b)`` under a Gaussian likelihood and prior.

    Model: ``y = X w + b + eps``, ``eps ~ N(0, noise_var I)``, prior ``w ~ N(0, prior_var I)`` and a flat
    prior on ``b`` (``fit_intercept=True``; otherwise ``b = 0`` and ``theta = w``). With ``A = [X, 1]`` and
    ``Lambda = diag(1/prior_var, ..., 1/prior_var, 0)`` the posterior is Gaussian with::

        cov  = (A.T A / noise_var + Lambda)^-1,      mean = cov @ A.T y / noise_var,

    and ``mean`` is the ridge estimate of :func:`l2course.fit_ridge` with ``alpha = noise_var / prior_var``.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    noise_var, prior_var : float
        sigma**2 and tau**2, > 0.
    fit_intercept : bool, default True

    Returns
    -------
    GaussianPosterior

    Examples
    --------
    One centred feature with ``x @ x = 2``: the ridge slope ``2 / (2 + alpha)`` and, at ``x = 0``, the
    intercept's variance ``noise_var / n``.

    >>> post = posterior([[-1.0], [1.0]], [-1.0, 1.0], noise_var=1.0, prior_var=1.0)
    >>> post.cov
    array([[0.3333, 0.    ],
           [0.    , 0.5   ]])
    """
    X, y = as_design(X, y, finite=True)
    noise_var = as_scalar(noise_var, "noise_var", minimum=0, strict=True)
    prior_var = as_scalar(prior_var, "prior_var", minimum=0, strict=True)
    fit_intercept = _as_flag(fit_intercept, "fit_intercept")
    A = _design(X, fit_intercept)
    prior_precision = np.full(A.shape[1], 1.0 / prior_var)
    if fit_intercept:
        prior_precision[-1] = 0.0  # flat prior on b
    precision = A.T @ A / noise_var + np.diag(prior_precision)
    cov = np.linalg.inv(precision)
    cov = (cov + cov.T) / 2
    return GaussianPosterior(cov @ (A.T @ y) / noise_var, cov, noise_var, fit_intercept)


def _centred(X, y, fit_intercept):
    if fit_intercept:
        return X - X.mean(axis=0), y - y.mean(), X.shape[0] - 1
    return X, y, X.shape[0]


def log_evidence(X, y, *, alpha_bishop, beta_bishop, fit_intercept=True):
    """Log marginal likelihood ``log p(y | X, alpha_bishop, beta_bishop)`` of the Gaussian linear model.

    ``w ~ N(0, I / alpha_bishop)`` and ``eps ~ N(0, I / beta_bishop)`` integrated out (Bishop 2006, eq.
    3.86). With ``fit_intercept=True`` the intercept is integrated out too, under a flat prior of height 1;
    that is the same formula for the centred data with ``n - 1`` in place of ``n``, minus ``log(n) / 2``::

        (d/2) log a + (N/2) log B - E(m) - (1/2) log det M - (N/2) log(2 pi)   [- (1/2) log n]

    with ``M = a I + B Xc.T Xc``, ``m = B M^-1 Xc.T yc`` (the posterior mean of ``w``),
    ``E(m) = (B/2) ||yc - Xc m||**2 + (a/2) ||m||**2``, ``N = n - 1`` (``n`` without intercept, and then
    ``Xc = X``, ``yc = y``), ``a = alpha_bishop``, ``B = beta_bishop``.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    alpha_bishop : float
        Prior precision ``1 / prior_var``, > 0.
    beta_bishop : float
        Noise precision ``1 / noise_var``, > 0.
    fit_intercept : bool, default True

    Returns
    -------
    float

    Examples
    --------
    Without features the evidence is the density of ``y`` itself: one target with ``y = 0`` and unit
    noise gives ``log N(0 | 0, 1 + 1) = -log(4 pi) / 2`` when the prior variance is 1.

    >>> round(log_evidence([[1.0]], [0.0], alpha_bishop=1.0, beta_bishop=1.0, fit_intercept=False), 6)
    -1.265512
    """
    X, y = as_design(X, y, finite=True)
    a = as_scalar(alpha_bishop, "alpha_bishop", minimum=0, strict=True)
    B = as_scalar(beta_bishop, "beta_bishop", minimum=0, strict=True)
    fit_intercept = _as_flag(fit_intercept, "fit_intercept")
    if fit_intercept and X.shape[0] < 2:
        raise ValueError("with fit_intercept=True the evidence needs at least 2 examples")
    Xc, yc, N = _centred(X, y, fit_intercept)
    d = X.shape[1]
    M = a * np.eye(d) + B * Xc.T @ Xc
    m = B * np.linalg.solve(M, Xc.T @ yc)
    r = yc - Xc @ m
    E = B / 2 * (r @ r) + a / 2 * (m @ m)
    logdet = np.linalg.slogdet(M)[1]
    value = d / 2 * np.log(a) + N / 2 * np.log(B) - E - logdet / 2 - N / 2 * np.log(2 * np.pi)
    if fit_intercept:
        value -= np.log(X.shape[0]) / 2
    return float(value)


class EvidenceFit(NamedTuple):
    """Result of :func:`maximize_evidence`.

    Attributes
    ----------
    alpha_bishop, beta_bishop : float
        The maximizing prior precision ``1 / prior_var`` and noise precision ``1 / noise_var``.
    effective_dof : float
        The effective number of well-determined parameters (Bishop's gamma),
        ``sum_j B mu_j / (a + B mu_j)`` with ``mu_j`` the eigenvalues of ``Xc.T Xc``: ridge's effective
        degrees of freedom at ``alpha = a / B``.
    log_evidence : float
        :func:`log_evidence` at the maximum.
    n_iter : int
        Fixed-point iterations used.

    Examples
    --------
    >>> fit = EvidenceFit(2.0, 4.0, 1.5, -10.0, 12)
    >>> fit.alpha, fit.noise_var, fit.prior_var   # ridge alpha = alpha_bishop / beta_bishop
    (0.5, 0.25, 0.5)
    """

    alpha_bishop: float
    beta_bishop: float
    effective_dof: float
    log_evidence: float
    n_iter: int

    @property
    def alpha(self):
        """The ridge strength in the SSE convention, ``noise_var / prior_var``."""
        return self.alpha_bishop / self.beta_bishop

    @property
    def noise_var(self):
        """``1 / beta_bishop``."""
        return 1.0 / self.beta_bishop

    @property
    def prior_var(self):
        """``1 / alpha_bishop``."""
        return 1.0 / self.alpha_bishop


def maximize_evidence(X, y, *, fit_intercept=True, tol=1e-12, max_iter=10_000):
    """Empirical Bayes: the precisions that maximize :func:`log_evidence`, by MacKay's fixed point.

    Starting from ``alpha_bishop = 1`` and ``beta_bishop = 1 / var(y)``, it repeats (Bishop 2006,
    eqs. 3.91-3.95; MacKay 1992)::

        df = sum_j B mu_j / (a + B mu_j),   a <- df / ||m||**2,   B <- (N - df) / ||yc - Xc m||**2

    where ``mu_j`` are the eigenvalues of ``Xc.T Xc``, ``m`` is the posterior mean of ``w`` for the current
    ``(a, B)`` and ``N = n - 1`` with the intercept (``n`` without), until both precisions change by less
    than ``tol`` relatively. A fixed point is a stationary point of the log evidence.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    fit_intercept : bool, default True
    tol : float, default 1e-12
        Relative change of both precisions at which to stop, > 0.
    max_iter : int, default 10000

    Returns
    -------
    EvidenceFit

    Raises
    ------
    RuntimeError
        If the iteration has not converged after ``max_iter`` steps (for instance when the data carry no
        signal, and the prior precision grows without bound).

    Examples
    --------
    >>> x = np.linspace(-1, 1, 20)
    >>> y = 2 * x + 0.1 * np.cos(40 * x)
    >>> fit = maximize_evidence(x.reshape(-1, 1), y)
    >>> bool(fit.effective_dof < 1.0), bool(abs(fit.noise_var - 0.005) < 0.005)
    (True, True)
    """
    X, y = as_design(X, y, finite=True)
    fit_intercept = _as_flag(fit_intercept, "fit_intercept")
    tol = as_scalar(tol, "tol", minimum=0, strict=True)
    max_iter = as_count(max_iter, "max_iter", minimum=1)
    if fit_intercept and X.shape[0] < 2:
        raise ValueError("with fit_intercept=True the evidence needs at least 2 examples")
    Xc, yc, N = _centred(X, y, fit_intercept)
    mu, V = np.linalg.eigh(Xc.T @ Xc)
    mu = np.clip(mu, 0.0, None)
    Vty = V.T @ (Xc.T @ yc)
    y_var = float(np.mean(yc**2))  # about the mean with an intercept, about 0 without
    if y_var == 0.0:
        which = "constant" if fit_intercept else "all zero"
        raise ValueError(f"y is {which}: there is no noise variance to estimate")
    a, B = 1.0, 1.0 / y_var
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        m = V @ (B * Vty / (a + B * mu))
        r = yc - Xc @ m
        df = float(np.sum(B * mu / (a + B * mu)))
        mm, rr = float(m @ m), float(r @ r)
        if mm == 0.0 or rr == 0.0:
            raise RuntimeError("the posterior mean or the residual is exactly zero: the evidence has no maximum")
        a_new, B_new = df / mm, (N - df) / rr
        done = abs(a_new - a) <= tol * a_new and abs(B_new - B) <= tol * B_new
        a, B = a_new, B_new
        if done:
            break
    else:
        raise RuntimeError(
            f"the evidence fixed point did not converge in {max_iter} iterations "
            f"(alpha_bishop = {a:.3g}, beta_bishop = {B:.3g}); the data may carry no signal"
        )
    df = float(np.sum(B * mu / (a + B * mu)))
    value = log_evidence(X, y, alpha_bishop=a, beta_bishop=B, fit_intercept=fit_intercept)
    return EvidenceFit(a, B, df, value, n_iter)


class LaplacePosterior1D(NamedTuple):
    """Result of :func:`laplace_posterior_1d`.

    Attributes
    ----------
    mode : float
        The MAP estimate, ``sign(centre) * max(|centre| - data_var / laplace_scale, 0)``: exactly zero
        when ``|centre| <= data_var / laplace_scale``.
    mean : float
        The posterior mean; zero only when ``centre`` is zero.
    prob_positive : float
        The posterior probability that the weight is positive.

    Examples
    --------
    >>> laplace_posterior_1d(0.0, data_var=1.0, laplace_scale=1.0)
    LaplacePosterior1D(mode=0.0, mean=0.0, prob_positive=0.5)
    """

    mode: float
    mean: float
    prob_positive: float


_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _log_ndtr(z):
    """log Phi(z) for the standard normal CDF, accurate far into the lower tail."""
    if z > -30.0:
        return math.log(0.5 * math.erfc(-z / math.sqrt(2.0)))
    # asymptotic series of the Mills ratio; relative error below 1e-10 for z <= -30
    inv = 1.0 / (z * z)
    series = 1.0 - inv + 3.0 * inv**2 - 15.0 * inv**3 + 105.0 * inv**4
    return -0.5 * z * z - math.log(-z) - _LOG_SQRT_2PI + math.log(series)


def _mills(z):
    """phi(z) / Phi(z)."""
    return math.exp(-0.5 * z * z - _LOG_SQRT_2PI - _log_ndtr(z))


def laplace_posterior_1d(centre, *, data_var, laplace_scale):
    """Mode and mean of ``p(w) ∝ exp(-(w - centre)**2 / (2 data_var) - |w| / laplace_scale)``.

    This is the posterior of one weight ``w`` with a Gaussian likelihood and a prior ``Laplace(0,
    laplace_scale)``: for ``y_i = w x_i + eps_i``, ``centre`` is the least-squares estimate
    ``x @ y / (x @ x)`` and ``data_var = noise_var / (x @ x)`` its variance. The mode is the soft threshold
    of ``centre``; the mean is computed in closed form from the two truncated Gaussians that make up the
    posterior (with ``u = centre / sqrt(data_var)`` and ``k = sqrt(data_var) / laplace_scale``, the half
    ``w > 0`` has weight ``exp(-u k) Phi(u - k)`` and the half ``w < 0`` has ``exp(u k) Phi(-u - k)``).

    Parameters
    ----------
    centre : float
        The maximizer of the likelihood term.
    data_var : float
        Its variance, > 0.
    laplace_scale : float
        The prior's scale (the course's gamma; prior variance ``2 laplace_scale**2``), > 0.

    Returns
    -------
    LaplacePosterior1D

    Examples
    --------
    A small data term: the MAP is exactly zero, the mean is not.

    >>> post = laplace_posterior_1d(0.5, data_var=1.0, laplace_scale=1.0)
    >>> post.mode, round(post.mean, 4)
    (0.0, 0.241)
    """
    c = as_scalar(centre, "centre")
    v = as_scalar(data_var, "data_var", minimum=0, strict=True)
    g = as_scalar(laplace_scale, "laplace_scale", minimum=0, strict=True)
    threshold = v / g
    mode = math.copysign(max(abs(c) - threshold, 0.0), c) + 0.0
    s = math.sqrt(v)
    u, k = c / s, s / g
    log_pos = -u * k + _log_ndtr(u - k)  # weight of the half w > 0
    log_neg = u * k + _log_ndtr(-u - k)  # weight of the half w < 0
    prob_positive = 0.5 * (1.0 - math.tanh((log_neg - log_pos) / 2))  # logistic, no overflow
    mean_pos = s * ((u - k) + _mills(u - k))  # mean of N(c - v/g, v) on w > 0
    mean_neg = s * ((u + k) - _mills(-u - k))  # mean of N(c + v/g, v) on w < 0
    mean = prob_positive * mean_pos + (1.0 - prob_positive) * mean_neg
    return LaplacePosterior1D(mode, float(mean) + 0.0, prob_positive)


def plot_predictive_band(x, mean, var, *, param_var=None, ax=None, width=2.0):
    """The predictive mean with a band of ``width`` standard deviations on each side.

    The light band is ``mean +- width * sqrt(var)`` (the whole predictive variance, noise included); with
    ``param_var`` a darker band ``mean +- width * sqrt(param_var)`` shows the parameter uncertainty alone.

    Parameters
    ----------
    x : array_like of shape (m,)
        Inputs, in increasing order.
    mean, var : array_like of shape (m,)
        Predictive mean and variance (>= 0), e.g. from :meth:`GaussianPosterior.predict`.
    param_var : array_like of shape (m,), optional
        The variance without the noise (``predict(..., include_noise=False)``).
    ax : matplotlib.axes.Axes, optional
    width : float, default 2.0
        Half-width of the bands in standard deviations, > 0.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_predictive_band([0.0, 1.0], [0.0, 1.0], [1.0, 4.0], param_var=[0.5, 1.0])
    >>> len(ax.collections), ax.get_lines()[0].get_label()
    (2, 'predictive mean')
    >>> plt.close("all")
    """
    x = as_array(x, "x", ndim=1, finite=True)
    arrays = {"mean": mean, "var": var} | ({} if param_var is None else {"param_var": param_var})
    for name, value in arrays.items():
        arrays[name] = as_array(value, name, ndim=1)
        if arrays[name].shape != x.shape:
            raise ValueError(f"{name} has shape {arrays[name].shape} but x has shape {x.shape}")
        if name != "mean" and np.any(arrays[name] < 0):
            raise ValueError(f"{name} must be >= 0 (a variance, not a standard deviation)")
    width = as_scalar(width, "width", minimum=0, strict=True)
    if ax is None:
        _, ax = plt.subplots()
    mean = arrays["mean"]
    half = width * np.sqrt(arrays["var"])
    ax.fill_between(x, mean - half, mean + half, color="0.85", linewidth=0,
                    label=f"±{width:g} sd, predictive")
    if param_var is not None:
        half = width * np.sqrt(arrays["param_var"])
        ax.fill_between(x, mean - half, mean + half, color="0.65", linewidth=0,
                        label=f"±{width:g} sd, parameters only")
    ax.plot(x, mean, color=PALETTE["model"], label="predictive mean", zorder=2.5)  # above sampled curves
    return ax
