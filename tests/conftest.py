"""Shared pytest set-up: a Hypothesis profile that cannot flake on a busy machine.

No per-example deadline (CI machines are shared and noisy), no example database written into the
repository, and, under CI, derandomized examples so that a run is reproducible; locally the examples stay
random so that new counterexamples can still turn up.
"""

import os

from hypothesis import settings

settings.register_profile(
    "course",
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    print_blob=True,
)
settings.load_profile("course")
