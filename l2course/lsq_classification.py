"""Least squares for classification beyond two classes: indicators, Fisher's direction, scoring rules.

Section 6b of the course. Three topics, one group of helpers each:

* **Indicator regression** -- least squares on one-hot targets for K classes (:func:`one_hot`,
  :func:`fit_indicators`, :class:`IndicatorFit`), the seeded three-classes-on-a-line data of the
  masking problem (:func:`make_classes_on_a_line`) and its picture (:func:`plot_indicator_fits`).
* **Fisher's discriminant** -- the within-class scatter matrix S_W (:func:`within_class_scatter`),
  the direction ``S_W^{-1} (m_1 - m_0)`` (:func:`fisher_direction`) and Bishop's target coding
  ``-n/n_0``, ``n/n_1`` (:func:`fisher_targets`) under which least squares finds that direction.
* **Scoring rules** -- the expected score of a forecast probability ``p_hat`` when the event has
  probability ``p``, for the log loss, the Brier score and the absolute error
  (:func:`expected_score`), and a plot of those curves (:func:`plot_expected_scores`).

Classes are integer labels ``0, ..., K-1``; for two classes, class 0 and class 1 (Bishop's C1 and C2).
"""

from itertools import combinations_with_replacement
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar
from .plots import CYCLE

__all__ = [
    "one_hot",
    "quadratic_features",
    "IndicatorFit",
    "fit_indicators",
    "make_classes_on_a_line",
    "plot_indicator_fits",
    "within_class_scatter",
    "fisher_direction",
    "fisher_targets",
    "expected_score",
    "plot_expected_scores",
]

_RULES = ("log", "brier", "absolute")


def _labels(labels, name="labels", n_classes=None):
    """Integer class labels 0..K-1 as an int array of shape (n,), and K."""
    arr = as_array(labels, name, ndim=1)
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold whole numbers 0, 1, ..., K-1; got values {np.unique(arr)[:5]}")
    arr = arr.astype(int)
    k = int(arr.max()) + 1 if n_classes is None else as_count(n_classes, "n_classes", minimum=1)
    if np.any(arr >= k):
        raise ValueError(f"{name} has a label {arr.max()} but n_classes is {k}; labels must be below n_classes")
    return arr, k


def one_hot(labels, n_classes=None):
    """One-hot (indicator) targets: row i has a 1 in column ``labels[i]`` and 0 elsewhere.

    Parameters
    ----------
    labels : array_like of shape (n,)
        Whole numbers 0, ..., K-1.
    n_classes : int, optional
        K; by default ``max(labels) + 1``.

    Returns
    -------
    numpy.ndarray of shape (n, K)

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    labels, k = _labels(labels, n_classes=n_classes)
    return np.eye(k)[labels]


def quadratic_features(X):
    """The columns of ``X`` followed by all their squares and pairwise products.

    For one feature x this is ``[x, x**2]``; for d features it has ``d + d (d + 1) / 2`` columns.

    Parameters
    ----------
    X : array_like of shape (n, d)

    Returns
    -------
    numpy.ndarray of shape (n, d + d (d + 1) / 2)

    Examples
    --------
    >>> quadratic_features([[2.0], [3.0]])
    array([[2., 4.],
           [3., 9.]])
    >>> quadratic_features([[1.0, 2.0]])
    array([[1., 2., 1., 2., 4.]])
    """
    X = as_array(X, "X", ndim=2)
    products = [X[:, i] * X[:, j] for i, j in combinations_with_replacement(range(X.shape[1]), 2)]
    return np.column_stack([X, *products])


def _basis(X, degree):
    return X if degree == 1 else quadratic_features(X)


class IndicatorFit(NamedTuple):
    """Least squares on one-hot targets: K fitted linear functions ``y_hat_k(x)``.

    Attributes
    ----------
    coef : numpy.ndarray of shape (p, K)
        Column k holds the weights of indicator k on the basis of :func:`fit_indicators`, the
        intercept last (``p`` = number of basis columns + 1).
    degree : int
        1 (the features) or 2 (also their squares and products, :func:`quadratic_features`).
    n_features : int
        Number of columns of the ``X`` it was fitted on.
    """

    coef: np.ndarray
    degree: int
    n_features: int

    def decision_function(self, X):
        """The fitted indicators ``y_hat_k(x)``, shape (m, K); each row sums to 1 (with the intercept)."""
        X = as_array(X, "X", ndim=2)
        if X.shape[1] != self.n_features:
            raise ValueError(f"X must have {self.n_features} columns; got shape {X.shape}")
        A = np.column_stack([_basis(X, self.degree), np.ones(X.shape[0])])
        return A @ self.coef

    def predict(self, X):
        """The class whose fitted indicator is largest (the first one on a tie), shape (m,)."""
        return np.argmax(self.decision_function(X), axis=1)


def fit_indicators(X, labels, *, degree=1, n_classes=None):
    """Fit K linear functions to one-hot targets by least squares (with an intercept).

    Minimizes ``sum_i sum_k (y_ik - y_hat_k(x_i))**2`` where ``y_i`` is the one-hot row of example i
    and ``y_hat_k(x) = a(x) @ coef[:, k]`` with ``a(x) = (basis(x), 1)``. The K columns decouple: each is
    an ordinary least-squares fit of one indicator, computed by :func:`numpy.linalg.lstsq` (the
    minimum-norm solution if the basis is rank-deficient).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Features.
    labels : array_like of shape (n,)
        Class labels 0, ..., K-1.
    degree : {1, 2}, default 1
        1 for the features themselves, 2 to add their squares and products.
    n_classes : int, optional
        K; by default ``max(labels) + 1``.

    Returns
    -------
    IndicatorFit

    Examples
    --------
    >>> fit = fit_indicators([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> np.round(fit.coef, 2)  # slope and intercept of the indicators of class 0 and 1
    array([[-0.4,  0.4],
           [ 1.1, -0.1]])
    >>> fit.predict([[0.5], [2.5]])
    array([0, 1])
    """
    X = as_array(X, "X", ndim=2, finite=True)
    labels, k = _labels(labels, n_classes=n_classes)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but labels has {labels.shape[0]} values; expected one per row")
    if degree not in (1, 2) or isinstance(degree, bool):
        raise ValueError(f"degree must be 1 or 2; got {degree!r}")
    A = np.column_stack([_basis(X, degree), np.ones(X.shape[0])])
    coef = np.linalg.lstsq(A, np.eye(k)[labels], rcond=None)[0]
    return IndicatorFit(coef=coef, degree=int(degree), n_features=X.shape[1])


def make_classes_on_a_line(n_per_class=40, *, spacing=4.0, seed=0):
    """Three one-dimensional Gaussian classes with means ``-spacing, 0, spacing`` and SD 1.

    The classes are balanced (``n_per_class`` each) and, for ``spacing >= 4``, well separated, so
    a good classifier makes few mistakes; least squares on their indicators still never predicts
    the middle class (the masking problem of Hastie et al. 2009, Section 4.2).

    Parameters
    ----------
    n_per_class : int, default 40
    spacing : float, default 4.0
        Distance between neighbouring class means (> 0).
    seed : int, default 0

    Returns
    -------
    X : numpy.ndarray of shape (3 n_per_class, 1)
    labels : numpy.ndarray of shape (3 n_per_class,)
        0, 1, 2 from left to right.

    Examples
    --------
    >>> X, labels = make_classes_on_a_line(5)
    >>> X.shape, np.bincount(labels).tolist()
    ((15, 1), [5, 5, 5])
    """
    n_per_class = as_count(n_per_class, "n_per_class", minimum=1)
    spacing = as_scalar(spacing, "spacing", minimum=0, strict=True)
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), n_per_class)
    x = spacing * (labels - 1) + rng.standard_normal(labels.shape[0])
    return x.reshape(-1, 1), labels


def plot_indicator_fits(fit, X, labels, *, ax=None, grid=None):
    """The K fitted indicators of a one-feature :class:`IndicatorFit`, the data and the predicted regions.

    Each class gets one colour: its fitted line, its data (at height 1 in its own indicator, 0 in the
    others, drawn as a rug at 0 and 1) and the background of the intervals where it is predicted.

    Parameters
    ----------
    fit : IndicatorFit
        Fitted on one feature.
    X : array_like of shape (n, 1)
    labels : array_like of shape (n,)
    ax : matplotlib.axes.Axes, optional
    grid : array_like of shape (m,), optional
        Where to evaluate the lines; by default 400 points spanning the data.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> X, labels = make_classes_on_a_line(10)
    >>> ax = plot_indicator_fits(fit_indicators(X, labels), X, labels)
    >>> len(ax.get_lines())  # three fitted lines
    3
    >>> plt.close(ax.figure)
    """
    if not isinstance(fit, IndicatorFit):
        raise TypeError(f"fit must be an IndicatorFit (from fit_indicators); got {type(fit).__name__}")
    if fit.n_features != 1:
        raise ValueError(f"fit must be fitted on one feature to be drawn on a line; it has {fit.n_features}")
    X, y = as_design(X, labels)
    labels, k = _labels(y, n_classes=fit.coef.shape[1])
    if grid is None:
        grid = np.linspace(X.min() - 1.0, X.max() + 1.0, 400)
    grid = as_array(grid, "grid", ndim=1)
    values = fit.decision_function(grid.reshape(-1, 1))
    predicted = np.argmax(values, axis=1)
    if ax is None:
        _, ax = plt.subplots()
    colours = [CYCLE[i % len(CYCLE)] for i in range(k)]
    edges = np.concatenate([[grid[0]], (grid[1:] + grid[:-1]) / 2, [grid[-1]]])
    starts = np.flatnonzero(np.diff(predicted, prepend=-1))  # one band per run of equal predictions
    stops = np.append(starts[1:], grid.shape[0])
    for start, stop in zip(starts, stops, strict=True):
        ax.axvspan(edges[start], edges[stop], color=colours[predicted[start]], alpha=0.12, linewidth=0)
    for c in range(k):
        ax.plot(grid, values[:, c], color=colours[c], label=rf"$\hat{{y}}_{c}(x)$, class {c}")
        xs = X[labels == c, 0]
        ax.scatter(xs, np.ones_like(xs), marker="|", s=80, color=colours[c])
        ax.scatter(xs, np.zeros_like(xs), marker="|", s=80, color=colours[c], alpha=0.35)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("$x$")
    ax.set_ylabel(r"fitted indicator $\hat{y}_k(x)$")
    return ax


def within_class_scatter(X, y):
    """Within-class scatter ``S_W = sum_k sum_{i in class k} (x_i - m_k)(x_i - m_k)^T`` (Bishop eq. 4.28).

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
        Class labels 0, ..., K-1.

    Returns
    -------
    numpy.ndarray of shape (d, d)

    Examples
    --------
    >>> within_class_scatter([[0.0], [2.0], [10.0], [12.0]], [0, 0, 1, 1])
    array([[4.]])
    """
    X, y = as_design(X, y, finite=True)
    labels, k = _labels(y, "y")
    S = np.zeros((X.shape[1], X.shape[1]))
    for c in range(k):
        Xc = X[labels == c]
        if Xc.shape[0] == 0:
            raise ValueError(f"y has no example of class {c}; every class 0..{k - 1} needs one")
        D = Xc - Xc.mean(axis=0)
        S += D.T @ D
    return S


def _two_classes(y):
    labels, k = _labels(y, "y")
    counts = np.bincount(labels, minlength=2)
    if k != 2 or np.any(counts == 0):
        raise ValueError(f"y must hold the two labels 0 and 1, each at least once; got counts {counts.tolist()}")
    return labels, counts


def fisher_direction(X, y):
    """Fisher's discriminant direction ``S_W^{-1} (m_1 - m_0)`` for two classes (not normalized).

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
        Labels 0 and 1, both present.

    Returns
    -------
    numpy.ndarray of shape (d,)

    Raises
    ------
    ValueError
        If ``S_W`` is singular (e.g. fewer than d + 2 examples): the direction is then not unique.

    Examples
    --------
    >>> fisher_direction([[0.0], [2.0], [10.0], [12.0]], [0, 0, 1, 1])  # S_W = 4, m_1 - m_0 = 10
    array([2.5])
    """
    X, y = as_design(X, y, finite=True)
    labels, _ = _two_classes(y)
    S = within_class_scatter(X, labels)
    if np.linalg.matrix_rank(S) < S.shape[0]:
        raise ValueError("the within-class scatter S_W of X is singular; Fisher's direction is not unique")
    mean_gap = X[labels == 1].mean(axis=0) - X[labels == 0].mean(axis=0)
    return np.linalg.solve(S, mean_gap)


def fisher_targets(y):
    """Bishop's target coding for two classes: ``-n/n_0`` for class 0 and ``n/n_1`` for class 1.

    The targets sum to zero, so a least-squares fit with an intercept puts its boundary
    ``w @ x + b = 0`` through the mean of all the inputs (Bishop 2006, Section 4.1.5).

    Parameters
    ----------
    y : array_like of shape (n,)
        Labels 0 and 1, both present.

    Returns
    -------
    numpy.ndarray of shape (n,)

    Examples
    --------
    >>> fisher_targets([0, 1, 1, 1])
    array([-4.    ,  1.3333,  1.3333,  1.3333])
    """
    labels, counts = _two_classes(y)
    n = labels.shape[0]
    return np.where(labels == 1, n / counts[1], -n / counts[0])


def expected_score(p, p_hat, rule="log"):
    """Expected score of the forecast probability ``p_hat`` when the event has probability ``p``.

    With ``Y ~ Bernoulli(p)`` the expectation is ``p S(1, p_hat) + (1 - p) S(0, p_hat)`` for the score
    ``S(y, p_hat)`` of the rule (lower is better):

    * ``"log"``: ``S = -y log p_hat - (1 - y) log(1 - p_hat)``, so ``-p log p_hat - (1 - p) log(1 - p_hat)``
      (``0 log 0`` is 0; infinite where a possible outcome gets probability 0);
    * ``"brier"``: ``S = (y - p_hat)**2``, so ``p (1 - p_hat)**2 + (1 - p) p_hat**2``;
    * ``"absolute"``: ``S = |y - p_hat|``, so ``p (1 - p_hat) + (1 - p) p_hat``.

    Parameters
    ----------
    p : float or array_like
        True probabilities in [0, 1].
    p_hat : float or array_like
        Forecasts in [0, 1]; broadcast against ``p``.
    rule : {"log", "brier", "absolute"}, default "log"

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(expected_score(0.5, 0.5), 6)  # log 2
    0.693147
    >>> expected_score(0.3, [0.3, 0.0], rule="brier")  # p (1 - p) at the truth
    array([0.21, 0.3 ])
    >>> expected_score(0.3, [0.3, 0.0], rule="absolute")  # the wrong forecast 0 scores better
    array([0.42, 0.3 ])
    """
    if not isinstance(rule, str) or rule not in _RULES:
        raise ValueError(f"rule must be one of {', '.join(map(repr, _RULES))}; got {rule!r}")
    p = as_array(p, "p")
    p_hat = as_array(p_hat, "p_hat")
    for a, name in ((p, "p"), (p_hat, "p_hat")):
        with np.errstate(invalid="ignore"):
            if np.any((a < 0) | (a > 1)):
                raise ValueError(f"{name} must lie in [0, 1]; got values from {a.min()} to {a.max()}")
    p, p_hat = np.broadcast_arrays(p, p_hat)
    if rule == "brier":
        out = p * (1 - p_hat) ** 2 + (1 - p) * p_hat**2
    elif rule == "absolute":
        out = p * (1 - p_hat) + (1 - p) * p_hat
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            one = np.where(p > 0, -p * np.log(p_hat), 0.0)
            zero = np.where(p < 1, -(1 - p) * np.log1p(-p_hat), 0.0)
        out = one + zero
    return float(out) if out.ndim == 0 else out


_RULE_NAMES = {"log": "log loss", "brier": "Brier score", "absolute": "absolute error"}


def plot_expected_scores(p_values, rule, *, ax=None, n_grid=999):
    """Expected-score curves ``p_hat -> expected_score(p, p_hat, rule)``, one per true ``p``, with their minima.

    Each curve's minimum over the grid is marked with a dot (for a proper rule it sits at ``p_hat = p``).

    Parameters
    ----------
    p_values : array_like of shape (m,)
        True probabilities in [0, 1].
    rule : {"log", "brier", "absolute"}
    ax : matplotlib.axes.Axes, optional
    n_grid : int, default 999
        Number of forecasts on the open interval (0, 1): ``k / (n_grid + 1)``, k = 1..n_grid.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_expected_scores([0.2, 0.7], "brier")
    >>> len(ax.get_lines())  # two curves, two minima
    4
    >>> plt.close(ax.figure)
    """
    p_values = as_array(p_values, "p_values", ndim=1)
    n_grid = as_count(n_grid, "n_grid", minimum=1)
    p_hat = np.arange(1, n_grid + 1) / (n_grid + 1)
    expected_score(p_values, 0.5, rule)  # validates p_values and rule
    if ax is None:
        _, ax = plt.subplots()
    for i, p in enumerate(p_values):
        colour = CYCLE[i % len(CYCLE)]
        curve = expected_score(p, p_hat, rule)
        ax.plot(p_hat, curve, color=colour, label=f"true $p$ = {p:g}")
        j = int(np.argmin(curve))
        ax.plot([p_hat[j]], [curve[j]], "o", color=colour)
    ax.set_xlim(0, 1)
    ax.set_xlabel(r"forecast $\hat{p}$")
    ax.set_ylabel(f"expected {_RULE_NAMES[rule]}")
    return ax
