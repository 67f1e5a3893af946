"""Gradient descent on the squared error: stability bound, mini-batches, SGD, finite differences, pictures.

Plain full-batch gradient descent is :func:`l2course.gradient_descent`; this module adds what the chapter on
derivatives and gradient descent needs around it:

* :func:`max_stable_lr` -- the largest stable learning rate ``2 / mu_max(H)`` of a linear model's
  squared-error cost, for the MSE, ``SSE / 2`` and SSE conventions;
* :func:`linear_gd` -- gradient descent on a linear model's cost, in any of those conventions;
* :func:`minibatch_indices` and :func:`sgd` -- seeded mini-batch stochastic gradient descent;
* :func:`finite_difference` -- forward or central difference gradients, for gradient checks;
* :func:`plot_loss_contours`, :func:`plot_descent_path`, :func:`plot_log_curves`, :func:`plot_loss_curves` and
  :func:`animate_descent` -- loss contours, descent paths, loss curves and a JavaScript animation.
"""

import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar

__all__ = [
    "CONVENTIONS",
    "cost_hessian",
    "max_stable_lr",
    "linear_gd",
    "minibatch_indices",
    "sgd",
    "finite_difference",
    "plot_loss_contours",
    "plot_descent_path",
    "plot_log_curves",
    "plot_loss_curves",
    "animate_descent",
]

CONVENTIONS = ("mse", "half_sse", "sse")
"""Names of the cost conventions: ``MSE = SSE / n``, ``SSE / 2`` and ``SSE``."""


def _convention_scale(convention, n):
    """The factor c with cost = c * SSE: 1/n, 1/2 or 1."""
    scales = {"mse": 1.0 / n, "half_sse": 0.5, "sse": 1.0}
    if convention not in scales:
        raise ValueError(f"convention must be one of {CONVENTIONS}; got {convention!r}")
    return scales[convention]


def _with_intercept(X, fit_intercept):
    """X, with a column of ones appended when the intercept is a parameter."""
    return np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X


def cost_hessian(X, *, convention="mse", fit_intercept=False):
    """Hessian of a linear model's squared-error cost with respect to its parameters.

    For ``cost = c * ||y - X w||**2`` the Hessian is ``2 c X.T @ X``, the same at every point
    (the cost is quadratic) and independent of ``y``: ``(2/n) X.T @ X`` for the MSE,
    ``X.T @ X`` for ``SSE / 2`` and ``2 X.T @ X`` for the SSE.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    convention : {"mse", "half_sse", "sse"}, default "mse"
        The cost: ``SSE / n``, ``SSE / 2`` or ``SSE``.
    fit_intercept : bool, default False
        If True the intercept ``b`` is a parameter too: the Hessian is that of ``[X, 1]``,
        shape (d + 1, d + 1), with ``b`` last.

    Returns
    -------
    numpy.ndarray of shape (d, d), or (d + 1, d + 1) with the intercept

    Examples
    --------
    >>> cost_hessian([[1.0], [3.0]])  # (2/2) * (1 + 9)
    array([[10.]])
    >>> cost_hessian([[1.0], [3.0]], convention="half_sse", fit_intercept=True)
    array([[10.,  4.],
           [ 4.,  2.]])
    """
    X = as_array(X, "X", ndim=2, finite=True)
    c = _convention_scale(convention, X.shape[0])
    A = _with_intercept(X, fit_intercept)
    return 2.0 * c * (A.T @ A)


def max_stable_lr(X, *, convention="mse", fit_intercept=False):
    """Largest stable learning rate of gradient descent on a linear model's squared-error cost.

    Gradient descent on a quadratic cost with Hessian ``H`` moves the error ``Delta_k = x_k - x*``
    by ``Delta_{k+1} = (I - lr H) Delta_k``. Along the eigenvector of eigenvalue ``mu_j`` the error
    is multiplied by ``1 - lr mu_j`` at every step, so it shrinks for every direction exactly when
    ``lr < 2 / mu_max(H)``. This function returns that bound, ``2 / mu_max``.

    Because ``H`` scales with the cost's convention, so does the bound: with
    ``H_mse = (2/n) X.T X`` the bound is ``n / mu_max(X.T X)``; with ``SSE / 2`` it is
    ``2 / mu_max(X.T X)`` (n/2 times smaller) and with the SSE ``1 / mu_max(X.T X)``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite, not all zero.
    convention : {"mse", "half_sse", "sse"}, default "mse"
        The cost: ``SSE / n``, ``SSE / 2`` or ``SSE``.
    fit_intercept : bool, default False
        Whether the intercept is a parameter of the descent (then the bound is that of
        ``[X, 1]``, which is never larger).

    Returns
    -------
    float

    Examples
    --------
    One feature: ``X.T X = 1 + 9 = 10`` and ``n = 2``.

    >>> X = [[1.0], [3.0]]
    >>> max_stable_lr(X)  # 2 / ((2/2) * 10)
    0.2
    >>> max_stable_lr(X, convention="half_sse"), max_stable_lr(X, convention="sse")
    (0.2, 0.1)
    """
    H = cost_hessian(X, convention=convention, fit_intercept=fit_intercept)
    mu_max = float(np.linalg.eigvalsh(H)[-1])
    if mu_max <= 0:
        raise ValueError("X is all zero: the cost is flat and every learning rate is stable")
    return 2.0 / mu_max


def linear_gd(X, y, *, lr, n_steps, theta0=None, fit_intercept=True, convention="mse", tol=None):
    """Gradient descent on the squared-error cost of a linear model ``X @ w + b``.

    A thin wrapper around :func:`l2course.gradient_descent` with the parameters packed into one
    vector ``theta = [w, b]`` (``b`` last, and absent when ``fit_intercept=False``) and the
    gradient ``2 c A.T @ (A @ theta - y)`` where ``A = [X, 1]`` and ``c`` is ``1/n``, ``1/2`` or
    ``1`` for the MSE, ``SSE / 2`` and SSE conventions.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    y : array_like of shape (n,)
        Targets.
    lr : float
        Learning rate, > 0. Stable below ``max_stable_lr(X, convention=..., fit_intercept=...)``.
    n_steps : int
        Maximum number of steps.
    theta0 : array_like of shape (d,) or (d + 1,), optional
        Starting point (zeros by default).
    fit_intercept : bool, default True
        Whether ``b`` is a parameter.
    convention : {"mse", "half_sse", "sse"}, default "mse"
        The cost being descended.
    tol : float, optional
        Stop when the gradient norm falls below ``tol``.

    Returns
    -------
    path : numpy.ndarray of shape (k + 1, d + fit_intercept)
        The starting point and every iterate (see :func:`l2course.gradient_descent`).

    Examples
    --------
    Points on ``y = 1 + 2 x``: the descent ends at ``w = 2, b = 1``.

    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> path = linear_gd(X, y, lr=0.3, n_steps=500)
    >>> np.round(path[-1], 6)
    array([2., 1.])
    """
    from .models import gradient_descent

    X, y = as_design(X, y, finite=True)
    c = _convention_scale(convention, X.shape[0])
    A = _with_intercept(X, fit_intercept)
    if theta0 is None:
        theta0 = np.zeros(A.shape[1])
    theta0 = as_array(theta0, "theta0", ndim=1)
    if theta0.shape != (A.shape[1],):
        raise ValueError(
            f"theta0 has shape {theta0.shape}; expected ({A.shape[1]},): "
            f"{X.shape[1]} weights{' and the intercept last' if fit_intercept else ''}"
        )

    def grad(theta):
        return 2.0 * c * (A.T @ (A @ theta - y))

    return gradient_descent(grad, theta0, lr=lr, n_steps=n_steps, tol=tol)


def minibatch_indices(n, batch_size, *, n_epochs=1, seed=0):
    """Indices of seeded mini-batches: each epoch is a fresh shuffle of ``range(n)``, cut into batches.

    Every example appears exactly once per epoch. The last batch of an epoch is smaller when
    ``batch_size`` does not divide ``n`` (it is kept, not dropped). The same ``seed`` gives the same
    batches.

    Parameters
    ----------
    n : int
        Number of examples, >= 1.
    batch_size : int
        Examples per batch, between 1 and ``n`` (``n`` gives full-batch descent, in shuffled order).
    n_epochs : int, default 1
        Number of passes over the data.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Yields
    ------
    numpy.ndarray of int
        The indices of one batch.

    Examples
    --------
    >>> batches = list(minibatch_indices(5, 2, seed=0))
    >>> [len(b) for b in batches]
    [2, 2, 1]
    >>> sorted(np.concatenate(batches).tolist())
    [0, 1, 2, 3, 4]
    """
    n = as_count(n, "n", minimum=1)
    batch_size = as_count(batch_size, "batch_size", minimum=1)
    if batch_size > n:
        raise ValueError(f"batch_size must be at most n = {n}; got {batch_size}")
    n_epochs = as_count(n_epochs, "n_epochs")
    rng = np.random.default_rng(seed)
    for _ in range(n_epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]


def sgd(batch_grad, x0, n, *, lr, batch_size, n_epochs, seed=0):
    """Mini-batch stochastic gradient descent with seeded batches.

    Each step takes ``x <- x - lr * batch_grad(x, idx)`` for the next batch ``idx`` of
    :func:`minibatch_indices`. With ``batch_grad`` the gradient of the *mean* loss over the batch,
    each step is an unbiased estimate of a full gradient step; with a constant ``lr`` the iterates
    do not converge but wander in a noise ball around the minimizer (the "noise floor"), whose size
    grows with ``lr`` and shrinks with ``batch_size``.

    Parameters
    ----------
    batch_grad : callable
        ``batch_grad(x, idx)`` returns the gradient of the loss on the examples ``idx`` at ``x``,
        an array of ``x0``'s shape.
    x0 : array_like
        Starting point.
    n : int
        Number of examples.
    lr : float
        Learning rate, > 0.
    batch_size : int
        Examples per batch.
    n_epochs : int
        Passes over the data.
    seed : int, default 0
        Seed of the batch shuffles.

    Returns
    -------
    path : numpy.ndarray of shape (k + 1, *x0.shape)
        The starting point and the iterate after every step (``k = n_epochs * ceil(n / batch_size)``
        steps, fewer if an iterate becomes non-finite, which ends the descent).

    Examples
    --------
    The mean of ``[1, 2, 3, 6]`` minimizes the MSE of a constant; full batches find it exactly:

    >>> y = np.array([1.0, 2.0, 3.0, 6.0])
    >>> path = sgd(lambda c, idx: 2 * (c - y[idx]).mean(keepdims=True), [0.0], 4,
    ...            lr=0.5, batch_size=4, n_epochs=2)
    >>> path.ravel()
    array([0., 3., 3.])
    """
    if not callable(batch_grad):
        raise TypeError(f"batch_grad must be a callable; got {type(batch_grad).__name__}")
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    path = [x]
    with np.errstate(over="ignore", invalid="ignore"):
        for idx in minibatch_indices(n, batch_size, n_epochs=n_epochs, seed=seed):
            g = as_array(batch_grad(x.copy(), idx), "the value returned by batch_grad")
            if g.shape != x.shape:
                raise ValueError(
                    f"batch_grad must return an array of shape {x.shape}; got shape {g.shape}"
                )
            x = x - lr * g
            path.append(x)
            if not np.all(np.isfinite(x)):
                break
    return np.stack(path)


def finite_difference(f, x, *, h=1e-6, scheme="central"):
    """Finite-difference gradient of a scalar function, forward or central.

    ``"forward"``: ``(f(x + h u_i) - f(x)) / h``, error O(h).
    ``"central"``: ``(f(x + h u_i) - f(x - h u_i)) / (2 h)``, error O(h**2); it equals
    :func:`l2course.numerical_gradient`. Both also suffer a round-off error of order
    ``eps * |f| / h``, so the total error is smallest at a moderate ``h`` (about ``1e-8`` forward,
    ``1e-5`` central, for well-scaled functions). The step divides by ``h`` as given.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar.
    x : array_like
        The point, of any shape.
    h : float, default 1e-6
        Step, > 0.
    scheme : {"central", "forward"}, default "central"

    Returns
    -------
    numpy.ndarray of x's shape

    Examples
    --------
    The derivative of ``x**2`` at 3 is 6; forward differences are off by ``h``:

    >>> float(finite_difference(lambda v: v[0] ** 2, [3.0], h=1e-3, scheme="forward")[0])
    6.001
    >>> round(float(finite_difference(lambda v: v[0] ** 2, [3.0], h=1e-3)[0]), 9)
    6.0
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar; got {type(f).__name__}")
    if scheme not in ("central", "forward"):
        raise ValueError(f"scheme must be 'central' or 'forward'; got {scheme!r}")
    x = as_array(x, "x")
    h = as_scalar(h, "h", minimum=0, strict=True)
    grad = np.empty_like(x)
    f0 = float(f(x.copy())) if scheme == "forward" else None
    for i in range(x.size):
        up = x.copy()
        up.flat[i] += h
        if scheme == "forward":
            grad.flat[i] = (float(f(up)) - f0) / h
        else:
            down = x.copy()
            down.flat[i] -= h
            grad.flat[i] = (float(f(up)) - float(f(down))) / (2.0 * h)
    return grad


# --------------------------------------------------------------------------------------------- plots


def _sparse_log_ticks(axis, numticks=6):
    """At most about ``numticks`` labelled decades and no minor ticks on a log axis.

    Curves spanning 10 to 30 decades otherwise get dozens of ticks, which clutter the plot and
    make it several times slower to draw (every label is typeset as mathtext).
    """
    from matplotlib.ticker import LogLocator, NullLocator

    axis.set_major_locator(LogLocator(numticks=numticks))
    axis.set_minor_locator(NullLocator())


def _grid_values(loss, xlim, ylim, n_grid):
    xs = np.linspace(*xlim, n_grid)
    ys = np.linspace(*ylim, n_grid)
    P, Q = np.meshgrid(xs, ys)
    Z = np.array([loss(np.array([p, q])) for p, q in zip(P.ravel(), Q.ravel(), strict=True)])
    return P, Q, Z.reshape(P.shape)


def plot_loss_contours(loss, xlim, ylim, *, ax=None, n_grid=80, levels=15, minimizer=None,
                       xlabel="$w$", ylabel="$b$"):
    """Contour lines of a cost of two parameters.

    Parameters
    ----------
    loss : callable
        ``loss(theta)`` for ``theta`` of shape (2,) returns a scalar.
    xlim, ylim : tuple of float
        The ranges of the first and second parameter.
    ax : matplotlib.axes.Axes, optional
    n_grid : int, default 80
        Grid points per axis.
    levels : int or array_like, default 15
        Number of levels, or the levels themselves. An integer gives levels spaced evenly in
        ``sqrt(cost - min)``, so that the ellipses of a quadratic are evenly spaced.
    minimizer : array_like of shape (2,), optional
        Marked with a cross.
    xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_loss_contours(lambda t: t[0] ** 2 + 4 * t[1] ** 2, (-2, 2), (-1, 1),
    ...                         minimizer=[0, 0])
    >>> len(ax.collections) > 0
    True
    """
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    if ax is None:
        _, ax = plt.subplots()
    n_grid = as_count(n_grid, "n_grid", minimum=2)
    P, Q, Z = _grid_values(loss, xlim, ylim, n_grid)
    if isinstance(levels, int | np.integer):
        lo = float(np.nanmin(Z))
        span = np.sqrt(max(float(np.nanmax(Z)) - lo, 0.0))
        levels = lo + (span * np.linspace(0.0, 1.0, int(levels) + 2)[1:-1]) ** 2
    ax.contour(P, Q, Z, levels=levels, colors=PALETTE["secondary"], linewidths=1.0)
    if minimizer is not None:
        m = as_array(minimizer, "minimizer", ndim=1)
        ax.plot(m[0], m[1], "x", color=PALETTE["neutral"], markersize=10, mew=2,
                label="minimizer")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_descent_path(path, *, ax=None, label=None, color=None, markers=True):
    """A descent path in a two-parameter plane: the iterates joined by lines, start marked.

    Parameters
    ----------
    path : array_like of shape (k + 1, 2)
        Iterates, e.g. from :func:`linear_gd` with one feature and an intercept.
    ax : matplotlib.axes.Axes, optional
    label : str, optional
    color : str, optional
        Defaults to ``PALETTE["model"]``.
    markers : bool, default True
        Draw a dot at every iterate.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_descent_path([[0.0, 0.0], [0.5, 0.2], [0.8, 0.3]], label="GD")
    >>> ax.get_legend_handles_labels()[1]
    ['GD']
    """
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    path = as_array(path, "path", ndim=2)
    if path.shape[1] != 2:
        raise ValueError(f"path must have shape (k + 1, 2); got {path.shape}")
    if ax is None:
        _, ax = plt.subplots()
    color = PALETTE["model"] if color is None else color
    ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.5, marker="o" if markers else None,
            markersize=3, label=label)
    ax.plot(path[0, 0], path[0, 1], "s", color=color, markersize=7)
    return ax


def plot_log_curves(x, curves, *, ax=None, logx=True, logy=True, xlabel="", ylabel="", styles=None):
    """Several curves over a common x, on logarithmic axes by default.

    Power laws (e.g. a finite-difference error ``~ h**p``) show as straight lines of slope ``p``
    on log-log axes; geometric convergence shows as a straight line on a log y axis.

    Parameters
    ----------
    x : array_like of shape (m,)
        Common abscissa.
    curves : dict of str to array_like of shape (m,)
        Label to values. Non-positive values are not drawn on a log axis.
    ax : matplotlib.axes.Axes, optional
    logx, logy : bool, default True
    xlabel, ylabel : str
    styles : dict of str to dict, optional
        Extra keyword arguments of :meth:`~matplotlib.axes.Axes.plot` per label (e.g. a colour
        from :data:`l2course.plots.PALETTE` or a line style).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> h = np.logspace(-6, -1, 6)
    >>> ax = plot_log_curves(h, {"h": h, "h^2": h**2})
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines)
    ('log', 'log', 2)
    """
    import matplotlib.pyplot as plt

    x = as_array(x, "x", ndim=1)
    if ax is None:
        _, ax = plt.subplots()
    styles = styles or {}
    for name, values in curves.items():
        values = as_array(values, f"curves[{name!r}]", ndim=1)
        if values.shape != x.shape:
            raise ValueError(f"curves[{name!r}] has shape {values.shape} but x has shape {x.shape}")
        ax.plot(x, values, label=name, **styles.get(name, {}))
    if logx:
        ax.set_xscale("log")
        _sparse_log_ticks(ax.xaxis)
    if logy:
        ax.set_yscale("log")
        _sparse_log_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_loss_curves(curves, *, ax=None, logy=True, xlabel="step $k$",
                     ylabel=r"$\mathrm{MSE}(\theta_k) - \mathrm{MSE}^*$", styles=None, floor=None):
    """Cost against step for several runs, on a log scale by default.

    Runs may have different lengths (a diverging run stops early).

    Parameters
    ----------
    curves : dict of str to array_like
        Label to the sequence of costs (or of cost gaps to the optimum), one per step.
    ax : matplotlib.axes.Axes, optional
    logy : bool, default True
        Logarithmic y axis: linear convergence then shows as a straight line.
    xlabel, ylabel : str
    styles : dict of str to dict, optional
        Extra keyword arguments of :meth:`~matplotlib.axes.Axes.plot` per label.
    floor : float, optional
        End each curve just before its first value below ``floor`` (e.g. ``1e-13``, where a
        converged run's cost gap is only round-off noise, or exactly 0, which a log axis cannot show).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_loss_curves({"fast": 0.5 ** np.arange(10), "slow": 0.9 ** np.arange(20)})
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 2)
    >>> ax = plot_loss_curves({"fast": 0.1 ** np.arange(30)}, floor=1e-12)
    >>> len(ax.lines[0].get_xdata())  # 1, 0.1, ..., 1e-12: 13 values
    13
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    styles = styles or {}
    for name, values in curves.items():
        values = as_array(values, f"curves[{name!r}]", ndim=1)
        if floor is not None:
            below = np.flatnonzero(values < floor)
            values = values[: below[0]] if below.size else values
        ax.plot(np.arange(values.size), values, label=name, **styles.get(name, {}))
    if logy:
        ax.set_yscale("log")
        _sparse_log_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def animate_descent(loss, path, xlim, ylim, *, max_frames=40, dpi=72, interval=150, minimizer=None,
                    frame_format="jpeg", xlabel="$w$", ylabel="$b$",
                    alt="Animation of gradient descent: the iterates step by step on the contours of the loss"):
    """An animation of a descent path on loss contours, as self-contained HTML with JavaScript.

    Uses :meth:`matplotlib.animation.Animation.to_jshtml`: the frames are embedded as PNG images
    and played by JavaScript, so the animation works on a static web page with no kernel and no
    network. At most ``max_frames`` frames are drawn to keep the page small (when the path is
    longer, the first ``max_frames // 2`` iterates one by one, then evenly spaced ones up to the
    last): 40 JPEG frames at 72 dpi take about
    1 MB. The contours and axes are drawn once and reused as the background of every frame. The
    player's buttons use Unicode symbols instead of matplotlib's icon font from a CDN, so they
    show offline too (see :func:`l2course.plots.animation_html`).

    Parameters
    ----------
    loss : callable
        ``loss(theta)`` for ``theta`` of shape (2,).
    path : array_like of shape (k + 1, 2)
        The iterates.
    xlim, ylim : tuple of float
        Plot ranges.
    max_frames : int, default 40
    dpi : int, default 72
        Resolution of the embedded frames (the frame is 5 x 3.6 inches).
    interval : int, default 150
        Milliseconds between frames.
    minimizer : array_like of shape (2,), optional
    frame_format : {"jpeg", "png"}, default "jpeg"
        Image format of the frames; JPEG is about half the size of PNG here.
    xlabel, ylabel : str
    alt : str
        Alternative text of the animation for screen readers.

    Returns
    -------
    l2course.plots.AnimationHTML
        HTML text, displayed as the animation when it ends a notebook cell.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> html = animate_descent(lambda t: t @ t, [[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]],
    ...                        (-1, 1), (-1, 1), dpi=20)
    >>> html.count("data:image/jpeg")
    3
    >>> "https://" in html  # nothing to fetch from the network
    False
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    from .plots import PALETTE, animation_html

    path = as_array(path, "path", ndim=2)
    if path.shape[1] != 2:
        raise ValueError(f"path must have shape (k + 1, 2); got {path.shape}")
    max_frames = as_count(max_frames, "max_frames", minimum=2)
    last = len(path) - 1
    if last + 1 <= max_frames:
        frames = np.arange(last + 1)
    else:  # the first steps one by one (where the path changes most), then evenly spaced to the end
        first = max_frames // 2
        rest = np.linspace(first, last, max_frames - first).round().astype(int)
        frames = np.concatenate([np.arange(first), rest])

    # Draw the contours, axes and labels once, into an image; each frame then only draws that image
    # and the trail (fast, and the same pixels in every frame compress well).
    size = (5.0, 3.6)
    with mpl.rc_context({"figure.dpi": dpi}):
        bg_fig, bg_ax = plt.subplots(figsize=size, dpi=dpi, layout="constrained")
        plot_loss_contours(loss, xlim, ylim, ax=bg_ax, minimizer=minimizer, xlabel=xlabel,
                           ylabel=ylabel, levels=12, n_grid=60)
        bg_fig.canvas.draw()
        background = np.asarray(bg_fig.canvas.buffer_rgba()).copy()
        to_pixels = bg_ax.transData.transform
        pixels = to_pixels(np.where(np.isfinite(path), path, np.nan))
        plt.close(bg_fig)

    height, width = background.shape[:2]
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(background, extent=(0, width, 0, height), origin="upper", interpolation="nearest")
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    (trail,) = ax.plot([], [], "-o", color=PALETTE["model"], lw=1.5, markersize=3)
    label = ax.text(0.98 * width, 0.97 * height, "", ha="right", va="top", fontsize=9)

    def draw(k):
        trail.set_data(pixels[: k + 1, 0], pixels[: k + 1, 1])
        label.set_text(f"step {k}")
        return trail, label

    anim = FuncAnimation(fig, draw, frames=frames, interval=interval, blit=False)
    try:
        return animation_html(anim, alt=alt, dpi=dpi, frame_format=frame_format)
    finally:
        plt.close(fig)
