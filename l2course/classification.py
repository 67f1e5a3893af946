"""Squared error and cross-entropy for classification: sigmoid, losses, gradients, a fitter, Brier score.

Conventions (chapter 6 of the course):

* ``z`` is a logit (a real number), ``p = sigmoid(z)`` the predicted probability of class 1, and the
  label ``y`` is 0 or 1.
* The squared error on a probability is ``(y - p)**2`` -- no ``1/2`` in front -- so its derivative with
  respect to the logit is ``2 (p - y) p (1 - p)``. Under the ``1/2 (y - p)**2`` convention the 2 goes.
* The binary cross-entropy is ``-y log p - (1 - y) log(1 - p)``, whose derivative with respect to the
  logit is ``p - y``.
* The Brier score is the mean over examples of the squared distance between the one-hot label and the
  predicted probability vector, summed over the classes; for binary problems the customary form uses
  the positive class only, which is half the two-class sum. See :func:`brier_score`.
"""

from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_array, as_count, as_design, as_pair, as_scalar, as_weights
from .plots import PALETTE

__all__ = [
    "sigmoid",
    "binary_cross_entropy",
    "brier_score",
    "sigmoid_mse_grad",
    "cross_entropy_grad",
    "logistic_cost",
    "logistic_cost_grad",
    "LogisticFit",
    "fit_logistic",
    "BrierDecomposition",
    "reliability_decomposition",
    "make_blobs_2d",
    "plot_logit_gradients",
    "plot_boundaries",
    "plot_reliability_diagram",
]

_LOSSES = ("cross_entropy", "squared")
_METHODS = ("gd", "newton")


def _choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def _check_unit_interval(a, name):
    """Raise unless every (non-NaN) entry of ``a`` lies in [0, 1]."""
    with np.errstate(invalid="ignore"):
        bad = (a < 0) | (a > 1)
    if np.any(bad):
        i = int(np.argmax(bad.ravel()))
        raise ValueError(f"{name} must lie in [0, 1]; found {a.ravel()[i]} at flat index {i}")


def _scalar_or_array(out):
    return float(out) if out.ndim == 0 else out


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, computed without overflow.

    For ``z >= 0`` it evaluates ``1 / (1 + exp(-z))`` and for ``z < 0`` the equal expression
    ``exp(z) / (1 + exp(z))``, so ``exp`` only ever sees ``-|z| <= 0``: no overflow warning for
    ``z = -1000`` and full relative precision for very negative ``z`` (``sigmoid(-800)`` is about
    ``3.6e-348``, which underflows to 0 only because it is below the smallest float).

    Parameters
    ----------
    z : array_like
        Logits, any shape. NaN propagates.

    Returns
    -------
    float or numpy.ndarray
        Probabilities in [0, 1], of ``z``'s shape (a float for scalar input).

    Examples
    --------
    >>> sigmoid([0.0, 2.0, -2.0])
    array([0.5   , 0.8808, 0.1192])
    >>> sigmoid(-1000.0), sigmoid(1000.0)
    (0.0, 1.0)
    >>> f"{sigmoid(-30.0):.6e}"  # exp(-30) / (1 + exp(-30)), not 1 - (1 - tiny) = 0
    '9.357623e-14'
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    return _scalar_or_array(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def binary_cross_entropy(y, z, *, sample_weight=None):
    """Mean binary cross-entropy (log loss) of labels ``y`` given *logits* ``z``.

    Per example ``-y log p - (1 - y) log(1 - p)`` with ``p = sigmoid(z)``, computed from the logit
    in the overflow-free form ``max(z, 0) - y z + log(1 + exp(-|z|))``, so a confident wrong logit
    such as ``z = -1000`` for ``y = 1`` costs 1000 instead of ``inf``. This equals scikit-learn's
    ``log_loss(y, sigmoid(z))`` wherever that does not clip the probabilities.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1] (usually 0 or 1; soft labels are allowed).
    z : array_like, same shape as ``y``
        Logits.
    sample_weight : array_like of shape (n,), optional
        Weights of the rows; the result is then the weighted mean.

    Returns
    -------
    float

    Examples
    --------
    >>> round(binary_cross_entropy([1, 0], [0.0, 0.0]), 6)  # p = 0.5 twice: log 2
    0.693147
    >>> binary_cross_entropy([1], [-1000.0])
    1000.0
    """
    y, z = as_pair(y, z, names=("y", "z"))
    _check_unit_interval(y, "y")
    per = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return _weighted_mean(per, sample_weight)


def _weighted_mean(per, sample_weight):
    if sample_weight is None:
        return float(per.mean())
    if per.ndim == 0:
        raise ValueError("sample_weight needs at least one dimension (one weight per row); got scalars")
    w = as_weights(sample_weight, per.shape[0])
    rows = per.reshape(per.shape[0], -1).mean(axis=1)
    return float(np.dot(w, rows) / w.sum())


def brier_score(y, proba, *, sample_weight=None):
    """Brier score: mean squared distance between the outcome and the predicted probabilities.

    Two forms, chosen by the shape of ``proba``:

    * **binary** -- ``proba`` of shape (n,) holds ``p_i``, the probability of class 1, and ``y``
      the 0/1 labels: ``mean_i (y_i - p_i)**2``, in [0, 1]. This is scikit-learn's
      ``brier_score_loss(y, p)`` (its default ``scale_by_half="auto"`` halves the two-class sum for
      binary problems) and ``brier_score_loss(y, p, scale_by_half=False) / 2``.
    * **multi-class** -- ``proba`` of shape (n, K), rows summing to 1, and ``y`` either integer labels
      0..K-1 of shape (n,) or one-hot rows of shape (n, K):
      ``mean_i sum_k (y_ik - p_ik)**2``, in [0, 2] (Brier's original definition). This is
      scikit-learn's ``brier_score_loss(y, P)`` for K > 2 (``"auto"`` does *not* halve then) and
      ``brier_score_loss(y, P, scale_by_half=True) * 2``. For K = 2 the two-column form is twice
      the binary form. Divided by K it is the one-hot MSE of the deep-learning frameworks.

    Parameters
    ----------
    y : array_like
        Binary form: labels in [0, 1], shape (n,). Multi-class form: integer labels 0..K-1 of
        shape (n,) or one-hot (or soft) labels of shape (n, K).
    proba : array_like of shape (n,) or (n, K)
        Predicted probabilities in [0, 1].
    sample_weight : array_like of shape (n,), optional
        Weights of the examples; the result is the weighted mean.

    Returns
    -------
    float

    Examples
    --------
    >>> brier_score([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])
    0.0375
    >>> round(brier_score([0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]]), 4)
    0.1467
    >>> brier_score([1, 0], [[0.3, 0.7], [0.9, 0.1]])  # two columns: twice the binary form
    0.2
    """
    proba = as_array(proba, "proba", ndim=(1, 2))
    _check_unit_interval(proba, "proba")
    y = as_array(y, "y", ndim=(1, 2))
    if proba.ndim == 1:
        y, proba = as_pair(y, proba, names=("y", "proba"))
        _check_unit_interval(y, "y")
        return _weighted_mean((y - proba) ** 2, sample_weight)
    n, k = proba.shape
    if y.ndim == 1:
        if y.shape != (n,):
            raise ValueError(f"y has shape {y.shape} but proba has {n} rows; expected shape ({n},)")
        if not np.all((y == np.round(y)) & (y >= 0) & (y < k)):
            raise ValueError(
                f"integer labels y must be whole numbers in 0..{k - 1} (one column of proba each); "
                f"got values {np.unique(y)[:5]}"
            )
        y = np.eye(k)[y.astype(int)]
    else:
        y, proba = as_pair(y, proba, names=("y", "proba"))
        _check_unit_interval(y, "y")
    return _weighted_mean(((y - proba) ** 2).sum(axis=1), sample_weight)


def sigmoid_mse_grad(y, z):
    """Derivative of the squared error ``(y - sigmoid(z))**2`` with respect to the logit ``z``.

    By the chain rule, with ``p = sigmoid(z)`` and ``dp/dz = p (1 - p)``::

        d/dz (y - p)**2 = 2 (p - y) p (1 - p)

    (without the 2 under the ``1/2 (y - p)**2`` convention). The factor ``p (1 - p)`` makes it
    vanish when the model is *confidently wrong* (``y = 1``, ``z -> -inf``), unlike
    :func:`cross_entropy_grad`. Element-wise: for the mean over n examples divide by n.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1].
    z : array_like, same shape as ``y``
        Logits.

    Returns
    -------
    float or numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> g = sigmoid_mse_grad([1.0, 1.0], [0.0, -10.0])  # -2 * 0.5 * 0.25; then almost 0
    >>> f"{g[0]:.4f} {g[1]:.2e}"
    '-0.2500 -9.08e-05'
    """
    y, z = as_pair(y, z, names=("y", "z"))
    _check_unit_interval(y, "y")
    p = sigmoid(z)
    return _scalar_or_array(np.asarray(2.0 * (p - y) * p * (1.0 - p)))


def cross_entropy_grad(y, z):
    """Derivative of the binary cross-entropy of :func:`binary_cross_entropy` w.r.t. the logit.

    With ``p = sigmoid(z)``: ``d/dz [-y log p - (1 - y) log(1 - p)] = p - y``, which tends to
    ``-1`` (not 0) when ``y = 1`` and ``z -> -inf``. Element-wise.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1].
    z : array_like, same shape as ``y``
        Logits.

    Returns
    -------
    float or numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> np.round(cross_entropy_grad([1.0, 1.0], [0.0, -10.0]), 4)
    array([-0.5, -1. ])
    """
    y, z = as_pair(y, z, names=("y", "z"))
    _check_unit_interval(y, "y")
    return _scalar_or_array(np.asarray(sigmoid(z) - y))


def _logistic_inputs(X, y, w, b):
    X, y = as_design(X, y)
    _check_unit_interval(y, "y")
    w = as_array(w, "w", ndim=1)
    if w.shape != (X.shape[1],):
        raise ValueError(
            f"w has shape {w.shape} but X has {X.shape[1]} columns; expected shape ({X.shape[1]},)"
        )
    b = float(as_array(b, "b", ndim=0))
    return X, y, w, b


def _per_example(y, z, loss):
    """Per-example loss, its first and second derivative with respect to the logit."""
    p = sigmoid(z)
    s = p * (1.0 - p)
    if loss == "cross_entropy":
        value = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
        return value, p - y, s
    value = (y - p) ** 2
    return value, 2.0 * (p - y) * s, 2.0 * s**2 + 2.0 * (p - y) * s * (1.0 - 2.0 * p)


def logistic_cost(X, y, w, b=0.0, *, loss="cross_entropy"):
    """Mean loss of the logistic model ``p = sigmoid(X @ w + b)``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    y : array_like of shape (n,)
        Labels in [0, 1].
    w : array_like of shape (d,)
        Weights.
    b : float, default 0.0
        Intercept.
    loss : {"cross_entropy", "squared"}
        Mean binary cross-entropy, or mean squared error ``mean (y - p)**2`` (no 1/2).

    Returns
    -------
    float

    Examples
    --------
    >>> X = [[1.0], [-1.0]]
    >>> round(logistic_cost(X, [1, 0], [0.0]), 6)  # p = 0.5 everywhere: log 2
    0.693147
    >>> logistic_cost(X, [1, 0], [0.0], loss="squared")  # (1/2)**2
    0.25
    """
    loss = _choice(loss, "loss", _LOSSES)
    X, y, w, b = _logistic_inputs(X, y, w, b)
    return float(_per_example(y, X @ w + b, loss)[0].mean())


def logistic_cost_grad(X, y, w, b=0.0, *, loss="cross_entropy"):
    """Gradient of :func:`logistic_cost` with respect to ``w`` and ``b``.

    With ``g_i`` the derivative of example i's loss with respect to its logit
    (``p_i - y_i`` for cross-entropy, ``2 (p_i - y_i) p_i (1 - p_i)`` for squared error)::

        grad_w = (1/n) X.T @ g        grad_b = (1/n) sum(g)

    Parameters
    ----------
    X, y, w, b, loss
        As in :func:`logistic_cost`.

    Returns
    -------
    grad_w : numpy.ndarray of shape (d,)
    grad_b : float

    Examples
    --------
    >>> logistic_cost_grad([[2.0]], [1.0], [0.0])  # p - y = -0.5, times x = 2
    (array([-1.]), -0.5)
    """
    loss = _choice(loss, "loss", _LOSSES)
    X, y, w, b = _logistic_inputs(X, y, w, b)
    g = _per_example(y, X @ w + b, loss)[1]
    n = y.shape[0]
    return X.T @ g / n, float(g.sum() / n)


class LogisticFit(NamedTuple):
    """Result of :func:`fit_logistic`: a model ``p = sigmoid(X @ w + b)`` and how it was found.

    Attributes
    ----------
    w : numpy.ndarray of shape (d,)
        Weights.
    b : float
        Intercept (0.0 without one).
    n_steps : int
        Number of update steps taken.
    converged : bool
        Whether the gradient norm fell below ``tol`` within ``max_steps`` steps.
    costs : numpy.ndarray of shape (n_steps + 1,)
        The cost at the start and after every step.
    """

    w: np.ndarray
    b: float
    n_steps: int
    converged: bool
    costs: np.ndarray

    def decision_function(self, X):
        """Logits ``X @ w + b``."""
        X = as_array(X, "X", ndim=2)
        if X.shape[1] != self.w.shape[0]:
            raise ValueError(f"X must have {self.w.shape[0]} columns; got shape {X.shape}")
        return X @ self.w + self.b

    def predict_proba(self, X):
        """Probabilities of class 1, ``sigmoid(X @ w + b)``, shape (m,)."""
        return np.asarray(sigmoid(self.decision_function(X)))

    def predict(self, X):
        """Class labels (1 where the probability exceeds 1/2, else 0), as floats."""
        return (self.decision_function(X) > 0).astype(float)


def fit_logistic(
    X,
    y,
    *,
    loss="cross_entropy",
    method="gd",
    lr=1.0,
    max_steps=1000,
    tol=1e-6,
    w0=None,
    b0=0.0,
    fit_intercept=True,
):
    """Fit ``p = sigmoid(X @ w + b)`` by minimizing the mean cross-entropy or the mean squared error.

    No penalty: with ``loss="cross_entropy"`` the minimizer is scikit-learn's
    ``LogisticRegression(C=np.inf)`` (unpenalized; the older spelling is ``penalty=None``).
    It exists only when the classes are not linearly separable.

    * ``method="gd"``: plain gradient descent ``theta <- theta - lr * grad``, fixed step.
    * ``method="newton"``: Newton steps ``theta <- theta - t (H + mu I)^{-1} grad`` with a
      backtracking line search (t = 1, 1/2, 1/4, ... until the cost drops by at least
      ``1e-4 * t * grad @ step``). The shift ``mu = max(0, sqrt(|grad|) - eigmin(H))`` is 0 near a
      minimum where the Hessian is safely positive definite (plain Newton, quadratic convergence);
      it makes every step a descent step where the Hessian is indefinite -- possible for the squared
      error, never for cross-entropy -- or nearly singular.

    ``converged`` only means that the gradient norm fell below ``tol``. On a plateau of the squared
    error (a confidently wrong start) the gradient is tiny far from any minimum, so check the cost too.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite.
    y : array_like of shape (n,)
        Labels in [0, 1].
    loss : {"cross_entropy", "squared"}, default "cross_entropy"
        The cost, as in :func:`logistic_cost`.
    method : {"gd", "newton"}, default "gd"
    lr : float, default 1.0
        Step size of gradient descent (> 0; ignored by Newton).
    max_steps : int, default 1000
        Most update steps.
    tol : float, default 1e-6
        Stop when the Euclidean norm of the gradient (w and b together) is below ``tol``.
    w0 : array_like of shape (d,), optional
        Starting weights (zeros by default).
    b0 : float, default 0.0
        Starting intercept.
    fit_intercept : bool, default True
        Whether to fit ``b``; otherwise it stays at ``b0``.

    Returns
    -------
    LogisticFit

    Examples
    --------
    >>> X = np.array([[-2.0], [-1.0], [0.5], [1.0], [-0.5], [2.0]])
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> fit = fit_logistic(X, y, method="newton", tol=1e-10)
    >>> fit.converged, fit.n_steps < 20
    (True, True)
    >>> gw, gb = logistic_cost_grad(X, y, fit.w, fit.b)
    >>> bool(np.hypot(gw[0], gb) < 1e-10)
    True
    """
    loss = _choice(loss, "loss", _LOSSES)
    method = _choice(method, "method", _METHODS)
    X, y = as_design(X, y, finite=True)
    _check_unit_interval(y, "y")
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    max_steps = as_count(max_steps, "max_steps")
    tol = as_scalar(tol, "tol", minimum=0)
    n, d = X.shape
    w = np.zeros(d) if w0 is None else as_array(w0, "w0", ndim=1, finite=True).copy()
    if w.shape != (d,):
        raise ValueError(f"w0 has shape {w.shape} but X has {d} columns; expected shape ({d},)")
    b = as_scalar(b0, "b0")
    # Work with theta = (w, b) and the design [X, 1] (without the column when b is fixed).
    A = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    theta = np.append(w, b) if fit_intercept else w

    def logits(t):
        return A @ t if fit_intercept else A @ t + b

    def evaluate(t):
        value, g1, g2 = _per_example(y, logits(t), loss)
        return value.mean(), A.T @ g1 / n, g2

    cost, grad, h = evaluate(theta)
    costs = [cost]
    converged = False
    steps = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            if np.linalg.norm(grad) < tol:
                converged = True
                break
            if steps == max_steps or not np.isfinite(cost):
                break
            if method == "gd":
                theta = theta - lr * grad
                cost, grad, h = evaluate(theta)
            else:
                theta, cost, grad, h = _newton_step(theta, cost, grad, h, A, evaluate)
            costs.append(cost)
            steps += 1
    if fit_intercept:
        w_out, b_out = theta[:-1].copy(), float(theta[-1])
    else:
        w_out, b_out = theta.copy(), b
    return LogisticFit(w_out, b_out, steps, converged, np.array(costs))


def _newton_step(theta, cost, grad, h, A, evaluate):
    n = A.shape[0]
    H = (A.T * h) @ A / n
    # Regularized Newton: shift the Hessian so that its smallest eigenvalue is at least sqrt(|grad|).
    # Near a minimum with a positive definite Hessian the shift is 0 (plain Newton, fast); where the
    # Hessian is indefinite or nearly singular (plateaus of the squared error) the step stays short.
    floor = np.sqrt(np.linalg.norm(grad))
    eig_min = np.linalg.eigvalsh(H)[0]
    if eig_min < floor:
        H = H + (floor - eig_min) * np.eye(H.shape[0])
    step = np.linalg.solve(H, grad)
    t = 1.0
    for _ in range(60):
        candidate = theta - t * step
        new_cost, new_grad, new_h = evaluate(candidate)
        if new_cost <= cost - 1e-4 * t * (grad @ step):
            return candidate, new_cost, new_grad, new_h
        t /= 2
    return candidate, new_cost, new_grad, new_h


class BrierDecomposition(NamedTuple):
    """Murphy's reliability-resolution-uncertainty decomposition, from binned forecasts.

    With equal-width bins k = 1..m of the forecasts, ``n_k`` forecasts in bin k, their mean
    ``pbar_k``, the frequency of the event among them ``ybar_k`` and the overall frequency ``ybar``::

        reliability = (1/n) sum_k n_k (pbar_k - ybar_k)**2      (smaller is better)
        resolution  = (1/n) sum_k n_k (ybar_k - ybar)**2        (larger is better)
        uncertainty = ybar (1 - ybar)

    and the Brier score satisfies the *exact* identity (Stephenson, Coelho & Jolliffe, 2008)::

        brier = reliability - resolution + uncertainty
                + within_bin_variance - 2 * within_bin_covariance

    The three-term form is exact only when all forecasts in a bin are equal; otherwise :attr:`gap`
    ``= within_bin_variance - 2 * within_bin_covariance`` is what binning loses, and
    ``|gap| <=`` :attr:`gap_bound` ``<= 1/(4 m**2) + 1/(2 m)``.

    Attributes
    ----------
    brier, reliability, resolution, uncertainty : float
    within_bin_variance : float
        ``(1/n) sum_k sum_{i in k} (p_i - pbar_k)**2``.
    within_bin_covariance : float
        ``(1/n) sum_k sum_{i in k} (p_i - pbar_k) (y_i - ybar_k)``.
    counts : numpy.ndarray of shape (m,)
        Forecasts per bin.
    mean_proba, frequency : numpy.ndarray of shape (m,)
        ``pbar_k`` and ``ybar_k`` (NaN for an empty bin).
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    counts: np.ndarray
    mean_proba: np.ndarray
    frequency: np.ndarray

    @property
    def gap(self):
        """``brier - (reliability - resolution + uncertainty)``: the error of the binned form."""
        return self.brier - (self.reliability - self.resolution + self.uncertainty)

    @property
    def gap_bound(self):
        """Cauchy-Schwarz bound on ``|gap|``: ``V + 2 sqrt(V (uncertainty - resolution))``."""
        v = self.within_bin_variance
        return v + 2.0 * np.sqrt(v * max(self.uncertainty - self.resolution, 0.0))


def reliability_decomposition(y, proba, *, n_bins=10):
    """Binned decomposition of the binary Brier score into reliability, resolution and uncertainty.

    Forecasts are put in ``n_bins`` equal-width bins of [0, 1] (bin k holds
    ``k/m <= p < (k+1)/m``, the last bin also ``p = 1``). See :class:`BrierDecomposition` for the
    formulas, the exact five-term identity and the bound on what the three-term form misses.

    Parameters
    ----------
    y : array_like of shape (n,)
        0/1 outcomes.
    proba : array_like of shape (n,)
        Forecast probabilities of the outcome 1, in [0, 1].
    n_bins : int, default 10
        Number of bins, >= 1.

    Returns
    -------
    BrierDecomposition

    Examples
    --------
    Forecasts that take only the bin centres make the three-term form exact:

    >>> d = reliability_decomposition([0, 0, 1, 1, 1], [0.25, 0.25, 0.25, 0.75, 0.75], n_bins=2)
    >>> round(d.reliability, 4), round(d.resolution, 4), round(d.uncertainty, 4)
    (0.0292, 0.1067, 0.24)
    >>> abs(d.gap) < 1e-15
    True
    """
    y, proba = as_pair(y, proba, names=("y", "proba"))
    if y.ndim != 1:
        raise ValueError(f"y and proba must be 1-D; got shape {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold 0/1 outcomes for the reliability decomposition")
    if not np.all(np.isfinite(proba)):
        raise ValueError("proba must contain only finite numbers; found NaN or infinity")
    _check_unit_interval(proba, "proba")
    m = as_count(n_bins, "n_bins", minimum=1)
    n = y.size
    k = np.minimum((proba * m).astype(int), m - 1)
    counts = np.bincount(k, minlength=m).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_proba = np.bincount(k, weights=proba, minlength=m) / counts
        frequency = np.bincount(k, weights=y, minlength=m) / counts
    full = counts > 0
    ybar = y.mean()
    reliability = np.sum(counts[full] * (mean_proba[full] - frequency[full]) ** 2) / n
    resolution = np.sum(counts[full] * (frequency[full] - ybar) ** 2) / n
    dp = proba - mean_proba[k]
    dy = y - frequency[k]
    return BrierDecomposition(
        brier=float(np.mean((y - proba) ** 2)),
        reliability=float(reliability),
        resolution=float(resolution),
        uncertainty=float(ybar * (1.0 - ybar)),
        within_bin_variance=float(np.mean(dp**2)),
        within_bin_covariance=float(np.mean(dp * dy)),
        counts=counts,
        mean_proba=mean_proba,
        frequency=frequency,
    )


def make_blobs_2d(n_per_class=40, *, n_far=0, far_center=(7.0, 7.0), seed=0):
    """Two overlapping Gaussian classes in the plane, optionally with far-away *easy* positives.

    Class 0 is drawn from ``Normal((-1, -1), I)`` and class 1 from ``Normal((1, 1), I)``; then
    ``n_far`` extra class-1 points from ``Normal(far_center, 0.5**2 I)`` -- deep on the class-1
    side, so any sensible classifier gets them right.

    Parameters
    ----------
    n_per_class : int, default 40
        Points per class in the two main clouds, >= 1.
    n_far : int, default 0
        Extra far-away class-1 points, >= 0.
    far_center : pair of float, default (7, 7)
    seed : int, default 0

    Returns
    -------
    X : numpy.ndarray of shape (2 n_per_class + n_far, 2)
    y : numpy.ndarray of shape (2 n_per_class + n_far,)
        0/1 labels as floats; the far points come last.

    Examples
    --------
    >>> X, y = make_blobs_2d(5, n_far=2)
    >>> X.shape, y.tolist()
    ((12, 2), [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    """
    n = as_count(n_per_class, "n_per_class", minimum=1)
    n_far = as_count(n_far, "n_far")
    centre = as_array(far_center, "far_center", ndim=1, finite=True)
    if centre.shape != (2,):
        raise ValueError(f"far_center must be a pair (x1, x2); got shape {centre.shape}")
    seed = as_count(seed, "seed")
    rng = np.random.default_rng(seed)
    X0 = rng.normal(loc=-1.0, size=(n, 2))
    X1 = rng.normal(loc=1.0, size=(n, 2))
    Xf = centre + 0.5 * rng.normal(size=(n_far, 2))
    X = np.vstack([X0, X1, Xf])
    y = np.concatenate([np.zeros(n), np.ones(n + n_far)])
    return X, y


def _new_axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


_EXTRA_COLOURS = (PALETTE["model"], PALETTE["l2"], PALETTE["residual"], PALETTE["accent"])
_STYLES = ("-", "--", "-.", ":")


def plot_logit_gradients(z, gradients, *, ax=None):
    """Per-example gradients with respect to the logit, plotted against the logit.

    Parameters
    ----------
    z : array_like of shape (m,)
        Logits (horizontal axis).
    gradients : dict of str to array_like of shape (m,)
        Legend label -> derivative values, e.g. ``{"squared error": sigmoid_mse_grad(y, z)}``.
        Labels containing "squared" get the palette's ``l2`` colour, "entropy" the ``model`` one.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> z = np.linspace(-6, 6, 5)
    >>> ax = plot_logit_gradients(z, {"squared error": sigmoid_mse_grad(np.ones(5), z)})
    >>> ax.get_lines()[1].get_color() == PALETTE["l2"]  # line 0 is the zero line
    True
    >>> plt.close(ax.figure)
    """
    z = as_array(z, "z", ndim=1)
    if not isinstance(gradients, dict) or not gradients:
        raise TypeError("gradients must be a non-empty dict mapping a label to an array")
    ax = _new_axes(ax)
    ax.axhline(0.0, color=PALETTE["neutral"], linewidth=0.8)
    for i, (name, values) in enumerate(gradients.items()):
        values, _ = as_pair(values, z, names=(f"gradients[{name!r}]", "z"))
        key = str(name).lower()
        if "squared" in key:
            colour, style = PALETTE["l2"], "-"
        elif "entropy" in key:
            colour, style = PALETTE["model"], "--"
        else:
            colour, style = _EXTRA_COLOURS[i % 4], _STYLES[i % 4]
        ax.plot(z, values, color=colour, linestyle=style, label=str(name))
    ax.set_xlabel(r"logit $z$")
    ax.set_ylabel(r"$\partial \ell / \partial z$")
    ax.legend()
    return ax


def plot_boundaries(X, y, boundaries, *, ax=None, highlight=None):
    """Two classes in the plane and straight decision boundaries ``w @ x + b = 0``.

    Parameters
    ----------
    X : array_like of shape (n, 2)
    y : array_like of shape (n,)
        0/1 labels.
    boundaries : dict of str to (w, b)
        Legend label -> weights (pair) and intercept of a boundary line ``w[0] x1 + w[1] x2 + b = 0``.
        (For a least-squares fit of 0/1 labels, pass ``b - 0.5``: its boundary is ``y_hat = 1/2``.)
    ax : matplotlib.axes.Axes, optional
    highlight : array_like of bool, shape (n,), optional
        Points to ring (e.g. the far-away ones).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> X, y = make_blobs_2d(10)
    >>> ax = plot_boundaries(X, y, {"x1 + x2 = 0": ([1.0, 1.0], 0.0)})
    >>> len(ax.get_lines())
    1
    >>> plt.close(ax.figure)
    """
    X, y = as_design(X, y)
    if X.shape[1] != 2:
        raise ValueError(f"X must have two columns to be drawn in the plane; got shape {X.shape}")
    ax = _new_axes(ax)
    ax.scatter(*X[y == 0].T, s=22, marker="o", color=PALETTE["data"], label="class 0")
    ax.scatter(*X[y == 1].T, s=26, marker="^", color=PALETTE["l1"], label="class 1")
    if highlight is not None:
        mask = np.asarray(highlight, dtype=bool)
        ax.scatter(*X[mask].T, s=90, facecolors="none", edgecolors=PALETTE["neutral"],
                   linewidths=0.8, label="far, easy points")
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    x1 = np.linspace(lo[0], hi[0], 200)
    for i, (name, (w, b)) in enumerate(boundaries.items()):
        w = as_array(w, f"boundaries[{name!r}] weights", ndim=1)
        if w.shape != (2,):
            raise ValueError(f"boundary {name!r} needs two weights; got shape {w.shape}")
        if w[1] != 0:
            ax.plot(x1, -(w[0] * x1 + float(b)) / w[1], color=_EXTRA_COLOURS[i % 4],
                    linestyle=_STYLES[i % 4], label=str(name))
        else:
            ax.axvline(-float(b) / w[0], color=_EXTRA_COLOURS[i % 4], linestyle=_STYLES[i % 4],
                       label=str(name))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper left")
    return ax


def plot_reliability_diagram(decompositions, *, ax=None):
    """Reliability diagram: observed frequency against mean forecast, bin by bin.

    Parameters
    ----------
    decompositions : dict of str to BrierDecomposition
        Legend label -> result of :func:`reliability_decomposition`; empty bins are skipped.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> d = reliability_decomposition([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3], n_bins=5)
    >>> ax = plot_reliability_diagram({"model": d})
    >>> len(ax.get_lines())  # the diagonal and one curve
    2
    >>> plt.close(ax.figure)
    """
    if not isinstance(decompositions, dict) or not decompositions:
        raise TypeError("decompositions must be a non-empty dict mapping a label to a BrierDecomposition")
    ax = _new_axes(ax)
    ax.plot([0, 1], [0, 1], color=PALETTE["neutral"], linewidth=0.8, linestyle=":",
            label="perfectly calibrated")
    for i, (name, d) in enumerate(decompositions.items()):
        full = d.counts > 0
        ax.plot(d.mean_proba[full], d.frequency[full], marker="os^D"[i % 4],
                color=_EXTRA_COLOURS[i % 4], linestyle=_STYLES[i % 4], label=str(name))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(r"mean predicted probability $\bar{p}_k$")
    ax.set_ylabel(r"observed frequency $\bar{y}_k$")
    ax.legend(loc="upper left")
    return ax
