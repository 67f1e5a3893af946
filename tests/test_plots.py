"""Tests of l2course.plots: the artists drawn, their data, colours and labels (Agg backend)."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.patches import Rectangle

import l2course as l2
from l2course import plots
from l2course.plots import CYCLE, PALETTE


@pytest.fixture(autouse=True)
def agg_and_close():
    plt.switch_backend("Agg")
    with mpl.rc_context():
        yield
    plt.close("all")


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# --- palette and style ----------------------------------------------------------------------

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_palette_is_okabe_ito_with_the_documented_roles():
    assert set(PALETTE.values()) <= OKABE_ITO
    assert set(CYCLE) == OKABE_ITO and len(CYCLE) == 8
    expected = {
        "data": "#0072B2",
        "model": "#D55E00",
        "residual": "#009E73",
        "accent": "#CC79A7",
        "l1": "#E69F00",
        "l2": "#0072B2",
        "huber": "#009E73",
    }
    assert {k: PALETTE[k] for k in expected} == expected


def test_use_style_sets_rcparams():
    l2.use_style()
    rc = mpl.rcParams
    assert tuple(rc["figure.figsize"]) == (6.0, 4.0)
    assert rc["figure.dpi"] == 100
    assert rc["axes.grid"] is True
    assert rc["axes.spines.top"] is False and rc["axes.spines.right"] is False
    assert [to_hex(c).upper() for c in rc["axes.prop_cycle"].by_key()["color"]] == CYCLE
    fig, ax = plt.subplots()
    assert tuple(fig.get_size_inches()) == (6.0, 4.0)
    assert not ax.spines["top"].get_visible()
    (line,) = ax.plot([0, 1], [0, 1])
    assert to_hex(line.get_color()).upper() == CYCLE[0]


# --- plot_residuals -------------------------------------------------------------------------


def test_plot_residuals_artists():
    x = np.array([2.0, 0.0, 1.0])
    y = np.array([3.0, 1.0, 0.5])
    y_hat = np.array([2.0, 1.5, 1.5])
    ax = l2.plot_residuals(x, y, y_hat)
    assert isinstance(ax, mpl.axes.Axes)
    # the residual segments run from (x_i, y_hat_i) to (x_i, y_i)
    (segments,) = [c for c in ax.collections if isinstance(c, mpl.collections.LineCollection)]
    got = sorted(tuple(map(tuple, s)) for s in segments.get_segments())
    want = sorted(((xi, fi), (xi, yi)) for xi, yi, fi in zip(x, y, y_hat, strict=True))
    assert got == want
    assert to_rgba(segments.get_color()[0]) == to_rgba(PALETTE["residual"])
    # the data points
    (points,) = [c for c in ax.collections if isinstance(c, mpl.collections.PathCollection)]
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([x, y]))
    assert to_rgba(points.get_facecolor()[0]) == to_rgba(PALETTE["data"])
    # the model, sorted by x and joined by a line
    (model,) = ax.get_lines()
    np.testing.assert_array_equal(model.get_xdata(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(model.get_ydata(), [1.5, 1.5, 2.0])
    assert model.get_linestyle() == "-"
    assert to_rgba(model.get_color()) == to_rgba(PALETTE["model"])
    assert legend_texts(ax) == [r"data $y_i$", r"model $\hat{y}_i$", r"residual $r_i = y_i - \hat{y}_i$"]
    assert ax.get_xlabel() == "$x$" and ax.get_ylabel() == "$y$"
    assert not ax.patches


def test_plot_residuals_squares_have_side_abs_residual():
    x = np.array([0.0, 3.0, 6.0])
    y = np.array([1.0, 4.0, 5.0])  # below, above and on the model
    y_hat = np.array([3.0, 2.5, 5.0])
    ax = l2.plot_residuals(x, y, y_hat, squares=True)
    squares = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(squares) == 3
    for sq, xi, yi, fi in zip(squares, x, y, y_hat, strict=True):
        assert sq.get_width() == sq.get_height() == abs(yi - fi)
        assert sq.get_xy() == (xi, min(yi, fi))  # spans exactly the residual segment
    assert ax.get_aspect() == 1.0
    assert legend_texts(ax)[-1] == r"squared residual $r_i^2$"
    assert to_rgba(squares[0].get_facecolor())[:3] == to_rgba(PALETTE["residual"])[:3]


def test_plot_residuals_uses_given_axes_and_can_skip_the_line():
    fig, ax = plt.subplots()
    out = l2.plot_residuals([0, 1], [1, 2], [1.5, 1.5], ax=ax, connect=False)
    assert out is ax and len(fig.axes) == 1
    assert ax.get_lines()[0].get_linestyle() == "None"


def test_plot_residuals_validation():
    with pytest.raises(ValueError, match=r"x has shape \(2,\) but y has shape \(3,\)"):
        l2.plot_residuals([0, 1], [1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match=r"y has shape \(3,\) but y_hat has shape \(2,\)"):
        l2.plot_residuals([0, 1, 2], [1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="x must be 1-D"):
        l2.plot_residuals(np.zeros((3, 1)), [1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="y and y_hat must be 1-D"):
        l2.plot_residuals([0, 1], np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="y_hat must hold numbers"):
        l2.plot_residuals([0, 1], [1, 2], ["a", "b"])


# --- plot_loss_vs_residual ------------------------------------------------------------------


def test_plot_loss_vs_residual_roles_and_data():
    r = np.array([1.0, -2.0, 0.0, 2.0, -1.0])  # unsorted on purpose
    losses = {
        "squared $r^2$": r**2,
        "absolute $|r|$": np.abs(r),
        "Huber": l2.huber(r, np.zeros_like(r), reduction="none"),
        "cubic": np.abs(r) ** 3,
    }
    ax = l2.plot_loss_vs_residual(r, losses)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(losses)
    colours = [to_hex(line.get_color()).upper() for line in lines]
    assert colours[:3] == [PALETTE["l2"], PALETTE["l1"], PALETTE["huber"]]
    assert colours[3] not in colours[:3]
    assert [line.get_linestyle() for line in lines[:3]] == ["-", "--", "-."]
    order = np.argsort(r)
    for line, values in zip(lines, losses.values(), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), r[order])
        np.testing.assert_array_equal(line.get_ydata(), values[order])
    assert ax.get_xlabel() == r"residual $r = y - \hat{y}$"
    assert ax.get_ylabel() == r"loss $\ell(r)$"
    assert legend_texts(ax) == list(losses)


def test_plot_loss_vs_residual_validation():
    r = np.linspace(-1, 1, 5)
    with pytest.raises(TypeError, match="losses must be a non-empty dict"):
        l2.plot_loss_vs_residual(r, [r**2])
    with pytest.raises(TypeError, match="losses must be a non-empty dict"):
        l2.plot_loss_vs_residual(r, {})
    with pytest.raises(ValueError, match=r"losses\['sq'\] has shape \(4,\) but residual has"):
        l2.plot_loss_vs_residual(r, {"sq": r[:4] ** 2})
    with pytest.raises(TypeError, match="residual must hold numbers"):
        l2.plot_loss_vs_residual(["a"], {"sq": [1.0]})


# --- plot_cost_curve ------------------------------------------------------------------------


def test_plot_cost_curve_with_minimizer():
    y = np.array([1.0, 2.0, 6.0])
    c = np.linspace(0, 7, 15)
    cost = np.array([l2.sse(y, np.full(3, ci)) for ci in c])
    ax = l2.plot_cost_curve(c, cost, minimizer=3.0, label="SSE")
    curve, marker = ax.get_lines()
    np.testing.assert_array_equal(curve.get_xdata(), c)
    np.testing.assert_array_equal(curve.get_ydata(), cost)
    assert list(marker.get_xdata()) == [3.0, 3.0]
    assert to_hex(marker.get_color()).upper() == PALETTE["accent"]
    assert marker.get_linestyle() == "--"
    assert ax.get_xlabel() == "constant prediction c" and ax.get_ylabel() == "SSE(c)"
    assert legend_texts(ax) == ["SSE", "minimizer = 3"]


def test_plot_cost_curve_without_extras_and_custom_labels():
    ax = l2.plot_cost_curve([0, 1, 2], [1, 0, 1], xlabel="$w$", ylabel=r"$\mathrm{MSE}(w)$")
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None
    assert ax.get_xlabel() == "$w$" and ax.get_ylabel() == r"$\mathrm{MSE}(w)$"


def test_plot_cost_curve_validation():
    with pytest.raises(ValueError, match=r"c has shape \(3,\) but cost has shape \(2,\)"):
        l2.plot_cost_curve([0, 1, 2], [1, 0])
    with pytest.raises(TypeError, match="minimizer must hold numbers"):
        l2.plot_cost_curve([0, 1], [1, 0], minimizer="0.5")
    with pytest.raises(ValueError, match="minimizer must be 0-D"):
        l2.plot_cost_curve([0, 1], [1, 0], minimizer=[0.5, 1.0])


def test_every_helper_renders():
    """Draw each helper on one figure and render it, so mathtext errors surface here."""
    fig, axes = plt.subplots(1, 3)
    r = np.linspace(-2, 2, 9)
    l2.plot_residuals([0, 1, 2], [1, 2, 2], [1.2, 1.6, 2.0], ax=axes[0], squares=True)
    l2.plot_loss_vs_residual(r, {"squared": r**2, "absolute": np.abs(r)}, ax=axes[1])
    l2.plot_cost_curve(r, r**2, ax=axes[2], minimizer=0.0)
    fig.canvas.draw()


def test_animation_html_is_offline_reproducible_and_described():
    from matplotlib.animation import FuncAnimation

    def make():
        fig, ax = plt.subplots(figsize=(2, 2), dpi=20)
        (point,) = ax.plot([0], [0], "o")
        anim = FuncAnimation(fig, lambda k: point.set_data([k], [k]), frames=4)
        html = plots.animation_html(anim, alt='a point "moving" up')
        plt.close(fig)
        return html

    first, second = make(), make()
    assert first == second, "re-executing gives the same HTML (no random ids)"
    assert first.count("data:image/png") == 4
    assert "http://" not in first and "https://" not in first, "nothing is fetched from the network"
    assert 'alt="a point &quot;moving&quot; up"' in first, "the frame image has escaped alt text"
    assert first._repr_html_() == str(first)
    with pytest.raises(ValueError, match="alt"):
        plots.animation_html(None, alt=" ")


# --- covariance ellipse (added with the chapter "Least squares as an estimator") --------------


@pytest.mark.parametrize("level", [0.5, 0.95])
def test_covariance_ellipse_is_the_level_set_of_the_quadratic_form(level):
    mean, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.8], [0.8, 0.5]])
    ax = plots.plot_covariance_ellipse(mean, cov, level=level, label="95 %")
    xy = ax.get_lines()[-1].get_xydata() - mean
    quad = np.einsum("ij,jk,ik->i", xy, np.linalg.inv(cov), xy)
    # the chi-square(2) quantile: P(Q <= c2) = 1 - exp(-c2 / 2) = level
    c2 = -2 * np.log(1 - level)
    assert np.allclose(quad, c2, rtol=1e-10)
    assert ax.get_lines()[-1].get_label() == "95 %"
    # the fraction of Gaussian draws inside matches the level (4000 draws: binomial sd < 0.008)
    draws = np.random.default_rng(0).multivariate_normal(mean, cov, size=4000) - mean
    inside = np.einsum("ij,jk,ik->i", draws, np.linalg.inv(cov), draws) <= c2
    assert abs(inside.mean() - level) < 0.04


def test_covariance_ellipse_validation():
    with pytest.raises(ValueError, match="positive definite"):
        plots.plot_covariance_ellipse([0, 0], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="shape"):
        plots.plot_covariance_ellipse([0, 0, 0], np.eye(2))
    with pytest.raises(ValueError, match="level"):
        plots.plot_covariance_ellipse([0, 0], np.eye(2), level=1.0)
