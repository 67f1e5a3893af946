"""The one publish setting (publish.yml) and what comes from it: install cells, buttons, citation.

The notebooks' install cells are generated (``make publish-setting``); these tests fail when they drift from
the setting, and check that the generated cell does what it says in both states: published (installs from
the repository at the tag, never by bare name) and not published (stops with instructions).
"""

from __future__ import annotations

import ast
import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest
from course import CHAPTER_NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import course_publish  # noqa: E402

PUBLISHED = course_publish.Publication("https://github.com/example-org/l2-loss", "v0.1.0")
UNPUBLISHED = course_publish.Publication("", "")


def test_docstring_examples():
    failures, tried = doctest.testmod(course_publish)
    assert tried >= 5 and failures == 0


def test_setting_is_valid_and_every_install_cell_matches_it():
    publication = course_publish.load()
    stale = course_publish.stale_notebooks(publication)
    assert not stale, f"install cells differ from publish.yml in {[p.name for p in stale]}: make publish-setting"
    assert len(CHAPTER_NOTEBOOKS) >= 6


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"repository": "https://github.com/o/r", "tag": ""}, "tag is empty"),
        ({"repository": "", "tag": "v0.1.0"}, "repository is empty"),
        ({"repository": "https://github.com/o/r.git", "tag": "v0.1.0"}, "no trailing"),
        ({"repository": "http://github.com/o/r", "tag": "v0.1.0"}, "https URL"),
        ({"repository": "https://github.com/o/r", "tag": "v9.9.9"}, "does not match pyproject.toml"),
        ({"repository": "https://github.com/o/r", "tag": 0.1}, "tag must be a string"),
        ({"repository": "", "tag": "", "branch": "main"}, "exactly the keys"),
        (None, "exactly the keys"),
    ],
)
def test_bad_setting_is_refused_with_a_message_naming_the_field(setting, message):
    with pytest.raises(ValueError, match=message):
        course_publish.parse_setting(setting, "0.1.0")


def test_published_cell_installs_from_the_repository_at_the_tag_quietly():
    source = course_publish.install_cell_source(PUBLISHED)
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert "l2course @ git+https://github.com/example-org/l2-loss@v0.1.0" in strings
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "run"]
    keywords = {k.arg: k.value.value for k in calls[0].keywords}
    assert keywords == {"check": True, "capture_output": True}, "fails loudly, prints nothing"


def run_cell(source: str, tmp_path: Path, l2course_present: bool) -> subprocess.CompletedProcess:
    """Execute a cell in a fresh interpreter where l2course is (or is not) importable; pip is stubbed."""
    fake = tmp_path / "site"
    fake.mkdir(parents=True)
    if l2course_present:
        (fake / "l2course").mkdir()
        (fake / "l2course" / "__init__.py").write_text("")
    # Record what would be run instead of installing anything.
    stub = (
        "import subprocess, json, sys\n"
        "def run(cmd, **kw):\n"
        "    print(json.dumps(cmd)); return subprocess.CompletedProcess(cmd, 0)\n"
        "subprocess.run = run\n"
    )
    code = stub + source
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(fake)!r})\n" + code],
        capture_output=True, text=True, timeout=60,
    )


def test_unpublished_cell_is_silent_when_installed_and_says_what_to_do_when_not(tmp_path):
    source = course_publish.install_cell_source(UNPUBLISHED)
    quiet = run_cell(source, tmp_path / "a", l2course_present=True)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    missing = run_cell(source, tmp_path / "b", l2course_present=False)
    assert missing.returncode != 0
    assert "ModuleNotFoundError" in missing.stderr and "pip install -e ." in missing.stderr
    assert "git+" not in source, "no pretend install line while the course is not published"


def test_published_cell_runs_pip_only_when_the_package_is_missing(tmp_path):
    source = course_publish.install_cell_source(PUBLISHED)
    present = run_cell(source, tmp_path / "a", l2course_present=True)
    assert present.returncode == 0 and present.stdout == ""
    missing = run_cell(source, tmp_path / "b", l2course_present=False)
    assert missing.returncode == 0, missing.stderr
    command = json.loads(missing.stdout)
    assert command[1:5] == ["-m", "pip", "install", "--quiet"]
    assert command[5] == PUBLISHED.install_requirement


def test_write_changes_only_the_install_cell(tmp_path):
    (tmp_path / "chapters").mkdir()
    original = CHAPTER_NOTEBOOKS[0]
    copy = tmp_path / "chapters" / original.name
    copy.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    changed = course_publish.write_install_cells(PUBLISHED, tmp_path)
    assert changed == [copy]
    before, after = json.loads(original.read_text()), json.loads(copy.read_text())
    differing = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"], strict=True)) if a != b]
    first_code = next(i for i, c in enumerate(before["cells"]) if c["cell_type"] == "code")
    assert differing == [first_code]
    assert course_publish.stale_notebooks(PUBLISHED, tmp_path) == []
    assert course_publish.write_install_cells(PUBLISHED, tmp_path) == [], "a second write changes nothing"


def test_citation_names_the_release_and_only_a_real_address():
    version = course_publish.project_version()
    assert course_publish.load().citation(version).count("version " + version) == 1
    assert "https://" not in UNPUBLISHED.citation(version)
    assert PUBLISHED.citation(version).endswith("https://github.com/example-org/l2-loss/tree/v0.1.0")
