"""Write a variant of ``_config.yml`` for special builds.

``--render-only``: do not execute notebooks; render the outputs stored in them. ``make test`` uses it after
nbval has re-executed every notebook and checked that the stored outputs are what the code produces, so each
notebook is executed once per test run.

``--offline ASSETS``: the offline edition. MathJax 3 is served from the build (``ASSETS/mathjax``, installed
from npm by ``make book-offline``) instead of a CDN. ``ASSETS`` is deliberately not the book's ``_static/``
folder, whose scripts Jupyter Book would inject into every page.

Usage: ``python tools/book_config.py [--render-only] [--offline ASSETS] OUT.yml``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the configuration")
    parser.add_argument("--render-only", action="store_true", help="render stored outputs, execute nothing")
    parser.add_argument("--offline", type=Path, metavar="ASSETS", help="serve MathJax from ASSETS/mathjax")
    args = parser.parse_args(argv)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if args.render_only:
        config["execute"]["execute_notebooks"] = "off"
    if args.offline:
        if not (args.offline / "mathjax" / "tex-chtml.js").is_file():
            parser.error(f"{args.offline}/mathjax/tex-chtml.js is missing: run `make book-offline`")
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = "mathjax/tex-chtml.js"
        sphinx["html_static_path"] = [str(args.offline.resolve())]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(yaml.safe_dump(config, sort_keys=False))


if __name__ == "__main__":
    main()
