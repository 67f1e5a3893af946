"""Plot helpers with one consistent, colour-blind-safe style (the Okabe-Ito palette).

Colours are assigned by *role* rather than by order, so that data, model and residuals, or the
L1, L2 and Huber losses, have the same colour in every chapter. Every helper accepts ``ax=None``
(then it creates a new figure) and returns the :class:`matplotlib.axes.Axes` it drew on.
"""

from collections.abc import Mapping
from itertools import cycle

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ._validation import as_array, as_pair

__all__ = [
    "PALETTE",
    "CYCLE",
    "use_style",
    "plot_residuals",
    "plot_loss_vs_residual",
    "plot_cost_curve",
    "plot_covariance_ellipse",
    "animation_html",
    "AnimationHTML",
]

# Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with the common
# forms of colour-vision deficiency.
_OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

PALETTE = {
    "data": _OKABE_ITO["blue"],
    "model": _OKABE_ITO["vermillion"],
    "residual": _OKABE_ITO["bluish_green"],
    "accent": _OKABE_ITO["reddish_purple"],
    "l1": _OKABE_ITO["orange"],
    "l2": _OKABE_ITO["blue"],
    "huber": _OKABE_ITO["bluish_green"],
    "secondary": _OKABE_ITO["sky_blue"],
    "highlight": _OKABE_ITO["yellow"],
    "neutral": _OKABE_ITO["black"],
}
"""Okabe-Ito colours by role: ``PALETTE["data"]``, ``PALETTE["model"]``, ``PALETTE["l2"]``, ..."""

CYCLE = [
    _OKABE_ITO["blue"],
    _OKABE_ITO["vermillion"],
    _OKABE_ITO["bluish_green"],
    _OKABE_ITO["reddish_purple"],
    _OKABE_ITO["orange"],
    _OKABE_ITO["sky_blue"],
    _OKABE_ITO["black"],
    _OKABE_ITO["yellow"],
]
"""The colour cycle set by :func:`use_style` (yellow last: it is faint on white)."""

_STYLE = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "font.size": 11,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 2.0,
    "lines.markersize": 6.0,
}


def use_style():
    """Apply the course's plot style to matplotlib's ``rcParams``.

    Figure size 6 x 4 inches at 100 dpi, a light grid, the Okabe-Ito colour cycle
    :data:`CYCLE`, readable font sizes and no top or right spines. Every chapter's setup cell
    calls it once.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     use_style()
    ...     print(mpl.rcParams["figure.figsize"], mpl.rcParams["axes.spines.top"])
    [6.0, 4.0] False
    """
    mpl.rcParams.update(_STYLE)


def _new_axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_residuals(x, y, y_hat, *, ax=None, squares=False, connect=True):
    """Data, model and the vertical residual ``r_i = y_i - y_hat_i`` of every point.

    Parameters
    ----------
    x : array_like of shape (n,)
        Positions on the horizontal axis (a feature, or just the example index).
    y, y_hat : array_like of shape (n,)
        Targets and predictions.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    squares : bool, default False
        Also draw each residual's literal square, of side ``|r_i|``, to the right of its
        segment. The squares are drawn in data units, so they look square only when one unit
        of ``x`` is as long on screen as one unit of ``y``; this option therefore sets an equal
        aspect ratio (``ax.set_aspect("equal", adjustable="datalim")``). Use it when ``x`` and
        ``y`` have comparable ranges; undo it with ``ax.set_aspect("auto")``.
    connect : bool, default True
        Join the predictions, sorted by ``x``, with a line (right for a fitted line; set it to
        False when the predictions are separate points, e.g. one per house).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_residuals([0, 1, 2], [1.0, 2.5, 2.0], [1.0, 1.5, 2.0], squares=True)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # doctest: +NORMALIZE_WHITESPACE
    ['data $y_i$', 'model $\\\\hat{y}_i$', 'residual $r_i = y_i - \\\\hat{y}_i$',
     'squared residual $r_i^2$']
    >>> len(ax.patches)  # one square per point
    3
    >>> plt.close(ax.figure)
    """
    x = as_array(x, "x", ndim=1)
    y, y_hat = as_pair(y, y_hat)
    if y.ndim != 1:
        raise ValueError(f"y and y_hat must be 1-D; got shape {y.shape}")
    if y.shape != x.shape:
        raise ValueError(
            f"x has shape {x.shape} but y has shape {y.shape}; expected one x value per target"
        )
    ax = _new_axes(ax)
    if squares:
        for i, (xi, yi, fi) in enumerate(zip(x, y, y_hat, strict=True)):
            side = abs(yi - fi)
            ax.add_patch(
                Rectangle(
                    (xi, min(yi, fi)),
                    side,
                    side,
                    facecolor=PALETTE["residual"],
                    edgecolor=PALETTE["residual"],
                    alpha=0.25,
                    label=r"squared residual $r_i^2$" if i == 0 else None,
                    zorder=1,
                )
            )
    ax.vlines(
        x,
        y_hat,
        y,
        colors=PALETTE["residual"],
        linewidth=1.5,
        label=r"residual $r_i = y_i - \hat{y}_i$",
        zorder=2,
    )
    order = np.argsort(x, kind="stable")
    ax.plot(
        x[order],
        y_hat[order],
        linestyle="-" if connect else "none",
        marker="o",
        markersize=4,
        color=PALETTE["model"],
        label=r"model $\hat{y}_i$",
        zorder=3,
    )
    ax.scatter(x, y, color=PALETTE["data"], s=30, label=r"data $y_i$", zorder=4)
    if squares:
        ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    handles, labels = ax.get_legend_handles_labels()
    wanted = ["data", "model", "residual", "squared"]
    ranked = sorted(zip(handles, labels, strict=True), key=lambda hl: _rank(hl[1], wanted))
    ax.legend([h for h, _ in ranked], [lab for _, lab in ranked])
    return ax


def _rank(label, prefixes):
    return next((k for k, p in enumerate(prefixes) if label.startswith(p)), len(prefixes))


_LOSS_ROLES = (  # (words in the name, palette role, line style)
    (("huber",), "huber", "-."),
    (("squared", "square", "l2", "quadratic", "mse"), "l2", "-"),
    (("absolute", "abs", "l1", "mae"), "l1", "--"),
)


def plot_loss_vs_residual(residual, losses, *, ax=None):
    """Per-example losses as functions of the residual ``r = y - y_hat``.

    Parameters
    ----------
    residual : array_like of shape (m,)
        Residual values (sorted for plotting, so any order works).
    losses : dict of str to array_like of shape (m,)
        Legend label -> loss values at ``residual``, e.g.
        ``{"squared $r^2$": r**2, "absolute $|r|$": abs(r)}``. Names mentioning "squared"/"L2",
        "absolute"/"L1" or "Huber" get the palette's ``l2``, ``l1`` and ``huber`` colours (and
        solid, dashed and dash-dotted lines); other names take the remaining colours of
        :data:`CYCLE` in order.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> r = np.linspace(-3, 3, 61)
    >>> ax = plot_loss_vs_residual(r, {"squared": r**2, "absolute": np.abs(r)})
    >>> [line.get_color() for line in ax.get_lines()] == [PALETTE["l2"], PALETTE["l1"]]
    True
    >>> plt.close(ax.figure)
    """
    residual = as_array(residual, "residual", ndim=1)
    if not isinstance(losses, Mapping) or not losses:
        raise TypeError(
            "losses must be a non-empty dict mapping a label to an array of loss values; "
            f"got {type(losses).__name__}"
        )
    ax = _new_axes(ax)
    order = np.argsort(residual, kind="stable")
    role_colours = {PALETTE[role] for _, role, _ in _LOSS_ROLES}
    spare = cycle([c for c in CYCLE if c not in role_colours])
    for name, values in losses.items():
        values, _ = as_pair(values, residual, names=(f"losses[{name!r}]", "residual"))
        key = str(name).lower()
        colour, style = None, ":"
        for words, role, line_style in _LOSS_ROLES:
            if any(word in key for word in words):
                colour, style = PALETTE[role], line_style
                break
        if colour is None:
            colour = next(spare)
        ax.plot(residual[order], values[order], color=colour, linestyle=style, label=str(name))
    ax.set_xlabel(r"residual $r = y - \hat{y}$")
    ax.set_ylabel(r"loss $\ell(r)$")
    ax.legend()
    return ax


def plot_cost_curve(
    c,
    cost,
    *,
    ax=None,
    minimizer=None,
    label=None,
    xlabel="constant prediction c",
    ylabel="SSE(c)",
):
    """A one-dimensional cost curve, e.g. the SSE of the constant prediction ``c``.

    Parameters
    ----------
    c : array_like of shape (m,)
        Parameter values (horizontal axis).
    cost : array_like of shape (m,)
        Cost at each value.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    minimizer : float, optional
        If given, a dashed vertical line marks it (e.g. the mean of ``y``).
    label : str, optional
        Legend label of the curve.
    xlabel, ylabel : str
        Axis labels (mathtext allowed, e.g. ``r"$\\mathrm{MSE}(c)$"``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 6.0])
    >>> c = np.linspace(0, 7, 71)
    >>> cost = [sum((y - ci) ** 2) for ci in c]
    >>> ax = plot_cost_curve(c, cost, minimizer=y.mean(), label="SSE")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('constant prediction c', 'SSE(c)')
    >>> ax.get_lines()[1].get_xdata()  # the marker at the minimizer
    [3.0, 3.0]
    >>> plt.close(ax.figure)
    """
    c, cost = as_pair(c, cost, names=("c", "cost"))
    if c.ndim != 1:
        raise ValueError(f"c and cost must be 1-D; got shape {c.shape}")
    ax = _new_axes(ax)
    ax.plot(c, cost, color=PALETTE["l2"], label=label)
    if minimizer is not None:
        m = as_array(minimizer, "minimizer", ndim=0)
        ax.axvline(
            float(m),
            color=PALETTE["accent"],
            linestyle="--",
            linewidth=1.5,
            label=f"minimizer = {float(m):.4g}",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label is not None or minimizer is not None:
        ax.legend()
    return ax


def plot_covariance_ellipse(mean, cov, *, level=0.95, ax=None, label=None, color=None, n_points=200):
    """The ellipse holding a 2-D Gaussian's probability ``level``: ``(x - mean)' cov^-1 (x - mean) = c**2``.

    For a Gaussian vector of two components the quadratic form is chi-square with 2 degrees of freedom,
    whose quantile has the closed form ``c**2 = -2 log(1 - level)`` (5.991 for 95 %). The ellipse is drawn
    as one line through ``n_points`` points ``mean + c L (cos t, sin t)`` with ``L`` the Cholesky factor of
    ``cov``; its points are in ``ax.get_lines()[-1].get_xydata()``.

    Parameters
    ----------
    mean : array_like of shape (2,)
        Centre.
    cov : array_like of shape (2, 2)
        Symmetric positive definite covariance.
    level : float, default 0.95
        Probability inside, strictly between 0 and 1.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    label : str, optional
        Legend label (the legend itself is left to the caller).
    color : colour, optional
        Default ``PALETTE["model"]``.
    n_points : int, default 200
        Points along the ellipse.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_covariance_ellipse([0.0, 0.0], [[4.0, 0.0], [0.0, 1.0]], level=1 - np.exp(-0.5))
    >>> xy = ax.get_lines()[-1].get_xydata()  # c = 1: semi-axes 2 and 1
    >>> bool(np.allclose(np.abs(xy).max(axis=0), [2.0, 1.0], atol=1e-3))
    True
    >>> plt.close(ax.figure)
    """
    m = as_array(mean, "mean", ndim=1)
    S = as_array(cov, "cov", ndim=2)
    if m.shape != (2,) or S.shape != (2, 2):
        raise ValueError(f"mean must have shape (2,) and cov (2, 2); got {m.shape} and {S.shape}")
    if not np.allclose(S, S.T) or np.linalg.eigvalsh(S)[0] <= 0:
        raise ValueError("cov must be symmetric positive definite")
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
    c = np.sqrt(-2.0 * np.log1p(-level))
    t = np.linspace(0.0, 2.0 * np.pi, int(n_points))
    xy = m + c * np.column_stack([np.cos(t), np.sin(t)]) @ np.linalg.cholesky(S).T
    ax = _new_axes(ax)
    ax.plot(xy[:, 0], xy[:, 1], color=PALETTE["model"] if color is None else color, label=label)
    return ax


class AnimationHTML(str):
    """HTML text that Jupyter displays as HTML (it is still a ``str`` for tests and for saving)."""

    def _repr_html_(self):
        return str(self)


# Matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN; offline (or when the
# CDN is blocked) the buttons are blank. They are replaced by plain Unicode symbols found in most fonts.
_BUTTON_SYMBOLS = {
    "fa fa-minus": "\u2212",
    "fa fa-fast-backward": "\u2759\u25c0\u25c0",
    "fa fa-step-backward": "\u2759\u25c0",
    "fa fa-play fa-flip-horizontal": "\u25c0",
    "fa fa-pause": "\u2759\u2759",
    "fa fa-play": "\u25b6",
    "fa fa-step-forward": "\u25b6\u2759",
    "fa fa-fast-forward": "\u25b6\u25b6\u2759",
    "fa fa-plus": "+",
}


def animation_html(anim, *, alt, default_mode="once", dpi=None, frame_format=None):
    """An animation as self-contained HTML that plays on a static page, offline, with alt text.

    Built on :meth:`matplotlib.animation.Animation.to_jshtml` (frames embedded as images, played by
    JavaScript, no kernel needed), with three repairs for a published course: the player's random
    element ids are replaced by a hash of the content, so re-executing a notebook stores the same
    output; the icon font the player loads from a CDN is replaced by Unicode symbols, so nothing is
    fetched from the network; and the frame image gets ``alt`` text for screen readers.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
    alt : str
        What the animation shows, in words (non-empty).
    default_mode : {"once", "loop", "reflect"}, default "once"
    dpi : int, optional
        Resolution of the embedded frames (default: matplotlib's ``savefig.dpi``).
    frame_format : {"png", "jpeg"}, optional
        Image format of the frames; JPEG is about half the size of PNG for plots on a background.

    Returns
    -------
    AnimationHTML
        A ``str`` that Jupyter displays as the animation.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from matplotlib.animation import FuncAnimation
    >>> fig, ax = plt.subplots(figsize=(2, 2), dpi=20)
    >>> (point,) = ax.plot([0], [0], "o")
    >>> anim = FuncAnimation(fig, lambda k: point.set_data([k], [k]), frames=3)
    >>> html = animation_html(anim, alt="a point moving up a diagonal")
    >>> plt.close(fig)
    >>> html.count("data:image/png"), "https://" in html, 'alt="a point moving up a diagonal"' in html
    (3, False, True)
    """
    import re
    import zlib
    from html import escape

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty description of what the animation shows")
    settings = {"savefig.bbox": None}
    if dpi is not None:
        settings["savefig.dpi"] = dpi
    if frame_format is not None:
        settings["animation.frame_format"] = frame_format
    with mpl.rc_context(settings):
        text = anim.to_jshtml(default_mode=default_mode)
    for uid in sorted(set(re.findall(r"_anim_img([0-9a-f]{32})", text))):
        text = text.replace(uid, f"{zlib.crc32(text.replace(uid, '').encode()):08x}")
    text = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*">\s*', "", text)
    for css, symbol in _BUTTON_SYMBOLS.items():
        text = text.replace(f'<i class="{css}"></i>', f"<span>{symbol}</span>")
    text = re.sub(r"<img id=", f'<img alt="{escape(alt)}" id=', text, count=1)
    return AnimationHTML(text)
