"""Robust alternatives to the squared error: absolute error, Huber, pinball loss, and the fits.

The losses themselves (:func:`l2course.mae`, :func:`l2course.huber`) live in
:mod:`l2course.losses`; this module adds their (sub)gradients, the pinball (quantile) loss, exact
least-absolute-deviations and quantile regression, Huber regression with a fixed threshold, and
the plot helpers of chapter 4.

Notation: ``y`` targets, ``y_hat`` predictions, ``r = y - y_hat`` residuals, ``delta`` the Huber
threshold, ``quantile`` the level ``q`` in (0, 1) of the pinball loss.
"""

from itertools import combinations

import numpy as np

from ._validation import as_array, as_count, as_design, as_pair, as_scalar
from .models import LinearModel
from .plots import PALETTE

__all__ = [
    "mae_subgrad",
    "huber_grad",
    "pinball_loss",
    "huber_location",
    "fit_quantile",
    "fit_least_absolute",
    "fit_huber",
    "estimate_with_outlier",
    "smearing_factor",
    "plot_estimate_vs_outlier",
    "plot_fitted_lines",
]

_REDUCTIONS = ("mean", "sum", "none")


def _new_axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _reduce(values, reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        choices = ", ".join(repr(c) for c in _REDUCTIONS)
        raise ValueError(f"reduction must be one of {choices}; got {reduction!r}")
    if reduction == "none":
        return values
    if reduction == "sum":
        return float(values.sum())
    return float(values.mean())


def _scale_gradient(per_element, n, reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        choices = ", ".join(repr(c) for c in _REDUCTIONS)
        raise ValueError(f"reduction must be one of {choices}; got {reduction!r}")
    return per_element / n if reduction == "mean" else per_element


def _as_quantile(quantile):
    q = as_scalar(quantile, "quantile", minimum=0, strict=True)
    if q >= 1:
        raise ValueError(f"quantile must be strictly between 0 and 1; got {quantile!r}")
    return q


def mae_subgrad(y, y_hat, *, reduction="mean"):
    """A subgradient of the absolute error with respect to the predictions.

    ``|y - y_hat|`` has derivative ``sign(y_hat - y)`` wherever ``y_hat != y``; at ``y_hat == y``
    every number in ``[-1, 1]`` is a subgradient and this function returns ``0`` (the choice that
    makes a zero residual stay put).

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        Subgradient of the MAE (``sign(y_hat - y) / n``, ``n`` the number of elements), of the
        sum of absolute errors, or of each element's own loss.

    Returns
    -------
    numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> mae_subgrad([0, 0, 0, 0], [-2, 0, 1, 3])
    array([-0.25,  0.  ,  0.25,  0.25])
    """
    y, y_hat = as_pair(y, y_hat)
    return _scale_gradient(np.sign(y_hat - y), y.size, reduction)


def huber_grad(y, y_hat, *, delta=1.0, reduction="mean"):
    """Gradient of the Huber loss with respect to the predictions: the clipped residual.

    With ``r = y - y_hat``, the derivative of ``huber`` (see :func:`l2course.huber`) with
    respect to ``y_hat`` is ``-clip(r, -delta, delta)``: ``y_hat - y`` (the gradient of ``r**2 / 2``)
    while ``|r| <= delta``, and ``delta * sign(y_hat - y)`` (a scaled gradient of ``|r|``) beyond.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    delta : float, default 1.0
        Threshold between the quadratic and the linear part, finite and > 0.
    reduction : {"mean", "sum", "none"}, default "mean"
        Gradient of ``huber(..., reduction=reduction)``: the "mean" divides by the number of
        elements, "none" gives each element's own derivative.

    Returns
    -------
    numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> huber_grad([0, 0, 0], [0.5, -3, 2], delta=1.0, reduction="none")
    array([ 0.5, -1. ,  1. ])
    """
    delta = as_scalar(delta, "delta", minimum=0, strict=True)
    y, y_hat = as_pair(y, y_hat)
    return _scale_gradient(np.clip(y_hat - y, -delta, delta), y.size, reduction)


def pinball_loss(y, y_hat, *, quantile=0.5, reduction="mean"):
    """Pinball (quantile, check) loss ``rho_q(r) = max(q * r, (q - 1) * r)``, ``r = y - y_hat``.

    Under-predictions (``r > 0``) cost ``q`` per unit and over-predictions ``1 - q``, so the
    constant minimizing the summed loss is a ``q``-quantile of ``y`` (chapter 4). At
    ``quantile=0.5`` it is half the absolute error.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    quantile : float, default 0.5
        The level ``q``, strictly between 0 and 1.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean over all elements (scikit-learn's ``mean_pinball_loss(y, y_hat, alpha=q)``), sum,
        or the per-element losses.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> pinball_loss([10, 10], [8, 13], quantile=0.9, reduction="none")
    array([1.8, 0.3])
    >>> pinball_loss([0, 0], [1, -1], quantile=0.5)
    0.5
    """
    q = _as_quantile(quantile)
    y, y_hat = as_pair(y, y_hat)
    r = y - y_hat
    return _reduce(np.maximum(q * r, (q - 1.0) * r), reduction)


def huber_location(y, *, delta):
    """The constant ``c`` minimizing ``sum_i huber(y_i - c)``: a location estimate between median and mean.

    The minimizer solves ``psi(c) = sum_i clip(y_i - c, -delta, delta) = 0``. ``psi`` is
    non-increasing and linear between the breakpoints ``y_i - delta`` and ``y_i + delta``, so the
    root is found exactly: evaluate ``psi`` at the sorted breakpoints, then interpolate linearly
    inside the bracketing interval. If ``psi`` vanishes on a whole interval (no point within
    ``delta`` of it, which can only happen for small ``delta``) every point of that interval is a
    minimizer and the midpoint is returned.

    Parameters
    ----------
    y : array_like of shape (n,)
        The sample, finite.
    delta : float
        Huber threshold, finite and > 0. For ``delta >= max(y) - min(y)`` the result is the mean;
        as ``delta -> 0`` it tends to a median.

    Returns
    -------
    float

    Examples
    --------
    >>> huber_location([-1, 0, 2, 5, 10], delta=100.0)  # the mean
    3.2
    >>> huber_location([-1, 0, 2, 5, 10], delta=0.5)    # the median
    2.0
    """
    y = as_array(y, "y", ndim=1, finite=True)
    delta = as_scalar(delta, "delta", minimum=0, strict=True)

    def psi(c):
        return float(np.clip(y - c, -delta, delta).sum())

    knots = np.unique(np.concatenate([y - delta, y + delta]))
    values = np.array([psi(c) for c in knots])  # non-increasing, from n*delta down to -n*delta
    zero = np.flatnonzero(values == 0.0)
    if zero.size:
        return float(0.5 * (knots[zero[0]] + knots[zero[-1]]))
    k = int(np.flatnonzero(values > 0)[-1])  # psi(knots[k]) > 0 > psi(knots[k + 1])
    lo, hi = knots[k], knots[k + 1]
    return float(lo + (hi - lo) * values[k] / (values[k] - values[k + 1]))


def _design(X, y, fit_intercept):
    X, y = as_design(X, y, finite=True)
    Z = np.column_stack([np.ones(len(y)), X]) if fit_intercept else X
    if np.linalg.matrix_rank(Z) < Z.shape[1]:
        what = "[1, X] (X with an intercept column)" if fit_intercept else "X"
        raise ValueError(
            f"{what} has rank {np.linalg.matrix_rank(Z)} < {Z.shape[1]} columns: the fit is not "
            f"unique up to a vertex; remove duplicated or constant columns (and n must be >= "
            f"{Z.shape[1]})"
        )
    return Z, y


def _model(theta, fit_intercept):
    if fit_intercept:
        return LinearModel(w=theta[1:].copy(), b=float(theta[0]))
    return LinearModel(w=theta.copy(), b=0.0)


def _pinball_sum(r, q):
    return float(np.maximum(q * r, (q - 1.0) * r).sum())


def _start_vertex(Z, y, theta):
    """A fit through ``p`` linearly independent points, chosen by increasing ``|y - Z theta|``."""
    p = Z.shape[1]
    basis = []
    for i in np.argsort(np.abs(y - Z @ theta), kind="stable"):
        if np.linalg.matrix_rank(Z[basis + [i]]) == len(basis) + 1:
            basis.append(int(i))
            if len(basis) == p:
                break
    return np.linalg.solve(Z[basis], y[basis])


def fit_quantile(X, y, quantile=0.5, *, fit_intercept=True, max_iter=None):
    """Linear quantile regression: the ``w``, ``b`` minimizing ``sum_i rho_q(y_i - x_i @ w - b)``.

    ``rho_q`` is the pinball loss (:func:`pinball_loss`); ``quantile=0.5`` gives least absolute
    deviations (:func:`fit_least_absolute`). The objective is convex and piecewise linear, and a
    minimizer exists at a *vertex*: a fit passing exactly through ``p`` of the points (``p`` the
    number of coefficients, intercept included). The algorithm is exact, in two stages:

    1. a warm start by iteratively reweighted least squares (weights ``q / |r_i|`` or
       ``(1 - q) / |r_i|``, residuals floored at a small epsilon), then a vertex through the
       ``p`` points with the smallest residuals;
    2. descent from vertex to vertex: at the current vertex every direction that keeps ``p - 1`` of
       the zero-residual points on the fit is tried (these are the edges, also when more than
       ``p`` points have zero residual); along a descending edge an exact line search (the
       objective is piecewise linear along the edge) moves to the next vertex. When no edge
       descends, the directional derivative is non-negative in every direction, which proves the
       vertex a global minimizer of the convex objective.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite.
    y : array_like of shape (n,)
        Targets, finite.
    quantile : float, default 0.5
        The level ``q``, strictly between 0 and 1.
    fit_intercept : bool, default True
        Whether to fit an intercept ``b``.
    max_iter : int, optional
        Maximum number of vertex-to-vertex steps (default ``10 * n + 100``); RuntimeError if it
        is reached.

    Returns
    -------
    LinearModel

    Raises
    ------
    ValueError
        If the design (with the intercept column) does not have full column rank, e.g. fewer
        points than coefficients or a duplicated column.

    Notes
    -----
    The minimizer need not be unique (e.g. the median of an even number of points); the vertex
    returned is one minimizer. scikit-learn's ``QuantileRegressor(quantile=q, alpha=0,
    solver="highs")`` solves the same problem by linear programming.

    Examples
    --------
    Five points, one far off the line ``y = x``: the median line ignores it.

    >>> X = [[0.0], [1.0], [2.0], [3.0], [4.0]]
    >>> model = fit_quantile(X, [0.0, 1.0, 2.0, 30.0, 4.0], quantile=0.5)
    >>> np.round(model.w, 12), round(model.b, 12)
    (array([1.]), 0.0)
    """
    q = _as_quantile(quantile)
    Z, y = _design(X, y, fit_intercept)
    n, p = Z.shape
    max_iter = 10 * n + 100 if max_iter is None else as_count(max_iter, "max_iter")
    scale = float(np.abs(y).max()) + 1.0
    zero_tol = 1e-10 * scale

    # 1. IRLS warm start (a few dozen cheap weighted least-squares solves).
    theta = np.linalg.lstsq(Z, y, rcond=None)[0]
    for _ in range(50):
        r = y - Z @ theta
        weight = np.where(r > 0, q, 1.0 - q) / np.maximum(np.abs(r), 1e-6 * scale)
        sw = np.sqrt(weight)
        new = np.linalg.lstsq(Z * sw[:, None], y * sw, rcond=None)[0]
        if np.max(np.abs(new - theta)) <= 1e-9 * (np.max(np.abs(theta)) + 1.0):
            theta = new
            break
        theta = new
    theta = _start_vertex(Z, y, theta)

    # 2. Vertex-to-vertex descent with an exact line search.
    for _ in range(max_iter):
        r = y - Z @ theta
        on_fit = np.flatnonzero(np.abs(r) <= zero_tol)
        r[on_fit] = 0.0
        best = None
        for keep in combinations(on_fit.tolist(), p - 1):
            sub = Z[list(keep)]
            if p > 1 and np.linalg.matrix_rank(sub) < p - 1:
                continue
            # The direction that keeps the p - 1 chosen points on the fit: the null space of sub.
            h = np.linalg.svd(sub)[2][-1] if p > 1 else np.ones(1)
            for direction in (h, -h):
                a = Z @ direction  # residual i changes by -t * a_i along theta + t * direction
                slope = np.where(
                    r > 0, -q * a, np.where(r < 0, (1.0 - q) * a, np.maximum(-q * a, (1 - q) * a))
                ).sum()
                scaled = slope / np.linalg.norm(a)
                if scaled < -1e-12 and (best is None or scaled < best[0]):
                    best = (scaled, slope, direction, a)
        if best is None:
            return _model(theta, fit_intercept)
        _, slope, direction, a = best
        moving = (np.abs(a) > 1e-14 * np.abs(a).max()) & (r != 0)
        t_break = r[moving] / a[moving]
        ahead = t_break > 0
        t_break, weight = t_break[ahead], np.abs(a[moving][ahead])
        if t_break.size == 0:  # cannot happen for a full-rank design: the objective is coercive
            raise RuntimeError("fit_quantile found an unbounded descent direction; check the design")
        order = np.argsort(t_break, kind="stable")
        crossed = slope + np.cumsum(weight[order])
        hits = np.flatnonzero(crossed >= 0)
        k = int(hits[0]) if hits.size else t_break.size - 1
        theta = theta + t_break[order][k] * direction
    raise RuntimeError(f"fit_quantile did not converge in max_iter = {max_iter} vertex steps")


def fit_least_absolute(X, y, *, fit_intercept=True):
    """Least absolute deviations (LAD, "median regression"): minimize ``sum_i |y_i - x_i @ w - b|``.

    The same problem as :func:`fit_quantile` at ``quantile=0.5`` (``|r| = 2 rho_0.5(r)``), solved
    exactly there; see its notes on non-unique minimizers.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite, of full column rank (with the intercept column).
    y : array_like of shape (n,)
        Targets, finite.
    fit_intercept : bool, default True
        Whether to fit an intercept ``b``.

    Returns
    -------
    LinearModel

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0], [4.0]]
    >>> model = fit_least_absolute(X, [1.0, 3.0, 5.0, 7.0, -50.0])
    >>> np.round(model.predict([[10.0]]), 10)  # the line y = 1 + 2 x, despite the last point
    array([21.])
    """
    return fit_quantile(X, y, 0.5, fit_intercept=fit_intercept)


def fit_huber(X, y, delta, *, fit_intercept=True, tol=1e-12, max_iter=1000):
    """Huber regression with a fixed threshold: minimize ``sum_i huber(y_i - x_i @ w - b; delta)``.

    No scale is estimated and nothing is penalized (unlike scikit-learn's ``HuberRegressor``,
    which also fits a scale ``sigma`` with the threshold ``epsilon * sigma`` and adds
    ``alpha * ||w||**2``, ``alpha = 1e-4`` by default).

    Solved by iteratively reweighted least squares, a majorize-minimize scheme whose objective
    never increases: weights ``1`` for ``|r_i| <= delta`` and ``delta / |r_i|`` beyond. Once the
    set of points in the quadratic zone stops changing, the exact minimizer for that set (a
    linear system) is tried and kept if it is consistent and no worse, so the result is exact up
    to round-off in the usual case.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite, of full column rank (with the intercept column).
    y : array_like of shape (n,)
        Targets, finite.
    delta : float
        Threshold in the units of ``y``, finite and > 0. A large ``delta`` gives least squares, a
        small one approaches least absolute deviations.
    fit_intercept : bool, default True
        Whether to fit an intercept ``b``.
    tol : float, default 1e-12
        Stop when the relative change of the objective between iterations is below ``tol``.
    max_iter : int, default 1000
        Maximum number of reweighting iterations.

    Returns
    -------
    LinearModel

    Examples
    --------
    With a threshold wider than every residual, Huber regression is least squares:

    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0.0, 1.0, 1.0, 3.0]
    >>> np.round(fit_huber(X, y, delta=10.0).w, 10)
    array([0.9])
    >>> np.round(fit_huber(X, y, delta=0.1).w, 4)  # only 0.1 of slope per unit of pull
    array([1.])
    """
    delta = as_scalar(delta, "delta", minimum=0, strict=True)
    tol = as_scalar(tol, "tol", minimum=0)
    max_iter = as_count(max_iter, "max_iter", minimum=1)
    Z, y = _design(X, y, fit_intercept)

    def objective(theta):
        r = np.abs(y - Z @ theta)
        return float(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)).sum())

    def exact_for(inside, theta):
        """Minimizer of the Huber objective if the quadratic zone were exactly ``inside``."""
        s = np.sign(y - Z @ theta)
        Zi = Z[inside]
        if np.linalg.matrix_rank(Zi) < Z.shape[1]:
            return None
        rhs = Zi.T @ y[inside] + delta * (Z[~inside].T @ s[~inside])
        cand = np.linalg.solve(Zi.T @ Zi, rhs)
        r = y - Z @ cand
        consistent = np.all(np.abs(r[inside]) <= delta * (1 + 1e-12)) and np.all(
            (np.abs(r[~inside]) >= delta * (1 - 1e-12)) & (np.sign(r[~inside]) == s[~inside])
        )
        return cand if consistent else None

    theta = np.linalg.lstsq(Z, y, rcond=None)[0]
    current = objective(theta)
    inside_before = None
    for _ in range(max_iter):
        r = y - Z @ theta
        inside = np.abs(r) <= delta
        if inside_before is not None and np.array_equal(inside, inside_before):
            cand = exact_for(inside, theta)
            if cand is not None and objective(cand) <= current:
                return _model(cand, fit_intercept)
        inside_before = inside
        weight = np.where(inside, 1.0, delta / np.maximum(np.abs(r), delta))
        sw = np.sqrt(weight)
        theta = np.linalg.lstsq(Z * sw[:, None], y * sw, rcond=None)[0]
        new = objective(theta)
        converged = current - new <= tol * max(current, 1e-300)
        current = new
        if converged:
            break
    return _model(theta, fit_intercept)


def estimate_with_outlier(y, positions, estimator):
    """An estimate of a sample recomputed after adding one extra point at each position.

    Tukey's *sensitivity curve* is ``(n + 1) * (T(y + [z]) - T(y))``; this returns the
    estimates ``T(y + [z])`` themselves, one per position ``z``.

    Parameters
    ----------
    y : array_like of shape (n,)
        The clean sample.
    positions : array_like of shape (m,)
        Where the extra point goes.
    estimator : callable
        ``estimator(sample)`` returns a number, e.g. ``np.mean`` or ``np.median``.

    Returns
    -------
    numpy.ndarray of shape (m,)

    Examples
    --------
    >>> estimate_with_outlier([1, 2, 3], [0, 100], np.mean)
    array([ 1.5, 26.5])
    >>> estimate_with_outlier([1, 2, 3], [0, 100], np.median)
    array([1.5, 2.5])
    """
    y = as_array(y, "y", ndim=1)
    positions = as_array(positions, "positions", ndim=1)
    if not callable(estimator):
        raise TypeError(f"estimator must be a callable such as np.median; got {type(estimator).__name__}")
    return np.array([float(estimator(np.append(y, z))) for z in positions])


def smearing_factor(log_residuals):
    """Duan's smearing factor ``mean(exp(r_i))`` for back-transforming a fit made on a log scale.

    If ``log(y) = f(x) + eps`` with errors ``eps`` independent of ``x``, then
    ``E[y | x] = exp(f(x)) * E[exp(eps)]``; Duan (1983) estimates ``E[exp(eps)]`` by the mean of
    the exponentiated residuals ``r_i`` of the fit, without assuming the errors are Gaussian.
    (For Gaussian errors of variance ``sigma**2`` the factor is ``exp(sigma**2 / 2)``.)

    Parameters
    ----------
    log_residuals : array_like of shape (n,)
        Residuals ``log(y_i) - f_hat(x_i)`` of the fit on the log scale.

    Returns
    -------
    float
        The factor to multiply ``exp(f_hat(x))`` by; >= 1 when the residuals have mean zero
        (Jensen's inequality).

    Examples
    --------
    >>> round(smearing_factor([-0.5, 0.5]), 6)  # cosh(0.5)
    1.127626
    """
    residual = as_array(log_residuals, "log_residuals", ndim=1)
    return float(np.exp(residual).mean())


def plot_estimate_vs_outlier(positions, estimates, *, ax=None):
    """Estimates against the position of one added point (the data of :func:`estimate_with_outlier`).

    Parameters
    ----------
    positions : array_like of shape (m,)
        Positions of the added point (horizontal axis).
    estimates : dict of str to array_like of shape (m,)
        Legend label -> estimates. Labels mentioning "mean", "median" or "Huber" get the
        palette's ``l2``, ``l1`` and ``huber`` colours; others the accent colours.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> z = np.linspace(-10, 10, 5)
    >>> ax = plot_estimate_vs_outlier(z, {"mean": z / 4, "median": np.clip(z, -1, 1)})
    >>> [line.get_color() for line in ax.get_lines()] == [PALETTE["l2"], PALETTE["l1"]]
    True
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    positions = as_array(positions, "positions", ndim=1)
    ax = _new_axes(ax)
    spare = iter([PALETTE["accent"], PALETTE["secondary"], PALETTE["neutral"]] * 4)
    for name, values in estimates.items():
        values, _ = as_pair(values, positions, names=(f"estimates[{name!r}]", "positions"))
        key = str(name).lower()
        if "huber" in key:
            colour, style = PALETTE["huber"], "-."
        elif "median" in key:
            colour, style = PALETTE["l1"], "--"
        elif "mean" in key:
            colour, style = PALETTE["l2"], "-"
        else:
            colour, style = next(spare), ":"
        ax.plot(positions, values, color=colour, linestyle=style, label=str(name))
    ax.set_xlabel("position $z$ of the added point")
    ax.set_ylabel("estimate")
    ax.legend()
    return ax


def plot_fitted_lines(x, y, lines, *, ax=None, highlight=None):
    """Data and several fitted lines ``y = b + w x`` on one feature.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        The data.
    lines : dict of str to LinearModel (or (w, b) pairs)
        Legend label -> fitted model with one weight. Labels mentioning "least squares"/"L2"/
        "mean", "absolute"/"LAD"/"L1"/"median" or "Huber" get the palette's ``l2``, ``l1`` and
        ``huber`` colours; others the remaining palette colours.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    highlight : array_like of bool of shape (n,), optional
        Points to mark as outliers (drawn as open circles in the accent colour).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_fitted_lines([0, 1, 2], [0, 1, 5], {"least squares": LinearModel(np.array([2.5]), -0.5)})
    >>> ax.get_lines()[0].get_color() == PALETTE["l2"]
    True
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    x, y = as_pair(x, y, names=("x", "y"))
    if x.ndim != 1:
        raise ValueError(f"x and y must be 1-D; got shape {x.shape}")
    ax = _new_axes(ax)
    grid = np.linspace(x.min(), x.max(), 200)
    spare = iter([PALETTE["accent"], PALETTE["secondary"], PALETTE["neutral"], PALETTE["model"]] * 4)
    for name, model in lines.items():
        w, b = model
        w = as_array(w, f"lines[{name!r}] weight")
        if w.size != 1:
            raise ValueError(f"lines[{name!r}] must have exactly one weight; got {w.size}")
        key = str(name).lower()
        if "huber" in key:
            colour, style = PALETTE["huber"], "-."
        elif any(k in key for k in ("absolute", "lad", "l1", "median")):
            colour, style = PALETTE["l1"], "--"
        elif any(k in key for k in ("least squares", "l2", "mean")):
            colour, style = PALETTE["l2"], "-"
        else:
            colour, style = next(spare), ":"
        ax.plot(grid, float(b) + float(w.ravel()[0]) * grid, color=colour, linestyle=style, label=str(name))
    if highlight is None:
        ax.scatter(x, y, color=PALETTE["data"], s=22, alpha=0.8, label="data", zorder=3)
    else:
        mask = np.asarray(highlight, dtype=bool)
        if mask.shape != x.shape:
            raise ValueError(f"highlight must have shape {x.shape}; got {mask.shape}")
        ax.scatter(x[~mask], y[~mask], color=PALETTE["data"], s=22, alpha=0.8, label="data", zorder=3)
        ax.scatter(
            x[mask], y[mask], facecolors="none", edgecolors=PALETTE["accent"], s=50, linewidths=1.5,
            label="outliers", zorder=3,
        )
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return ax
