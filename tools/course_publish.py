"""Where the course is published, read from ``publish.yml``, and everything that follows from it.

One setting (``publish.yml``: the repository URL and the release tag) feeds

- the website, through this module's Sphinx extension (enabled in ``_config.yml``): the Binder and Colab
  launch buttons, the repository and issues buttons, the licence link in the footer and the citation on the
  home page (the MyST substitution ``{{ course_citation }}``);
- the install line in the first (hidden) code cell of every chapter notebook, written by
  ``python tools/course_publish.py --write`` (``make publish-setting``) and checked by
  ``tests/test_publish_setting.py``.

While the setting is empty the course is "not published": no launch buttons, a citation with no address,
and install cells that stop with instructions instead of installing from an address that does not exist.

Usage: ``python tools/course_publish.py [--write | --check]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTING = ROOT / "publish.yml"
CHAPTERS = ROOT / "chapters"
TITLE = "The L2 Loss: an executable course"
YEAR = "2026"
REPOSITORY_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9_.-]+)+$")


@dataclass(frozen=True)
class Publication:
    """Where the course is published; both fields empty means not published yet.

    Examples
    --------
    >>> Publication("https://github.com/org/l2-loss", "v0.1.0").install_requirement
    'l2course @ git+https://github.com/org/l2-loss@v0.1.0'
    >>> Publication("", "").published
    False
    """

    repository: str
    tag: str

    @property
    def published(self) -> bool:
        return bool(self.repository)

    @property
    def install_requirement(self) -> str:
        if not self.published:
            raise ValueError("the course is not published: publish.yml has no repository")
        return f"l2course @ git+{self.repository}@{self.tag}"

    def citation(self, version: str) -> str:
        """The one-line citation of the course (Markdown).

        Examples
        --------
        >>> Publication("", "").citation("0.1.0")
        '*The L2 Loss: an executable course*, version 0.1.0 (2026).'
        """
        where = f" {self.repository}/tree/{self.tag}" if self.published else ""
        return f"*{TITLE}*, version {version} ({YEAR}).{where}"


def project_version(root: Path = ROOT) -> str:
    """The package version in ``pyproject.toml`` (the release tag is this with a ``v``)."""
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def parse_setting(setting: object, version: str) -> Publication:
    """Validate the contents of ``publish.yml``.

    Parameters
    ----------
    setting : mapping
        The parsed YAML: ``repository`` and ``tag``, both strings, both empty or both set.
    version : str
        ``pyproject.toml``'s version; a set tag must be ``"v" + version``.

    Raises
    ------
    ValueError
        Naming the field that is wrong and what it should be.

    Examples
    --------
    >>> parse_setting({"repository": "https://github.com/org/l2-loss", "tag": "v0.1.0"}, "0.1.0").tag
    'v0.1.0'
    >>> parse_setting({"repository": "https://github.com/org/l2-loss", "tag": ""}, "0.1.0")
    Traceback (most recent call last):
    ...
    ValueError: publish.yml: repository is set but tag is empty; set tag to 'v0.1.0' (the release to install)
    """
    if not isinstance(setting, dict) or set(setting) != {"repository", "tag"}:
        keys = sorted(setting) if isinstance(setting, dict) else type(setting).__name__
        raise ValueError(f"publish.yml must hold exactly the keys 'repository' and 'tag', found {keys}")
    repository, tag = setting["repository"], setting["tag"]
    for name, value in (("repository", repository), ("tag", tag)):
        if not isinstance(value, str):
            raise ValueError(f"publish.yml: {name} must be a string (quote it), got {value!r}")
    if not repository and not tag:
        return Publication("", "")
    if not repository:
        raise ValueError("publish.yml: tag is set but repository is empty; set both or neither")
    if not tag:
        raise ValueError(
            f"publish.yml: repository is set but tag is empty; set tag to 'v{version}' (the release to install)"
        )
    if not REPOSITORY_PATTERN.match(repository) or repository.endswith(".git"):
        raise ValueError(
            f"publish.yml: repository must be an https URL with no trailing '/' or '.git' "
            f"(e.g. https://github.com/ORG/REPO), got {repository!r}"
        )
    if tag != f"v{version}":
        raise ValueError(
            f"publish.yml: tag {tag!r} does not match pyproject.toml's version {version!r}: "
            f"use 'v{version}' or change the version"
        )
    return Publication(repository, tag)


def load(root: Path = ROOT) -> Publication:
    """Read and validate ``publish.yml`` of the course folder ``root``."""
    return parse_setting(yaml.safe_load((root / "publish.yml").read_text()), project_version(root))


def install_cell_source(publication: Publication) -> str:
    """The first code cell of every chapter: get the helper package when it is missing (e.g. on Colab).

    Published: a quiet ``pip install`` from the course's repository at the release tag, never by bare name
    from a package index (someone else could own the name). Not published: a clear error saying what to do.

    Examples
    --------
    >>> "pip" in install_cell_source(Publication("", ""))
    True
    >>> "git+https://github.com/org/l2-loss@v0.1.0" in install_cell_source(
    ...     Publication("https://github.com/org/l2-loss", "v0.1.0"))
    True
    """
    if publication.published:
        return (
            "import importlib.util, subprocess, sys\n"
            'if importlib.util.find_spec("l2course") is None:  # e.g. on Colab\n'
            "    # install the course's helper package from its repository, quietly\n"
            '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",\n'
            f'                    "{publication.install_requirement}"],\n'
            "                   check=True, capture_output=True)"
        )
    return (
        "import importlib.util\n"
        'if importlib.util.find_spec("l2course") is None:  # e.g. on Colab\n'
        "    raise ModuleNotFoundError(\n"
        '        "This notebook needs the course\'s helper package l2course, and "\n'
        '        "this copy of the course names no published repository to install "\n'
        '        "it from. Get the course folder, run `pip install -e .` in it (or "\n'
        '        "`make venv` and use its .venv), then open this notebook from there."\n'
        "    )"
    )


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "chapters").glob("*.ipynb"))


def install_cell(notebook: dict, path: Path) -> dict:
    """The notebook's first code cell, checked to be the hidden install cell."""
    cell = next((c for c in notebook["cells"] if c["cell_type"] == "code"), None)
    text = "".join(cell["source"]) if cell else ""
    if cell is None or 'find_spec("l2course")' not in text:
        raise ValueError(f"{path.name}: the first code cell is not the l2course install cell")
    if "remove-cell" not in cell.get("metadata", {}).get("tags", []):
        raise ValueError(f"{path.name}: the install cell must be tagged remove-cell")
    return cell


def stale_notebooks(publication: Publication, root: Path = ROOT) -> list[Path]:
    """Chapter notebooks whose install cell is not the one ``publish.yml`` gives."""
    wanted = install_cell_source(publication)
    stale = []
    for path in chapter_notebooks(root):
        cell = install_cell(json.loads(path.read_text(encoding="utf-8")), path)
        if "".join(cell["source"]) != wanted:
            stale.append(path)
    return stale


def write_install_cells(publication: Publication, root: Path = ROOT) -> list[Path]:
    """Rewrite the install cell of every stale chapter notebook; returns the notebooks changed.

    Only that cell's source changes (it has no outputs); the file keeps Jupyter's formatting (one-space
    indent, UTF-8, trailing newline), so the diff is that cell alone.
    """
    changed = []
    for path in stale_notebooks(publication, root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        install_cell(notebook, path)["source"] = install_cell_source(publication).splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        changed.append(path)
    return changed


# ---------------------------------------------------------------------------------------------- Sphinx


def _configure_site(app, config) -> None:
    publication = load(ROOT)
    options = dict(config.html_theme_options)
    if publication.published:
        options.update(
            repository_url=publication.repository,
            repository_branch=publication.tag,
            path_to_docs="",
            use_repository_button=True,
            use_issues_button=True,
            launch_buttons={
                "notebook_interface": "classic",
                "binderhub_url": "https://mybinder.org",
                "colab_url": "https://colab.research.google.com",
            },
        )
        licence = f'<a href="{publication.repository}/blob/{publication.tag}/LICENSE">LICENSE</a>'
    else:
        for key in ("repository_url", "repository_branch", "launch_buttons"):
            options.pop(key, None)
        options.update(use_repository_button=False, use_issues_button=False, use_edit_page_button=False)
        licence = "the LICENSE file of the course folder"
    options["extra_footer"] = f"<p>Code: MIT licence. Text and figures: CC BY 4.0. See {licence}.</p>"
    config.html_theme_options = options
    substitutions = dict(getattr(config, "myst_substitutions", {}) or {})
    substitutions["course_citation"] = publication.citation(project_version(ROOT))
    config.myst_substitutions = substitutions


def setup(app) -> dict:
    app.connect("config-inited", _configure_site)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


# ------------------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the chapters' install cells")
    mode.add_argument("--check", action="store_true", help="exit 1 if an install cell is stale (default)")
    args = parser.parse_args(argv)
    try:
        publication = load()
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    state = f"published at {publication.repository} ({publication.tag})" if publication.published else (
        "not published (publish.yml is empty)"
    )
    if args.write:
        changed = write_install_cells(publication)
        print(f"course {state}; install cell rewritten in {len(changed)} chapter notebook(s)")
        return 0
    stale = stale_notebooks(publication)
    if stale:
        print(f"course {state}; stale install cell in: {', '.join(p.name for p in stale)}; "
              "run `make publish-setting`", file=sys.stderr)
        return 1
    print(f"course {state}; every chapter's install cell matches publish.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
