"""Write a variant of ``_config.yml`` for special builds.

``--render-only``: do not execute notebooks; render the outputs stored in them. ``make test`` uses it after
nbval has re-executed every notebook and checked that the stored outputs are what the code produces, so each
notebook is executed once per test run; ``make pdf`` uses it too.

Math is offline in every build (``tools/offline_mathjax.py``, enabled in ``_config.yml`` itself), so no
variant is needed for that. The written file lives in ``_build/``, so the ``local_extensions`` folders,
which Jupyter Book resolves against the configuration file's folder, are made absolute.

Usage: ``python tools/book_config.py [--render-only] OUT.yml``
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
    args = parser.parse_args(argv)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if args.render_only:
        config["execute"]["execute_notebooks"] = "off"
    extensions = config.get("sphinx", {}).get("local_extensions", {})
    for name, folder in extensions.items():
        extensions[name] = str((ROOT / folder).resolve())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(yaml.safe_dump(config, sort_keys=False))


if __name__ == "__main__":
    main()
