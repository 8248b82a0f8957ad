"""The candidates a column is scaled over: leaving the weakest out must not pick another winner
once they still count in the scales (``ScaleReference``; docs/ranking.md "Anytime ranking")."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.ranking.fusion import ScaleReference, fuse_scores
from advisor.ranking.scales import robust_z
from advisor.ranking.table_input import entries_for

ZOO = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "zoo-full.json"


def zoo_tables() -> dict[str, pd.DataFrame]:
    """Each zoo dataset's probe scores as the zoo ranked them (real features, 500 rows)."""
    stored = json.loads(ZOO.read_text(encoding="utf-8"))
    out = {}
    for name, row in stored["datasets"].items():
        frame = pd.DataFrame(row["ranking"]).set_index("candidate")
        out[name] = frame.drop(columns=["rank", "final_score"])
    return out


def test_a_reference_widens_the_scale_but_not_the_centre():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    alone, wider = robust_z(values), robust_z(values, reference=pd.Series([-40.0, -50.0]))
    assert alone[2] == wider[2] == 0.0  # the centre is the ranked values' median
    # MAD about the union's median (3 of 7 values: 2.0, then x 1.4826) instead of 1.0.
    assert wider[4] == pytest.approx(2.0 / (1.4826 * 2.0))
    assert alone[4] == pytest.approx(2.0 / 1.4826)


def test_leaving_out_the_weakest_keeps_the_winner_when_they_count_in_the_scales():
    changed_without, changed_with, subsets = 0, 0, 0
    for table in zoo_tables().values():
        entries = entries_for(table)
        full = fuse_scores(table, entries).final
        winner = full.idxmax()
        ranked = list(full.sort_values(ascending=False).index)
        weakest = ranked[len(ranked) // 2 + 1 :]
        for k in range(1, len(weakest) + 1):
            for left_out in itertools.combinations(weakest, k):
                kept = [c for c in table.index if c not in left_out]
                kept_entries = {c: entries[c] for c in kept}
                without = fuse_scores(table.loc[kept], kept_entries).final
                reference = ScaleReference(
                    table.loc[list(left_out)], {c: entries[c] for c in left_out}
                )
                with_ref = fuse_scores(
                    table.loc[kept], kept_entries, scale_reference=reference
                ).final
                subsets += 1
                changed_without += without.idxmax() != winner
                changed_with += with_ref.idxmax() != winner
    # Scaled over the kept candidates alone, some subsets pick another winner (fashion-mnist's
    # close call); with the left-out ones in the scales, none does.
    assert subsets == 44 and changed_without > 0
    assert changed_with == 0


def test_a_reference_never_ranks_its_candidates():
    table = zoo_tables()["digits"]
    entries = entries_for(table)
    kept, left_out = list(table.index[:5]), list(table.index[5:])
    fused = fuse_scores(
        table.loc[kept],
        {c: entries[c] for c in kept},
        scale_reference=ScaleReference(table.loc[left_out], {c: entries[c] for c in left_out}),
    )
    assert list(fused.final.index) == kept and np.isfinite(fused.final).all()
