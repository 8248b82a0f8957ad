"""Regenerate data/ranking-digits.json, the fixed ranking the TUI snapshots show.

A real run: the three offline EfficientNet-Lite backbones on the built-in digits dataset,
probe budget 200, seed 0. Saved once so the snapshots do not depend on timings.

    OMP_NUM_THREADS=1 python tests/tui/make_ranking_fixture.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

OUT = Path(__file__).with_name("data") / "ranking-digits.json"
CANDIDATES = [
    "tf_efficientnet_lite0.in1k",
    "tf_efficientnet_lite1.in1k",
    "tf_efficientnet_lite2.in1k",
]


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import advisor

    ranking = advisor.rank(
        "digits",
        candidates=CANDIDATES,
        budget=200,
        seed=0,
        progress=lambda e: print(type(e).__name__, getattr(e, "candidate", ""), flush=True),
    )
    fd, temp = tempfile.mkstemp(dir=OUT.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(ranking.to_json() + "\n")
    os.chmod(temp, 0o644)  # mkstemp makes it private
    os.replace(temp, OUT)
    print(ranking.to_markdown())


if __name__ == "__main__":
    main()
