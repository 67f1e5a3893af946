"""Least squares as an estimator: its covariance, standard errors, confidence intervals and influence.

The chapter *Least squares as an estimator* treats the least-squares fit of ``y = X w + b + noise`` as a
random quantity (the design ``X`` fixed, the noise random) and needs:

* :func:`design` -- the matrix ``A = [X, 1]`` whose least-squares coefficients are ``theta = (w, b)``, ``b``
  last (or ``A = X`` without an intercept);
* :func:`ols_covariance` -- ``Cov(theta_hat) = noise_var * (A.T A)^-1``, and :func:`estimator_covariance`,
  ``Cov(C y) = C Cov(eps) C.T`` for any linear estimator ``C``;
* :func:`fit_ols_inference` -- the fit with its estimated noise variance ``SSE / (n - p)``, standard errors
  and t-based confidence intervals (:class:`OLSInference`);
* :func:`linear_unbiased_estimator` -- other unbiased linear estimators ``(M.T A)^-1 M.T``, to compare with
  least squares (the Gauss-Markov theorem);
* :func:`simulate_estimates` -- seeded repeated samples of an estimator under Gaussian, uniform or Laplace
  noise, :func:`simulate_intervals` -- the t intervals of every replication, and
  :func:`sample_covariance_se`, the Monte-Carlo standard error of a simulated covariance;
* :func:`leverage` and :func:`influence` -- the hat values ``h_ii``, studentized residuals and Cook's distance
  (:class:`Influence`);
* :func:`plot_confidence_intervals` and :func:`plot_cooks_distance` -- the two pictures of the chapter that
  :mod:`l2course.plots` does not draw.

Throughout, ``p`` is the number of columns of ``A``: ``d + 1`` with the intercept, ``d`` without.
"""

from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar

__all__ = [
    "NOISES",
    "design",
    "ols_covariance",
    "estimator_covariance",
    "OLSInference",
    "fit_ols_inference",
    "linear_unbiased_estimator",
    "simulate_estimates",
    "simulate_intervals",
    "sample_covariance_se",
    "leverage",
    "Influence",
    "influence",
    "plot_confidence_intervals",
    "plot_cooks_distance",
]

NOISES = ("gaussian", "uniform", "laplace")
"""Noise distributions of :func:`simulate_estimates`, each scaled to the requested variance."""


def design(X, *, fit_intercept=True):
    """The matrix ``A`` whose least-squares coefficients are ``theta = (w, b)``.

    With an intercept, ``A = [X, 1]``: the intercept is the weight of a column of ones, placed last, so
    ``theta[:-1]`` is ``w`` and ``theta[-1]`` is ``b``. Without one, ``A = X``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix of the features, finite.
    fit_intercept : bool, default True
        Whether to append the column of ones.

    Returns
    -------
    numpy.ndarray of shape (n, d + 1), or (n, d) without the intercept

    Examples
    --------
    >>> design([[2.0], [5.0]])
    array([[2., 1.],
           [5., 1.]])
    >>> design([[2.0], [5.0]], fit_intercept=False)
    array([[2.],
           [5.]])
    """
    X = as_array(X, "X", finite=True)
    if X.ndim != 2:
        hint = " (for a single feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(f"X must be 2-D with shape (n, d); got shape {X.shape}{hint}")
    if not isinstance(fit_intercept, bool | np.bool_):
        raise TypeError(f"fit_intercept must be True or False; got {fit_intercept!r}")
    return np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X


def _full_rank_svd(A, name="X"):
    """Thin SVD of A, refusing a rank-deficient A (then (A.T A)^-1 does not exist)."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    n, p = A.shape
    tol = s[0] * max(n, p) * np.finfo(float).eps if s[0] > 0 else 0.0
    rank = int(np.sum(s > tol))
    if n < p or rank < p:
        raise ValueError(
            f"{name} (with the intercept column, if any) has {p} columns but rank {rank} on {n} rows: "
            f"(A.T A) is singular and the least-squares coefficients are not unique; "
            f"drop duplicated or constant columns, or add rows"
        )
    return U, s, Vt


def ols_covariance(X, noise_var, *, fit_intercept=True):
    """Covariance of the least-squares coefficients: ``noise_var * (A.T A)^-1``.

    It holds for a fixed design ``X`` of full column rank and errors with mean zero and covariance
    ``noise_var * I`` (uncorrelated, homoscedastic); no normality is needed. ``(A.T A)^-1`` is computed
    from the singular values of ``A`` (``V diag(1/s**2) V.T``), not by inverting ``A.T A``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite; ``A = design(X, fit_intercept=...)`` must have full column rank.
    noise_var : float
        The noise variance ``sigma**2``, >= 0.
    fit_intercept : bool, default True
        Whether ``theta`` includes the intercept (last).

    Returns
    -------
    numpy.ndarray of shape (p, p)

    Examples
    --------
    The mean of n values is the least-squares intercept of a model without features, and its variance
    is ``sigma**2 / n``: here ``X`` has one column of ones and no intercept.

    >>> ols_covariance(np.ones((4, 1)), 2.0, fit_intercept=False)
    array([[0.5]])
    >>> ols_covariance([[-1.0], [0.0], [1.0]], 3.0)  # x centred: w and b uncorrelated
    array([[1.5, 0. ],
           [0. , 1. ]])
    """
    noise_var = as_scalar(noise_var, "noise_var", minimum=0)
    A = design(X, fit_intercept=fit_intercept)
    _, s, Vt = _full_rank_svd(A)
    return noise_var * (Vt.T / s**2) @ Vt


def estimator_covariance(C, error_cov):
    """Covariance ``C Cov(eps) C.T`` of a linear estimator ``theta_tilde = C y`` with ``y = A theta + eps``.

    Parameters
    ----------
    C : array_like of shape (p, n)
        The estimator's matrix (for least squares, ``(A.T A)^-1 A.T``).
    error_cov : float, array_like of shape (n,) or (n, n)
        ``Cov(eps)``: a scalar ``sigma**2`` (uncorrelated, homoscedastic errors), a vector of variances
        (uncorrelated, heteroscedastic), or a full covariance matrix.

    Returns
    -------
    numpy.ndarray of shape (p, p)

    Examples
    --------
    The mean of two values, ``C = [1/2, 1/2]``, with variances 1 and 3:

    >>> estimator_covariance([[0.5, 0.5]], [1.0, 3.0])
    array([[1.]])
    >>> estimator_covariance([[0.5, 0.5]], 2.0)
    array([[1.]])
    """
    C = as_array(C, "C", ndim=2, finite=True)
    n = C.shape[1]
    S = as_array(error_cov, "error_cov", ndim=(0, 1, 2), finite=True)
    if S.ndim == 0:
        return float(S) * (C @ C.T)
    if S.ndim == 1:
        if S.shape != (n,):
            raise ValueError(f"error_cov has shape {S.shape}; expected ({n},), one variance per column of C")
        return (C * S) @ C.T
    if S.shape != (n, n):
        raise ValueError(f"error_cov has shape {S.shape}; expected ({n}, {n}) to match C's {n} columns")
    return C @ S @ C.T


class OLSInference(NamedTuple):
    """A least-squares fit with its standard errors (the result of :func:`fit_ols_inference`).

    Attributes
    ----------
    coef : numpy.ndarray of shape (p,)
        ``theta_hat = (w_hat, b_hat)``, the intercept last (absent without one).
    stderr : numpy.ndarray of shape (p,)
        Standard errors ``sqrt(diag(covariance))``.
    covariance : numpy.ndarray of shape (p, p)
        Estimated covariance ``noise_var * (A.T A)^-1``.
    noise_var : float
        Unbiased estimate ``SSE / (n - p)`` of the noise variance.
    dof : int
        Residual degrees of freedom ``n - p``.
    fit_intercept : bool
        Whether the last coefficient is the intercept.

    Examples
    --------
    >>> fit = fit_ols_inference([[0.0], [1.0], [2.0], [3.0]], [1.0, 2.0, 2.0, 4.0])
    >>> fit.w, fit.b, fit.dof
    (array([0.9]), 0.9, 2)
    """

    coef: np.ndarray
    stderr: np.ndarray
    covariance: np.ndarray
    noise_var: float
    dof: int
    fit_intercept: bool

    @property
    def w(self):
        """The weights ``w_hat`` (``coef`` without the intercept)."""
        return self.coef[:-1] if self.fit_intercept else self.coef

    @property
    def b(self):
        """The intercept ``b_hat`` (0.0 without one)."""
        return float(self.coef[-1]) if self.fit_intercept else 0.0

    def conf_int(self, level=0.95):
        """Confidence intervals ``coef -/+ t_{dof, (1 + level)/2} * stderr``, one row per coefficient.

        Exact (coverage exactly ``level``) when the errors are Gaussian, uncorrelated and homoscedastic
        with a fixed, full-rank design; with other error distributions of finite variance only
        asymptotically, as ``n`` grows. The quantile comes from :data:`scipy.stats.t`.

        Parameters
        ----------
        level : float, default 0.95
            Coverage, strictly between 0 and 1.

        Returns
        -------
        numpy.ndarray of shape (p, 2)
            Lower and upper ends.

        Examples
        --------
        >>> fit = fit_ols_inference([[0.0], [1.0], [2.0], [3.0]], [1.0, 2.0, 2.0, 4.0])

        Slope ``0.9 -/+ t_{2, 0.975} sqrt(0.35 / 5)`` with ``t_{2, 0.975} = 4.303``:

        >>> np.round(fit.conf_int(), 3)
        array([[-0.238,  2.038],
               [-1.23 ,  3.03 ]])
        """
        from scipy import stats

        level = as_scalar(level, "level", minimum=0, strict=True)
        if level >= 1:
            raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
        half = stats.t.ppf(0.5 + level / 2, self.dof) * self.stderr
        return np.column_stack([self.coef - half, self.coef + half])


def fit_ols_inference(X, y, *, fit_intercept=True):
    """Least squares with the usual standard errors: ``noise_var_hat * (A.T A)^-1``, ``SSE / (n - p)``.

    The coefficients solve the least-squares problem on ``A = design(X, fit_intercept=...)`` by an SVD
    (the same minimizer as :func:`l2course.fit_least_squares`). The noise variance is estimated by the
    unbiased ``SSE / (n - p)``, and the covariance of the coefficients by that times ``(A.T A)^-1``. These
    are statsmodels' ``OLS(...).fit()`` ``params``, ``bse`` and ``cov_params()`` (its "nonrobust"
    covariance), valid under uncorrelated, homoscedastic errors.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite, with ``A`` of full column rank.
    y : array_like of shape (n,)
        Targets, finite.
    fit_intercept : bool, default True
        Whether to fit the intercept (the last coefficient).

    Returns
    -------
    OLSInference

    Raises
    ------
    ValueError
        If ``A`` is rank deficient or ``n <= p`` (no residual degrees of freedom to estimate the noise).

    Examples
    --------
    >>> fit = fit_ols_inference([[0.0], [1.0], [2.0], [3.0]], [1.0, 2.0, 2.0, 4.0])

    By hand: residuals 0.1, 0.2, -0.7, 0.4 give ``SSE = 0.7`` and ``0.7 / (4 - 2) = 0.35``; the slope's
    standard error is ``sqrt(0.35 / S_xx)`` with ``S_xx = 5``, the intercept's
    ``sqrt(0.35 (1/4 + 1.5**2 / 5))``.

    >>> round(fit.noise_var, 12), np.round(fit.stderr, 4).tolist()
    (0.35, [0.2646, 0.495])
    """
    X, y = as_design(X, y, finite=True)
    A = design(X, fit_intercept=fit_intercept)
    n, p = A.shape
    U, s, Vt = _full_rank_svd(A)
    if n <= p:
        raise ValueError(f"X has {n} rows and {p} coefficients: n - p must be >= 1 to estimate the noise")
    coef = Vt.T @ ((U.T @ y) / s)
    residual = y - A @ coef
    noise_var = float(residual @ residual) / (n - p)
    covariance = noise_var * (Vt.T / s**2) @ Vt
    return OLSInference(
        coef=coef,
        stderr=np.sqrt(np.diag(covariance)),
        covariance=covariance,
        noise_var=noise_var,
        dof=n - p,
        fit_intercept=bool(fit_intercept),
    )


def linear_unbiased_estimator(X, M, *, fit_intercept=True):
    """The matrix ``C = (M.T A)^-1 M.T`` of a linear estimator that is unbiased for ``theta``.

    For any ``n x p`` matrix ``M`` with ``M.T A`` invertible, ``C A = I``, so ``E[C y] = theta`` whenever
    ``y = A theta + eps`` with ``E[eps] = 0``. ``M = A`` gives least squares; ``M = W A`` with a diagonal
    ``W >= 0`` gives weighted least squares (the weights ``diag(W)``), and a 0/1 diagonal is least squares
    on a subset of the rows.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    M : array_like of shape (n, p)
        The "instrument" matrix, ``p`` the number of columns of ``A``.
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (p, n)

    Examples
    --------
    The intercept-only model (``X`` with zero columns is not allowed, so take no intercept and a column
    of ones): weighting the first of three points twice gives the weighted mean.

    >>> C = linear_unbiased_estimator(np.ones((3, 1)), [[2.0], [1.0], [1.0]], fit_intercept=False)
    >>> C
    array([[0.5 , 0.25, 0.25]])
    >>> C @ np.ones((3, 1))  # unbiased: C A = I
    array([[1.]])
    """
    A = design(X, fit_intercept=fit_intercept)
    M = as_array(M, "M", ndim=2, finite=True)
    if M.shape != A.shape:
        raise ValueError(
            f"M has shape {M.shape}; expected {A.shape}, the shape of the design "
            f"{'[X, 1]' if fit_intercept else 'X'}"
        )
    MA = M.T @ A
    if np.linalg.matrix_rank(MA) < A.shape[1]:
        raise ValueError("M.T @ A is singular: M must be chosen so that M.T @ A is invertible")
    return np.linalg.solve(MA, M.T)


def _noise(rng, kind, noise_var, size):
    sd = np.sqrt(noise_var)
    if kind == "gaussian":
        return sd * rng.standard_normal(size)
    if kind == "uniform":  # uniform on [-a, a] has variance a**2 / 3
        return rng.uniform(-np.sqrt(3.0) * sd, np.sqrt(3.0) * sd, size)
    if kind == "laplace":  # Laplace with scale g has variance 2 g**2
        return rng.laplace(0.0, sd / np.sqrt(2.0), size)
    raise ValueError(f"noise must be one of {NOISES}; got {kind!r}")


def simulate_estimates(X, theta, *, noise_var, n_rep, seed=0, fit_intercept=True, noise="gaussian",
                       estimator=None, error_var=None):
    """Repeated samples ``y = A theta + eps`` from a fixed design, each estimated by a linear estimator.

    Each replication draws a fresh error vector ``eps`` (independent entries of mean zero and variance
    ``noise_var``, or ``error_var[i]`` for row ``i``) and returns ``C y``. The design stays the same in
    every replication: this is the "fixed X" sampling distribution of the theorems.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    theta : array_like of shape (p,)
        True coefficients ``(w, b)``, the intercept last (``p = d + 1``; ``d`` without the intercept).
    noise_var : float
        Error variance ``sigma**2`` (> 0), used unless ``error_var`` is given.
    n_rep : int
        Number of replications, >= 2.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.
    fit_intercept : bool, default True
    noise : {"gaussian", "uniform", "laplace"}, default "gaussian"
        Distribution of the errors, scaled to the variance asked for.
    estimator : array_like of shape (p, n), optional
        The matrix ``C``; least squares ``(A.T A)^-1 A.T`` by default.
    error_var : array_like of shape (n,), optional
        Per-row error variances (heteroscedastic errors); overrides ``noise_var``.

    Returns
    -------
    numpy.ndarray of shape (n_rep, p)
        One estimate per row.

    Examples
    --------
    The mean of 5 values, 4000 times: its variance is close to ``sigma**2 / 5 = 0.2``.

    >>> est = simulate_estimates(np.ones((5, 1)), [3.0], noise_var=1.0, n_rep=4000, fit_intercept=False)
    >>> est.shape, bool(abs(est.mean() - 3.0) < 0.03), bool(abs(est.var() - 0.2) < 0.02)
    ((4000, 1), True, True)
    """
    A = design(X, fit_intercept=fit_intercept)
    n, p = A.shape
    theta = as_array(theta, "theta", ndim=1, finite=True)
    if theta.shape != (p,):
        raise ValueError(
            f"theta has shape {theta.shape}; expected ({p},): {p - int(bool(fit_intercept))} "
            f"weights{' and the intercept last' if fit_intercept else ''}"
        )
    n_rep = as_count(n_rep, "n_rep", minimum=2)
    if error_var is None:
        scale = np.sqrt(as_scalar(noise_var, "noise_var", minimum=0, strict=True))
    else:
        error_var = as_array(error_var, "error_var", ndim=1, finite=True)
        if error_var.shape != (n,) or np.any(error_var <= 0):
            raise ValueError(f"error_var must hold {n} positive variances, one per row of X")
        scale = np.sqrt(error_var)
    if estimator is None:
        U, s, Vt = _full_rank_svd(A)
        C = (Vt.T / s) @ U.T
    else:
        C = as_array(estimator, "estimator", ndim=2, finite=True)
        if C.shape != (p, n):
            raise ValueError(f"estimator has shape {C.shape}; expected ({p}, {n}), a matrix C with theta = C y")
    rng = np.random.default_rng(seed)
    eps = _noise(rng, noise, 1.0, (n_rep, n)) * scale
    Y = A @ theta + eps  # one replication per row
    return Y @ C.T


def simulate_intervals(X, theta, *, noise_var, n_rep, level=0.95, seed=0, fit_intercept=True,
                       noise="gaussian"):
    """The t confidence intervals of :meth:`OLSInference.conf_int` in repeated samples from a fixed design.

    Replication ``k`` draws ``y = A theta + eps`` (errors as in :func:`simulate_estimates`), fits least
    squares, estimates the noise by ``SSE / (n - p)`` and forms ``coef -/+ t_{n-p, (1+level)/2} stderr``:
    the same numbers as ``fit_ols_inference(X, y).conf_int(level)``, for all replications at once.

    Parameters
    ----------
    X : array_like of shape (n, d)
    theta : array_like of shape (p,)
        True coefficients, the intercept last.
    noise_var : float
        Error variance, > 0.
    n_rep : int
        Number of replications, >= 2.
    level : float, default 0.95
    seed : int, default 0
    fit_intercept : bool, default True
    noise : {"gaussian", "uniform", "laplace"}, default "gaussian"

    Returns
    -------
    numpy.ndarray of shape (n_rep, p, 2)
        Lower and upper ends for every replication and coefficient. The coverage of coefficient ``j`` is
        ``np.mean((lo[:, j] <= theta[j]) & (theta[j] <= hi[:, j]))``.

    Examples
    --------
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> ci = simulate_intervals(X, [2.0, 1.0], noise_var=0.25, n_rep=2000, seed=1)
    >>> covered = (ci[..., 0] <= [2.0, 1.0]) & ([2.0, 1.0] <= ci[..., 1])
    >>> ci.shape, bool(np.all(np.abs(covered.mean(axis=0) - 0.95) < 0.02))
    ((2000, 2, 2), True)
    """
    from scipy import stats

    level = as_scalar(level, "level", minimum=0, strict=True)
    if level >= 1:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
    A = design(X, fit_intercept=fit_intercept)
    n, p = A.shape
    if n <= p:
        raise ValueError(f"X has {n} rows and {p} coefficients: n - p must be >= 1 to estimate the noise")
    coef = simulate_estimates(X, theta, noise_var=noise_var, n_rep=n_rep, seed=seed,
                              fit_intercept=fit_intercept, noise=noise)
    # the same draws again, for the residuals (simulate_estimates is seeded)
    rng = np.random.default_rng(seed)
    eps = _noise(rng, noise, 1.0, (n_rep, n)) * np.sqrt(noise_var)
    Y = A @ as_array(theta, "theta", ndim=1) + eps
    residual = Y - coef @ A.T
    s2 = np.sum(residual**2, axis=1) / (n - p)
    _, s, Vt = _full_rank_svd(A)
    gram_inv_diag = np.sum((Vt.T / s) ** 2, axis=1)
    half = stats.t.ppf(0.5 + level / 2, n - p) * np.sqrt(s2[:, None] * gram_inv_diag)
    return np.stack([coef - half, coef + half], axis=-1)


def sample_covariance_se(cov, n_rep):
    """Monte-Carlo standard error of each entry of a sample covariance of ``n_rep`` Gaussian draws.

    For draws from a normal distribution with covariance ``S``, the sample covariance entry ``S_hat_jk``
    has variance ``(S_jk**2 + S_jj S_kk) / (n_rep - 1)``. A simulated covariance within a few of these
    standard errors of a formula agrees with it as well as the simulation can tell; for non-Gaussian
    draws it is a guide (the fourth moments differ), good when the estimates are averages of many errors.

    Parameters
    ----------
    cov : array_like of shape (p, p)
        The (true) covariance ``S``, symmetric.
    n_rep : int
        Number of draws, >= 2.

    Returns
    -------
    numpy.ndarray of shape (p, p)

    Examples
    --------
    The sample variance of 101 standard normal draws has standard error ``sqrt(2 / 100)``:

    >>> round(float(sample_covariance_se([[1.0]], 101)[0, 0]), 4)
    0.1414
    """
    S = as_array(cov, "cov", ndim=2, finite=True)
    if S.shape[0] != S.shape[1] or not np.allclose(S, S.T):
        raise ValueError(f"cov must be a symmetric square matrix; got shape {S.shape}")
    n_rep = as_count(n_rep, "n_rep", minimum=2)
    d = np.diag(S)
    return np.sqrt((S**2 + np.outer(d, d)) / (n_rep - 1))


def leverage(X, *, fit_intercept=True):
    """Leverages ``h_ii``, the diagonal of the hat matrix ``P = A (A.T A)^-1 A.T``.

    Computed as the squared row norms of ``U`` in the thin SVD ``A = U S V.T`` (``P = U U.T``), without
    forming the ``n x n`` matrix. Each ``h_ii`` lies in ``[0, 1]`` (``[1/n, 1]`` with an intercept) and
    they sum to ``p``, the number of columns of ``A``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, with ``A`` of full column rank.
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (n,)

    Examples
    --------
    A line through x = 0, 1, 2, 10: the far point has most of the leverage. For one feature with an
    intercept, ``h_ii = 1/n + (x_i - mean(x))**2 / S_xx`` (here ``mean(x) = 3.25``, ``S_xx = 62.75``).

    >>> np.round(leverage([[0.0], [1.0], [2.0], [10.0]]), 3).tolist()
    [0.418, 0.331, 0.275, 0.976]
    """
    A = design(X, fit_intercept=fit_intercept)
    U, _, _ = _full_rank_svd(A)
    return np.sum(U**2, axis=1)


class Influence(NamedTuple):
    """Per-example diagnostics of a least-squares fit (the result of :func:`influence`).

    Attributes
    ----------
    leverage : numpy.ndarray of shape (n,)
        ``h_ii``.
    residual : numpy.ndarray of shape (n,)
        ``r_i = y_i - y_hat_i``.
    studentized_internal : numpy.ndarray of shape (n,)
        ``r_i / (s sqrt(1 - h_ii))`` with ``s**2 = SSE / (n - p)`` (statsmodels'
        ``resid_studentized_internal``).
    studentized_external : numpy.ndarray of shape (n,)
        The same with ``s`` replaced by ``s_(i)``, the estimate from the fit without example ``i``
        (``resid_studentized_external``); t-distributed with ``n - p - 1`` degrees of freedom under
        Gaussian errors.
    cooks_distance : numpy.ndarray of shape (n,)
        ``D_i = r_i**2 h_ii / (p s**2 (1 - h_ii)**2)``.

    Examples
    --------
    The line through these points is ``1.2 x - 0.2`` (``S_xy = 12``, ``S_xx = 10``):

    >>> out = influence([[0.0], [1.0], [2.0], [3.0], [4.0]], [0.0, 1.0, 2.0, 3.0, 5.0])
    >>> (out.residual.round(2) + 0.0).tolist(), round(float(out.leverage.sum()), 12)
    ([0.2, 0.0, -0.2, -0.4, 0.4], 2.0)
    """

    leverage: np.ndarray
    residual: np.ndarray
    studentized_internal: np.ndarray
    studentized_external: np.ndarray
    cooks_distance: np.ndarray


def influence(X, y, *, fit_intercept=True):
    """Leverage, studentized residuals and Cook's distance of every example of a least-squares fit.

    Cook's distance ``D_i`` measures how far the fit moves when example ``i`` is deleted:
    ``D_i = ||A (theta_hat - theta_hat_(i))||**2 / (p s**2)``, which equals the closed form
    ``r_i**2 h_ii / (p s**2 (1 - h_ii)**2)`` (Cook, 1977). The closed forms need no refit.

    An example with leverage 1 is fitted exactly whatever its target (deleting it leaves the design
    rank deficient): its studentized residuals and Cook's distance are NaN.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, with ``A`` of full column rank.
    y : array_like of shape (n,)
        Targets, finite.
    fit_intercept : bool, default True

    Returns
    -------
    Influence

    Raises
    ------
    ValueError
        If ``A`` is rank deficient or ``n <= p + 1`` (the external studentization needs ``n - p - 1 >= 1``).

    Examples
    --------
    >>> out = influence([[0.0], [1.0], [2.0], [3.0], [10.0]], [0.1, 0.9, 2.2, 2.8, 7.0])
    >>> int(np.argmax(out.cooks_distance)), round(float(out.leverage.sum()), 12)
    (4, 2.0)
    """
    X, y = as_design(X, y, finite=True)
    A = design(X, fit_intercept=fit_intercept)
    n, p = A.shape
    U, _, _ = _full_rank_svd(A)
    if n - p - 1 < 1:
        raise ValueError(f"X has {n} rows and {p} coefficients: influence needs n - p - 1 >= 1")
    h = np.sum(U**2, axis=1)
    residual = y - U @ (U.T @ y)
    sse = float(residual @ residual)
    s2 = sse / (n - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        one_minus_h = np.where(h > 1 - 1e-12, np.nan, 1.0 - h)
        internal = residual / np.sqrt(s2 * one_minus_h)
        s2_without = (sse - residual**2 / one_minus_h) / (n - p - 1)
        external = residual / np.sqrt(s2_without * one_minus_h)
        cooks = residual**2 * h / (p * s2 * one_minus_h**2)
    return Influence(h, residual, internal, external, cooks)


# --------------------------------------------------------------------------------------------- plots


def _new_axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_confidence_intervals(intervals, truth, *, ax=None, label="coefficient"):
    """Confidence intervals from repeated samples as horizontal bars, those missing ``truth`` highlighted.

    Parameters
    ----------
    intervals : array_like of shape (m, 2)
        Lower and upper ends, one replication per row (drawn bottom to top).
    truth : float
        The true value, a vertical line.
    ax : matplotlib.axes.Axes, optional
    label : str, default "coefficient"
        What the intervals are for (the x-axis label).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_confidence_intervals([[0.0, 2.0], [1.5, 3.0], [-1.0, 0.5]], 1.0)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['covers the true value (1 of 3)', 'misses it (2 of 3)', 'true value']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    from .plots import PALETTE

    intervals = as_array(intervals, "intervals", ndim=2, finite=True)
    if intervals.shape[1] != 2 or np.any(intervals[:, 0] > intervals[:, 1]):
        raise ValueError("intervals must have shape (m, 2) with lower <= upper in every row")
    truth = as_scalar(truth, "truth")
    ax = _new_axes(ax)
    covers = (intervals[:, 0] <= truth) & (truth <= intervals[:, 1])
    rows = np.arange(len(intervals))
    m = len(intervals)
    for mask, colour, width, text in [
        (covers, PALETTE["data"], 1.5, f"covers the true value ({covers.sum()} of {m})"),
        (~covers, PALETTE["model"], 2.5, f"misses it ({(~covers).sum()} of {m})"),
    ]:
        ax.hlines(rows[mask], intervals[mask, 0], intervals[mask, 1], colors=colour, linewidth=width,
                  label=text)
    ax.axvline(truth, color=PALETTE["neutral"], linestyle="--", linewidth=1.2, label="true value")
    ax.set_xlabel(label)
    ax.set_ylabel("replication")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8)
    return ax


def plot_cooks_distance(position, cooks_distance, *, ax=None, threshold=None, xlabel="$x$"):
    """Cook's distance of every example as a stem plot, with an optional threshold line.

    Parameters
    ----------
    position : array_like of shape (n,)
        Where to draw each example (a feature, or its index).
    cooks_distance : array_like of shape (n,)
        ``D_i`` from :func:`influence`.
    ax : matplotlib.axes.Axes, optional
    threshold : float, optional
        A horizontal dotted line (a common rule of thumb is 1, or 4 / n).
    xlabel : str, default "$x$"

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_cooks_distance([0, 1, 2], [0.1, 0.05, 2.0], threshold=1.0)
    >>> ax.get_ylabel()
    "Cook's distance $D_i$"
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    from .plots import PALETTE

    position = as_array(position, "position", ndim=1, finite=True)
    cooks = as_array(cooks_distance, "cooks_distance", ndim=1)
    if cooks.shape != position.shape:
        raise ValueError(f"position has shape {position.shape} but cooks_distance has shape {cooks.shape}")
    ax = _new_axes(ax)
    ax.vlines(position, 0, cooks, colors=PALETTE["residual"], linewidth=1.5)
    ax.scatter(position, cooks, color=PALETTE["residual"], s=20, zorder=3)
    if threshold is not None:
        threshold = as_scalar(threshold, "threshold", minimum=0)
        ax.axhline(threshold, color=PALETTE["neutral"], linestyle=":", linewidth=1.2,
                   label=f"$D_i$ = {threshold:g}")
        ax.legend(loc="upper left", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Cook's distance $D_i$")
    return ax
