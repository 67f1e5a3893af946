"""The conventions of the squared loss: scale factors, reductions, and what each library computes.

Every library agrees that the per-element L2 loss is ``(y - y_hat)**2``; they disagree on what is
done next (sum or mean, over which axis, with or without ½, divided by the number of examples or by
the sum of the weights). This module

* names the four classical costs (SSE, MSE, ½SSE, RMSE) and their gradients, so their constant
  factors can be compared (:data:`COSTS`, :func:`cost`, :func:`cost_gradient`);
* computes multi-output and weighted MSE like scikit-learn (:func:`multioutput_mse`,
  :func:`multioutput_rmse`);
* reproduces, with NumPy only, the *documented* behaviour of the deep-learning libraries
  (:func:`torch_mse_loss`, :func:`keras_mean_squared_error`, :func:`tf_l2_loss`,
  :func:`keras_l2_penalty`) and the one-hot MSE / Brier score relation (:func:`one_hot_mse`,
  :func:`brier_score`);
* lists them all in :data:`LEDGER`, the table of the chapter "Per-example loss, cost and
  conventions";
* shows a numerical pitfall: :func:`sequential_sum` (naive accumulation in a low precision).

Each reproduction cites the documentation it follows; ``tests/test_frameworks.py`` compares them
with the real libraries when those are installed.
"""

from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_pair, as_weights

__all__ = [
    "COSTS",
    "LEDGER",
    "LedgerRow",
    "cost",
    "cost_gradient",
    "multioutput_mse",
    "multioutput_rmse",
    "torch_mse_loss",
    "keras_mean_squared_error",
    "tf_l2_loss",
    "keras_l2_penalty",
    "one_hot",
    "one_hot_mse",
    "brier_score",
    "sequential_sum",
    "plot_learning_curves",
    "plot_bias_variance",
    "plot_relative_error",
]

COSTS = ("sse", "mse", "half_sse", "half_mse", "rmse")
"""Names accepted by :func:`cost` and :func:`cost_gradient`."""


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def cost(y, y_hat, convention="mse"):
    """One of the classical costs built from the squared errors.

    With ``SSE = sum_i (y_i - y_hat_i)**2`` over the ``n`` elements (factor relative to MSE
    in brackets)::

        sse:      SSE                [n]
        mse:      SSE / n            [1]
        half_sse: SSE / 2            [n / 2]
        half_mse: SSE / (2 n)        [1 / 2]
        rmse:     sqrt(SSE / n)      [not a constant factor: sqrt(MSE)]

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions; ``n`` is the number of elements.
    convention : {"sse", "mse", "half_sse", "half_mse", "rmse"}, default "mse"

    Returns
    -------
    float

    Examples
    --------
    >>> [cost([10, 11, 12, 13], [10, 12, 14, 11], c) for c in COSTS]
    [9.0, 2.25, 4.5, 1.125, 1.5]
    """
    _check_choice(convention, "convention", COSTS)
    y, y_hat = as_pair(y, y_hat)
    r = np.subtract(y, y_hat).ravel()
    total = float(np.dot(r, r))
    n = r.size
    return {
        "sse": total,
        "mse": total / n,
        "half_sse": total / 2,
        "half_mse": total / (2 * n),
        "rmse": float(np.sqrt(total / n)),
    }[convention]


def cost_gradient(y, y_hat, convention="mse"):
    """Gradient of :func:`cost` with respect to the predictions ``y_hat``.

    With the residual ``r = y - y_hat`` and ``n`` elements::

        sse: -2 r      mse: -(2/n) r      half_sse: -r      half_mse: -r / n
        rmse: -r / (n * RMSE)   (= grad MSE / (2 RMSE): the factor changes with y_hat)

    The first four are constant multiples of one another, so one learning rate means four
    different step sizes for gradient descent. At a perfect fit the RMSE is not differentiable;
    the gradient returned there is zero. Approaching the perfect fit along any direction, the
    gradient ``-r / (sqrt(n) * ||r||)`` keeps the norm ``1 / sqrt(n)`` (the RMSE is
    ``||r|| / sqrt(n)``, a cone), so gradient descent on the RMSE does not settle smoothly.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
    convention : {"sse", "mse", "half_sse", "half_mse", "rmse"}, default "mse"

    Returns
    -------
    numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> cost_gradient([0, 0], [1, 3], "sse")
    array([2., 6.])
    >>> cost_gradient([0, 0], [1, 3], "half_sse")
    array([1., 3.])
    >>> cost_gradient([0, 0], [1, 3], "mse")
    array([1., 3.])
    """
    _check_choice(convention, "convention", COSTS)
    y, y_hat = as_pair(y, y_hat)
    residual = y - y_hat
    n = residual.size
    if convention == "rmse":
        root = np.sqrt(np.dot(residual.ravel(), residual.ravel()) / n)
        return -residual / (n * root) if root > 0 else np.zeros_like(residual)
    factor = {"sse": 2.0, "mse": 2.0 / n, "half_sse": 1.0, "half_mse": 1.0 / n}[convention]
    return -factor * residual


def _as_columns(y, y_hat):
    """Targets and predictions as (n, k) arrays; 1-D input is one output column."""
    y, y_hat = as_pair(y, y_hat)
    if y.ndim == 1:
        return y[:, None], y_hat[:, None]
    if y.ndim != 2:
        raise ValueError(
            f"y and y_hat must be 1-D (n,) or 2-D (n, n_outputs); got shape {y.shape}"
        )
    return y, y_hat


def _column_mse(y, y_hat, sample_weight):
    w = as_weights(sample_weight, y.shape[0])
    sq = (y - y_hat) ** 2
    if w is None:
        return sq.mean(axis=0)
    return (w @ sq) / w.sum()


def _combine_outputs(per_output, multioutput):
    if isinstance(multioutput, str):
        _check_choice(multioutput, "multioutput", ("raw_values", "uniform_average"))
        if multioutput == "raw_values":
            return per_output
        return float(per_output.mean())
    weights = as_array(multioutput, "multioutput", ndim=1)
    if weights.shape != per_output.shape:
        raise ValueError(
            f"multioutput weights have shape {weights.shape} but there are "
            f"{per_output.size} outputs; pass one weight per column"
        )
    return float(np.average(per_output, weights=weights))


def multioutput_mse(y, y_hat, *, sample_weight=None, multioutput="uniform_average"):
    """MSE of each output column, then combined, like scikit-learn's ``mean_squared_error``.

    Column ``j`` gets ``MSE_j = sum_i w_i (y_ij - y_hat_ij)**2 / sum_i w_i`` (plain mean without
    weights). ``"uniform_average"`` returns the mean of the ``MSE_j``, which is the MSE over all
    elements; ``"raw_values"`` returns them all; an array of output weights returns their
    weighted average. This follows the scikit-learn API documentation of
    ``sklearn.metrics.mean_squared_error`` (Pedregosa et al., 2011).

    Parameters
    ----------
    y, y_hat : array_like of shape (n,) or (n, n_outputs)
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights.
    multioutput : {"uniform_average", "raw_values"} or array_like of shape (n_outputs,)

    Returns
    -------
    float or numpy.ndarray of shape (n_outputs,)

    Examples
    --------
    >>> y = [[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0]]
    >>> y_hat = [[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0]]
    >>> multioutput_mse(y, y_hat, multioutput="raw_values")
    array([0.41666667, 1.        ])
    >>> round(multioutput_mse(y, y_hat), 6)
    0.708333
    """
    y, y_hat = _as_columns(y, y_hat)
    return _combine_outputs(_column_mse(y, y_hat, sample_weight), multioutput)


def multioutput_rmse(y, y_hat, *, sample_weight=None, multioutput="uniform_average"):
    """RMSE of each output column, then combined, like scikit-learn's ``root_mean_squared_error``.

    Note the order: the square root is taken *per column* and the RMSEs are then averaged, so for
    several outputs ``multioutput_rmse(y, y_hat)`` is in general **smaller** than
    ``sqrt(multioutput_mse(y, y_hat))`` (the mean of square roots is at most the square root of
    the mean, by Jensen's inequality).

    Parameters
    ----------
    y, y_hat : array_like of shape (n,) or (n, n_outputs)
    sample_weight : array_like of shape (n,), optional
    multioutput : {"uniform_average", "raw_values"} or array_like of shape (n_outputs,)

    Returns
    -------
    float or numpy.ndarray of shape (n_outputs,)

    Examples
    --------
    >>> y, y_hat = [[0, 0], [0, 0]], [[1, 3], [1, 3]]
    >>> multioutput_rmse(y, y_hat)
    2.0
    >>> round(float(np.sqrt(multioutput_mse(y, y_hat))), 4)
    2.2361
    """
    y, y_hat = _as_columns(y, y_hat)
    return _combine_outputs(np.sqrt(_column_mse(y, y_hat, sample_weight)), multioutput)


def torch_mse_loss(input, target, reduction="mean"):  # noqa: A002 -- PyTorch's argument names
    """What ``torch.nn.MSELoss(reduction=...)(input, target)`` computes, in NumPy.

    The PyTorch documentation of ``torch.nn.MSELoss``: the unreduced loss is
    ``(x_n - y_n)**2`` elementwise; ``"mean"`` divides the sum by the *total number of
    elements* (not by the batch size), ``"sum"`` sums, ``"none"`` returns the elementwise
    losses. PyTorch broadcasts inputs of different shapes (with a warning); this function
    refuses them instead, since an (n, 1) input against an (n,) target gives n × n terms.

    Parameters
    ----------
    input, target : array_like of the same shape
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    The snippet every tutorial shows:

    >>> round(torch_mse_loss([1.1, 1.9, 3.2], [1.0, 2.0, 3.0]), 6)
    0.02
    >>> torch_mse_loss([[1, 2], [3, 4]], [[3, 5], [8, 6]], reduction="sum")
    42.0
    """
    _check_choice(reduction, "reduction", ("mean", "sum", "none"))
    x, t = as_pair(input, target, names=("input", "target"))
    sq = (x - t) ** 2
    if reduction == "none":
        return sq
    return float(sq.sum()) if reduction == "sum" else float(sq.mean())


_KERAS_REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none")


def keras_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                             reduction="sum_over_batch_size"):
    """What Keras 3 ``keras.losses.MeanSquaredError(reduction=...)`` computes, in NumPy.

    Following the Keras documentation of ``MeanSquaredError`` and its ``reduction`` argument:

    1. the per-sample loss is ``mean(square(y_true - y_pred), axis=-1)``: the mean over the
       **last axis** (so a 1-D array of n values is *one* sample; give regression targets the
       shape (n, 1) to get n samples);
    2. each per-sample loss is multiplied by its ``sample_weight``;
    3. ``"sum_over_batch_size"`` (the default) and ``"mean"`` divide the weighted sum by the
       **number of per-sample losses**, not by the sum of the weights; ``"sum"`` does not
       divide; ``"mean_with_sample_weight"`` divides by the sum of the weights; ``"none"``
       returns the weighted per-sample losses.

    Parameters
    ----------
    y_true, y_pred : array_like of the same shape
    sample_weight : array_like, optional
        One weight per sample: shape ``y_true.shape[:-1]``, e.g. (n,) for (n, k) targets.
        For 1-D targets (a single sample) weights are refused: reshape to (n, 1).
    reduction : {"sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"}

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    The example of the Keras documentation (weights 0.7 and 0.3 give 0.25, not 0.5):

    >>> y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    >>> keras_mean_squared_error(y_true, y_pred)
    0.5
    >>> round(keras_mean_squared_error(y_true, y_pred, sample_weight=[0.7, 0.3]), 6)
    0.25
    >>> round(keras_mean_squared_error([1.0, 2.0, 3.0], [1.1, 1.9, 3.2]), 6)
    0.02
    """
    if reduction is None:
        reduction = "none"
    _check_choice(reduction, "reduction", _KERAS_REDUCTIONS)
    y, y_hat = as_pair(y_true, y_pred, names=("y_true", "y_pred"))
    if y.ndim == 0:
        raise ValueError("y_true must have at least one dimension (the last axis is averaged)")
    per_sample = ((y - y_hat) ** 2).mean(axis=-1)
    if sample_weight is None:
        w = np.ones_like(per_sample)
    else:
        if y.ndim == 1:
            raise ValueError(
                "a 1-D y_true is a single sample for Keras (the mean runs over the last axis); "
                "for one weight per example reshape the targets to (n, 1)"
            )
        w = as_array(sample_weight, "sample_weight")
        if w.shape != per_sample.shape:
            raise ValueError(
                f"sample_weight has shape {w.shape}; expected {per_sample.shape}, "
                f"one weight per sample (y_true.shape[:-1])"
            )
    values = per_sample * w
    if reduction == "none":
        return values
    total = float(values.sum())
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight":
        return total / float(w.sum())
    return total / values.size


def tf_l2_loss(t):
    """What ``tf.nn.l2_loss(t)`` computes: ``sum(t ** 2) / 2``, half the squared norm, no mean.

    The TensorFlow API documentation: "Computes half the L2 norm of a tensor without the sqrt:
    output = sum(t ** 2) / 2". Applied to residuals it is ½SSE = (n/2) MSE; applied to weights
    it is the ½‖w‖² penalty.

    Parameters
    ----------
    t : array_like
        Any shape.

    Returns
    -------
    float

    Examples
    --------
    >>> tf_l2_loss([1.0, 2.0, 3.0])
    7.0
    """
    t = as_array(t, "t")
    return float(np.sum(t * t) / 2)


def keras_l2_penalty(x, l2=0.01):
    """What ``keras.regularizers.L2(l2)`` adds to the loss: ``l2 * sum(square(x))``, no ½.

    The Keras documentation: "The L2 regularization penalty is computed as
    ``loss = l2 * reduce_sum(square(x))``"; the default factor is 0.01. Compare
    :func:`tf_l2_loss`, which halves.

    Parameters
    ----------
    x : array_like
        The weights being penalized.
    l2 : float, default 0.01
        Regularization factor (the course's λ when the data loss is an MSE).

    Returns
    -------
    float

    Examples
    --------
    >>> keras_l2_penalty([1.0, 2.0], l2=0.5)
    2.5
    """
    x = as_array(x, "x")
    return float(l2 * np.sum(x * x))


def one_hot(labels, n_classes):
    """One-hot encode integer class labels ``0 .. n_classes - 1``.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    n_classes : int

    Returns
    -------
    numpy.ndarray of shape (n, n_classes), float

    Examples
    --------
    >>> one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    lab = as_array(labels, "labels", ndim=1)
    if np.any(lab != np.round(lab)) or np.any(lab < 0) or np.any(lab >= n_classes):
        raise ValueError(f"labels must be integers in 0 .. {n_classes - 1}")
    return np.eye(int(n_classes))[lab.astype(int)]


def _labels_and_proba(labels, proba):
    p = as_array(proba, "proba", ndim=2)
    lab = as_array(labels, "labels", ndim=1)
    if lab.shape[0] != p.shape[0]:
        raise ValueError(f"labels has {lab.shape[0]} values but proba has {p.shape[0]} rows")
    return one_hot(lab, p.shape[1]), p


def brier_score(labels, proba):
    """Multi-class Brier score: ``mean_i sum_k (onehot_ik - p_ik)**2`` (Brier, 1950).

    This is scikit-learn's ``brier_score_loss(..., scale_by_half=False)``; its default halves the
    binary case only.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    proba : array_like of shape (n, K)
        Predicted class probabilities.

    Returns
    -------
    float

    Examples
    --------
    >>> brier_score([0, 1], [[0.8, 0.2], [0.4, 0.6]])
    0.2
    """
    y, p = _labels_and_proba(labels, proba)
    return float(((y - p) ** 2).sum(axis=1).mean())


def one_hot_mse(labels, proba):
    """What a framework's MSE loss gives on one-hot targets: the mean over all n·K elements.

    Equal to :func:`brier_score` divided by the number of classes K.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    proba : array_like of shape (n, K)

    Returns
    -------
    float

    Examples
    --------
    >>> one_hot_mse([0, 1], [[0.8, 0.2], [0.4, 0.6]])
    0.1
    """
    y, p = _labels_and_proba(labels, proba)
    return float(((y - p) ** 2).mean())


def sequential_sum(values, dtype=np.float32):
    """Add ``values`` one after another in ``dtype`` (the naive loop), returning a float.

    ``numpy.sum`` does *not* do this: it uses pairwise summation, whose round-off grows like
    ``log2(n)`` instead of ``n`` (Higham, 2002). This function uses ``numpy.cumsum``, which
    accumulates strictly left to right, to show what a plain loop (or a running total in a
    training loop) would get.

    Parameters
    ----------
    values : array_like, 1-D
    dtype : numpy dtype, default float32

    Returns
    -------
    float

    Examples
    --------
    In float32, 2**24 + 1 rounds back to 2**24, so the four ones below are lost:

    >>> sequential_sum([2.0**24, 1, 1, 1, 1])
    16777216.0
    >>> sequential_sum([2.0**24, 1, 1, 1, 1], np.float64)
    16777220.0
    """
    v = as_array(values, "values", ndim=1).astype(dtype)
    return float(np.cumsum(v, dtype=dtype)[-1])


class LedgerRow(NamedTuple):
    """One row of the convention ledger."""

    library: str
    call: str
    formula: str
    factor: str


LEDGER = (
    LedgerRow("NumPy", "np.mean((y - y_hat) ** 2)", r"$\frac1n\sum_i r_i^2$", "1"),
    LedgerRow("l2course", 'l2_loss(y, y_hat, reduction="mean")', r"$\frac1n\sum_i r_i^2$", "1"),
    LedgerRow("l2course", 'l2_loss(y, y_hat, reduction="sum")', r"$\sum_i r_i^2$", "$n$"),
    LedgerRow("scikit-learn", "mean_squared_error(y, y_hat)", r"$\frac1n\sum_i r_i^2$", "1"),
    LedgerRow("scikit-learn", "mean_squared_error(..., sample_weight=w)",
              r"$\sum_i w_i r_i^2 / \sum_i w_i$", "1 (weighted mean)"),
    LedgerRow("scikit-learn", "root_mean_squared_error(y, y_hat)",
              r"$\sqrt{\frac1n\sum_i r_i^2}$ per column, then averaged", "square root"),
    LedgerRow("PyTorch", 'nn.MSELoss(reduction="mean")', "mean over all elements", "1"),
    LedgerRow("PyTorch", 'nn.MSELoss(reduction="sum")', "sum over all elements", "$n$"),
    LedgerRow("Keras", "losses.MeanSquaredError()",
              "mean over last axis, then sum / batch size", "1 (shape (n, 1))"),
    LedgerRow("Keras", "MeanSquaredError()(..., sample_weight=w)",
              r"$\sum_i w_i r_i^2 / n$", r"$\bar w$ × weighted MSE"),
    LedgerRow("TensorFlow", "tf.nn.l2_loss(y - y_hat)", r"$\frac12\sum_i r_i^2$", "$n/2$"),
    LedgerRow("Keras", "regularizers.L2(l2)(w)", r"$l_2\sum_j w_j^2$ (no ½)", "penalty, not a loss"),
    LedgerRow("PyTorch/Keras", "MSE on one-hot targets", r"$\frac1{nK}\sum_{i,k}(y_{ik}-p_{ik})^2$",
              "Brier / $K$"),
)
"""The convention ledger: library, call, formula and factor relative to the MSE."""


def plot_learning_curves(curves, *, ax=None, ylabel=r"$\mathrm{MSE}$ after each step"):
    """Plot several learning curves (cost per gradient-descent step) on a log scale.

    Parameters
    ----------
    curves : dict
        Legend label -> 1-D array of costs (one per step, starting at step 0).
    ax : matplotlib.axes.Axes, optional
    ylabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_learning_curves({"a": [4.0, 2.0, 1.0]})
    >>> ax.get_yscale()
    'log'
    """
    import matplotlib.pyplot as plt

    from .plots import CYCLE

    if ax is None:
        _, ax = plt.subplots()
    for (label, values), colour in zip(curves.items(), CYCLE, strict=False):
        v = as_array(values, f"curves[{label!r}]", ndim=1)
        ax.plot(np.arange(v.size), v, color=colour, label=label, marker="o", markersize=3)
    ax.set_yscale("log")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_bias_variance(c, bias2, variance, noise, *, simulated=None, ax=None):
    """Stacked view of the decomposition: bias², variance, noise and their sum against ``c``.

    Parameters
    ----------
    c : array_like, 1-D
        The parameter varied (e.g. a shrinkage factor).
    bias2, variance : array_like, same shape as ``c``
    noise : float
        Irreducible noise variance (a horizontal line).
    simulated : tuple (c_sim, mse_sim), optional
        Monte-Carlo estimates of the expected squared error, drawn as points.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_bias_variance([0, 1], [1, 0], [0, 1], 0.5)
    >>> len(ax.get_lines())
    4
    """
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    c = as_array(c, "c", ndim=1)
    bias2 = as_array(bias2, "bias2", ndim=1)
    variance = as_array(variance, "variance", ndim=1)
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(c, bias2, color=PALETTE["l1"], label=r"bias$^2$")
    ax.plot(c, variance, color=PALETTE["residual"], label="variance")
    ax.plot(c, np.full_like(c, noise), color=PALETTE["neutral"], linestyle=":",
            label=r"noise $\sigma^2$")
    ax.plot(c, bias2 + variance + noise, color=PALETTE["l2"], label="sum (expected squared error)")
    if simulated is not None:
        cs, ms = simulated
        ax.scatter(cs, ms, color=PALETTE["model"], zorder=4, s=25, label="simulation")
    ax.legend()
    return ax


def plot_relative_error(counts, errors, *, ax=None, xlabel="number of values added $n$"):
    """Log-log plot of relative errors against the number of terms, one curve per method.

    Parameters
    ----------
    counts : array_like, 1-D
        Numbers of terms (positive).
    errors : dict
        Legend label -> relative errors at ``counts`` (zeros are drawn at the bottom of the axis:
        an exact result has no logarithm).
    ax : matplotlib.axes.Axes, optional
    xlabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_relative_error([10, 100], {"a": [1e-7, 1e-6]})
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    import matplotlib.pyplot as plt

    from .plots import CYCLE

    counts = as_array(counts, "counts", ndim=1)
    if ax is None:
        _, ax = plt.subplots()
    floor = None
    for label, values in errors.items():
        v = as_array(values, f"errors[{label!r}]", ndim=1)
        positive = v[v > 0]
        if positive.size:
            floor = positive.min() if floor is None else min(floor, positive.min())
    floor = 1e-16 if floor is None else floor / 4
    for (label, values), colour in zip(errors.items(), CYCLE, strict=False):
        v = np.maximum(as_array(values, f"errors[{label!r}]", ndim=1), floor)
        ax.plot(counts, v, color=colour, label=label, marker="o", markersize=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("relative error of the sum")
    ax.legend()
    return ax
