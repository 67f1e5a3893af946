"""Sphinx extension: serve MathJax 3 from the built site, so formulas render with no network.

The files come from the PyPI package ``django-static-mathjax`` (pinned in ``requirements.txt``), which ships
MathJax 3.2.2's release files (the npm package ``mathjax-full``) as package data; Django itself is not needed
or imported. Only what the CommonHTML TeX renderer loads is copied into ``_static/mathjax/`` of each build:
the combined ``tex-chtml.js`` component, the TeX extensions it autoloads (``\\boldsymbol``, ``\\cancel``, …),
the CommonHTML fonts, and the menu and accessibility components (speech, explorer) a reader can switch on
from MathJax's context menu. About 7 MB instead of the 24 MB of the whole ``es5`` tree.

Enabled in ``_config.yml`` through ``sphinx.local_extensions``; it overrides ``mathjax_path``, so no page
refers to a CDN.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

MATHJAX_PATH = "mathjax/tex-chtml.js"
# Paths inside MathJax's es5/ folder that tex-chtml.js loads (or may load on demand).
NEEDED = ["tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "sre", "adaptors"]


def mathjax_es5() -> Path:
    """The ``es5`` folder of the installed MathJax 3 release, checked to be MathJax 3.

    Raises
    ------
    ExtensionError
        When ``django-static-mathjax`` is not installed or does not hold MathJax 3.

    Examples
    --------
    >>> (mathjax_es5() / "tex-chtml.js").is_file()
    True
    """
    try:
        import mathjax  # the import name of the PyPI package django-static-mathjax
    except ImportError as error:
        raise ExtensionError(
            "offline_mathjax: the package django-static-mathjax is not installed (make venv installs it)"
        ) from error
    root = Path(mathjax.__file__).parent / "static" / "mathjax"
    package = root / "package.json"
    version = json.loads(package.read_text())["version"] if package.is_file() else "unknown"
    if not version.startswith("3.") or not (root / "es5" / "tex-chtml.js").is_file():
        raise ExtensionError(f"offline_mathjax: expected MathJax 3 in {root}, found version {version}")
    return root / "es5"


def _use_local_mathjax(app: Sphinx, config: Config) -> None:
    config.mathjax_path = MATHJAX_PATH


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_es5()
    target = Path(app.outdir) / "_static" / "mathjax"
    for relative in NEEDED:
        if (source / relative).is_dir():
            copy_asset(str(source / relative), str(target / relative))
        else:
            target.mkdir(parents=True, exist_ok=True)
            copy_asset(str(source / relative), str(target))


def setup(app: Sphinx) -> dict:
    mathjax_es5()  # fail at the start of the build, not after it
    app.connect("config-inited", _use_local_mathjax, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
