"""Find stored notebook outputs that print round-off or optimizer noise instead of facts.

nbval compares stored outputs exactly, and the digits of a difference at machine precision (``4.8e-16``) or
of an optimizer's residual change with the CPU's BLAS kernel: a notebook that prints them passes on the
machine that wrote it and fails on the next. This scan reads the stored text outputs (no execution) and
reports, by notebook and cell index, every number that

- is written in scientific or fixed notation with a magnitude below ``1e-9``, unless it is a bare power of ten
  (``1e-12``: a tolerance or a parameter the code chose, not a measurement; ``1.0e-12`` is a measurement); or
- carries more than 12 significant digits (an unrounded float such as ``0.30000000000000004``).

Cells tagged ``nbval-ignore-output`` are skipped (nbval does not compare them), and so are images and HTML.

Usage::

    python tools/scan_outputs.py                  # chapters/ and solutions/; exit 1 when anything is found
    python tools/scan_outputs.py chapters/03_*.ipynb
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("chapters", "solutions")
TINY = 1e-9
MAX_SIGNIFICANT = 12
TEXT_MIMES = ("text/plain", "text/markdown", "text/latex")

# a number: optional sign, digits with an optional fraction (or a bare fraction), optional exponent
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
BARE_POWER_OF_TEN = re.compile(r"^[-+]?1[eE][-+]?\d+$")


@dataclass(frozen=True)
class Finding:
    notebook: str
    cell: int
    number: str
    why: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell}: prints {self.number} ({self.why})"


def significant_digits(text: str) -> int:
    """How many significant digits a written number carries (``"0.00120"`` has 3, ``"4.8e-16"`` 2).

    Trailing zeros of a whole number do not count: ``4000000`` says nothing of its precision.

    >>> significant_digits("0.30000000000000004"), significant_digits("1.5e-02"), significant_digits("4000000")
    (17, 2, 1)
    """
    mantissa = re.split(r"[eE]", text.lstrip("+-"))[0]
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0")
    return len(digits)


def why_suspicious(text: str) -> str | None:
    """The reason a printed number looks like noise, or None.

    >>> why_suspicious("4.8e-16")
    'magnitude below 1e-09: round-off or optimizer noise, print a bound instead'
    >>> why_suspicious("1e-12") is None, why_suspicious("0.0218") is None, why_suspicious("2.682e+17") is None
    (True, True, True)
    >>> why_suspicious("1.1175000000000002")
    '17 significant digits: an unrounded float'
    """
    try:
        value = float(text)
    except ValueError:
        return None
    if 0 < abs(value) < TINY and not BARE_POWER_OF_TEN.match(text):
        return f"magnitude below {TINY:g}: round-off or optimizer noise, print a bound instead"
    if (count := significant_digits(text)) > MAX_SIGNIFICANT:
        return f"{count} significant digits: an unrounded float"
    return None


def output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    return "".join("".join(data.get(mime, "")) for mime in TEXT_MIMES)


def scan_notebook(nb: dict, name: str) -> list[Finding]:
    """Every suspicious number in the stored text outputs of one notebook (as a JSON dict)."""
    findings = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            for match in NUMBER.finditer(output_text(output)):
                why = why_suspicious(match.group(0))
                if why:
                    findings.append(Finding(name, index, match.group(0), why))
    return findings


def course_notebooks() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or course_notebooks()
    findings = []
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        findings += scan_notebook(nb, str(path.resolve().relative_to(ROOT)))
    for finding in findings:
        print(finding)
    print(f"{len(findings)} suspicious number(s) in the stored outputs of {len(paths)} notebook(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
