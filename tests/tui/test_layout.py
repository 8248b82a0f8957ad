"""Layout at 140x42 and 80x24, asserted on the widgets (what a snapshot shows, said in words):
nothing the user needs is cut off, the narrow terminal keeps whole, usable widgets, short
names replace ids that share a prefix, probe columns follow the fusion weights and the sorted
column is marked."""

from __future__ import annotations

import asyncio

import pytest
from rich.console import Console
from rich.text import Text
from textual.geometry import Region

from advisor.tui.components.fit_table import FitColumn, FitTable
from advisor.tui.components.ranking_table import fit_columns, header
from advisor.tui.components.step_bar import step_markup
from tests.tui.pilot_helpers import text_of
from tests.tui.test_snapshots import (
    FIXTURE_WEIGHTS,
    NARROW,
    SUGGESTION,
    WIDE,
    candidates_screen,
    export_dialog,
    fixed_ranking,
    fixture_weights,  # noqa: F401  (autouse: pinned weights)
    ranking_screen,
    ranking_screen_verified,
    scoring_screen_mid_run,
    snapshot_app,
    verify_dialog,
)

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["140x42", "80x24"])


def drive(size, scenario, check) -> None:
    """Run ``scenario`` on a fresh app at ``size``, then ``check(app)`` (may be async)."""

    async def main():
        app = snapshot_app()
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)
            result = check(app)
            if asyncio.iscoroutine(result):
                await result

    asyncio.run(main())


def inside(widget, container) -> bool:
    """The widget's whole region lies within the container's (nothing cut at the edges)."""
    outer, inner = container.content_region, widget.region
    return (
        inner.x >= outer.x
        and inner.right <= outer.right
        and inner.y >= outer.y
        and inner.bottom <= outer.bottom
    )


def drawn(widget) -> str:
    """The text the widget draws on the screen, line by line."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


# ---- pure layout rules ----------------------------------------------------------------------


def test_fit_columns_keeps_a_prefix_of_the_priority_and_never_less_than_rank_name_score():
    widths = {
        "rank": 1,
        "candidate": 5,
        "final_score": 6,
        "rank_range": 10,
        "p_best": 7,
        "nleep": 6,
        "knn": 5,
        "params_m": 10,
    }
    order = ["rank", "candidate", "final_score", "p_best", "rank_range", "nleep", "knn", "params_m"]
    for available in range(0, 90):
        shown = fit_columns(widths, available, ["nleep", "knn"])
        assert shown == set(order[: len(shown)]) and len(shown) >= 3
        if len(shown) > 3:
            assert sum(widths[k] + 2 for k in shown) <= available
    # The sorted column comes right after rank, name and score.
    assert "params_m" in fit_columns(widths, 30, ["nleep", "knn"], sort_key="params_m")


def test_sorted_header_carries_its_direction():
    assert header("final", "final_score", "final_score", True) == "final ▼"
    assert header("#", "rank", "rank", False) == "# ▲"
    assert header("knn", "knn", "rank", False) == "knn"


def test_fit_table_drops_whole_columns_instead_of_cutting_cells():
    table = FitTable(
        "t",
        [
            FitColumn("method", 0),
            FitColumn("Kendall τ", 5, "right"),
            FitColumn("τw", 1, "right"),
            FitColumn("picks", 2),
        ],
        rows=[["regularized_hscore", "0.816", "0.769", "lite2"]],
    )
    for width in (20, 32, 40, 80):
        console = Console(width=width, record=True)
        console.print(table)
        text = console.export_text()
        assert "…" not in text
        assert "regularized_hscore" in text
    assert table.fitting(32) == [0, 2]  # method and τw; picks needs more room
    assert table.fitting(80) == [0, 1, 2, 3]


def test_step_bar_fits_a_narrow_terminal():
    for width in (60, 80, 140):
        assert Text.from_markup(step_markup("ranking", width)).cell_len <= width
    assert "ctrl+p" in step_markup("ranking", 140)


# ---- the screens ----------------------------------------------------------------------------


@SIZES
def test_ranking_title_wraps_the_whole_suggestion(size):
    def check(app):
        title = app.screen.query_one("#ranking-title")
        assert inside(title, app.screen.query_one("#ranking-left"))
        text = text_of(app, "#ranking-title")
        # Short names, as in the table, and the reason to its last word.
        assert "consider lite0 instead of lite2" in text
        assert " ".join(SUGGESTION["reason"].split()[-3:]) in " ".join(text.split())
        assert "fusion:" not in text  # the long method text lives in the detail pane
        assert "how the final score is made" in text_of(app, "#detail-text")

    drive(size, ranking_screen, check)


@SIZES
def test_ranking_table_uses_short_names_weight_order_and_a_sort_arrow(size):
    async def check(app):
        table = app.screen.query_one("#ranking-table")
        shown = table.shown_columns()
        assert shown[:3] == ["rank", "candidate", "final_score"]
        assert (
            sum(c.get_render_width(table) for c in table.columns.values())
            <= table.scrollable_content_region.width
        )
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert names == ["lite2", "lite1", "lite0"]
        probes = [c for c in shown if c in fixed_ranking().probes]
        weights = [FIXTURE_WEIGHTS.get(p, 0.0) for p in probes]
        assert weights == sorted(weights, reverse=True)
        if size == WIDE:
            assert probes[0] == "nleep" and len(probes) >= 3
        labels = {str(c.key.value): str(c.label) for c in table.columns.values()}
        assert labels["rank"] == "# ▲"
        await app.screen.run_action("cycle_sort")  # next sort column: final score, best first
        labels = {str(c.key.value): str(c.label) for c in table.columns.values()}
        assert labels["final_score"] == "final ▼" and labels["rank"] == "#"

    drive(size, ranking_screen, check)


@SIZES
def test_plot_labels_are_whole(size):
    def check(app):
        text = drawn(app.screen.query_one("#pareto"))
        for label in ("#1 lite2", "#2 lite1", "#3 lite0"):
            assert label in text

    drive(size, ranking_screen, check)


@SIZES
def test_verify_report_shows_short_picks_and_whole_cells(size):
    def check(app):
        text = drawn(app.screen.query_one("#verify-report"))
        assert "…" not in text and "tf_efficientne" not in text
        assert "advisor" in text and "0.769" in text and "lite2" in text
        if size == WIDE:
            assert "Kendall τ" in text

    drive(size, ranking_screen_verified, check)


@SIZES
def test_dialog_titles_wrap_inside_their_box(size):
    def check(app):
        box = app.screen.query_one(".number-box")
        title = box.query("Label").first()
        assert inside(title, box)
        assert "with one fixed protocol" in " ".join(drawn(title).split())  # wrapped, whole

    drive(size, verify_dialog, check)

    def check_export(app):
        box = app.screen.query_one("#export-box")
        title = box.query("Label").first()
        assert inside(title, box) and "escape cancels)" in " ".join(drawn(title).split())

    drive(size, export_dialog, check_export)


def test_narrow_filters_stay_usable():
    def check(app):
        for selector in (
            "#filter-modality",
            "#filter-params",
            "#filter-licence",
            "#filter-availability",
            "#filter-query",
        ):
            widget = app.screen.query_one(selector)
            assert widget.size.width >= 16, selector
            assert inside(widget, app.screen)

    drive(NARROW, candidates_screen, check)


def test_narrow_scoring_screen_shows_every_candidate_on_its_own_line():
    def check(app):
        rows = list(app.screen.query("CandidateRow"))
        box = app.screen.query_one("#scoring-rows")
        assert len(rows) == 4
        for row in rows:
            assert inside(row, box), row.candidate
            # One line each; a failure's reason may wrap, but only to 3 lines.
            assert row.size.height <= 3 if row.has_class("failed") else row.size.height == 1
        assert app.screen.query_one("#live-ranking").size.height >= 3

    drive(NARROW, scoring_screen_mid_run, check)


def test_scoring_live_table_leads_with_the_heaviest_probe():
    def check(app):
        table = app.screen.query_one("#live-ranking")
        keys = [str(c.key.value) for c in table.columns.values()]
        assert keys[2] == "nleep"

    drive(WIDE, scoring_screen_mid_run, check)


@SIZES
def test_run_exists_dialog_is_centred_and_whole(size):
    async def scenario(pilot):
        from advisor.tui.run_exists_dialog import RunExistsDialog

        pilot.app.push_screen(RunExistsDialog("runs/tf_efficientnet_lite0.in1k-digits"))
        await pilot.pause(0.1)

    def check(app):
        box = app.screen.query_one(".number-box")
        assert inside(box, app.screen)
        assert abs(box.region.x - (app.screen.size.width - box.region.right)) <= 1
        for label in box.query("Label"):
            assert inside(label, box)

    drive(size, scenario, check)


def test_unrelated_long_ids_are_elided_in_a_narrow_table():
    long_ids = [
        "vit_small_patch16_224.augreg_in21k_ft_in1k",
        "resnet50.a1_in1k",
        "convnext_tiny.fb_in22k_ft_in1k",
    ]

    async def scenario(pilot):
        import dataclasses

        ranking = fixed_ranking()
        records = [
            {**r, "candidate": new} for r, new in zip(ranking.records, long_ids, strict=True)
        ]
        pilot.app.set_ranking(dataclasses.replace(ranking, records=records))
        await pilot.press("4")
        await pilot.pause(0.3)

    def check(app):
        table = app.screen.query_one("#ranking-table")
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert len(set(names)) == 3 and "resnet50.a1" in names  # the shared "_in1k" dropped
        assert all(len(n) <= max(16, table.scrollable_content_region.width // 3) for n in names)
        assert any("…" in n for n in names)
        assert "final_score" in table.shown_columns()

    drive(NARROW, scenario, check)
