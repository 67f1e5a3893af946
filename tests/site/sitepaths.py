"""Where the browser tests find the built site and put their screenshots (overridable by environment)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("L2COURSE_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = Path(os.environ.get("L2COURSE_SCREENSHOTS", ROOT / "_build" / "screenshots"))
