"""Keys and focus: the escape rule of docs/tui.md, the fine-tune form's focus, and what a
change of data does to the ranking and the fine-tune step.

The escape rule: one press closes any dialog (even with its field focused); in a form,
escape leaves the field first; outside a field it cancels a running job, and with nothing
running it does nothing (the footer shows "Cancel" only while something runs).
"""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from advisor.data import load_data
from advisor.tui.export_dialog import ExportDialog
from advisor.tui.help_screen import HelpScreen
from advisor.tui.number_dialog import NumberDialog
from tests.tui.pilot_helpers import text_of
from tests.tui.test_snapshots import fixed_ranking, snapshot_app

SIZE = (140, 44)
IMAGE_ID = "tf_efficientnet_lite0.in1k"
TEXT_ID = "sentence-transformers/all-MiniLM-L6-v2"


def text_csv(tmp_path):
    path = tmp_path / "reviews.csv"
    rows = [
        f"a {'good' if i % 2 else 'bad'} film number {i},{'pos' if i % 2 else 'neg'}"
        for i in range(40)
    ]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return load_data(str(path))


async def ranking_on_digits(app) -> None:
    app.set_data(load_data("digits"), "digits")
    app.set_ranking(fixed_ranking())
    await app.action_goto("ranking")


def test_one_escape_closes_each_dialog():
    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            await ranking_on_digits(app)
            for key, dialog in (("e", ExportDialog), ("b", NumberDialog), ("v", NumberDialog)):
                await pilot.press(key)
                await pilot.pause(0.1)
                assert isinstance(app.screen, dialog)
                assert isinstance(app.screen.focused, Input)  # the field has focus ...
                await pilot.press("escape")  # ... and one escape still closes the dialog
                await pilot.pause(0.1)
                assert app.current_mode == "ranking" and not isinstance(app.screen, dialog), key

    asyncio.run(go())


def test_finetune_step_keeps_keys_for_the_screen_and_escape_leaves_fields():
    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            await ranking_on_digits(app)
            await pilot.press("f")
            await pilot.pause(0.2)
            screen = app.screen
            assert app.current_mode == "finetune" and not isinstance(screen.focused, Input)
            epochs = screen.query_one("#ft-epochs").value
            await pilot.press("question_mark")  # help opens; nothing is typed into a field
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert app.screen is screen and screen.query_one("#ft-epochs").value == epochs
            while getattr(screen.focused, "id", None) != "ft-epochs":
                await pilot.press("tab")
            await pilot.press("end", "7")
            assert screen.query_one("#ft-epochs").value == epochs + "7"
            await pilot.press("escape")  # leaves the field, stays on the step
            assert not isinstance(screen.focused, Input) and app.current_mode == "finetune"
            await pilot.press("escape")  # nothing runs: escape does nothing
            assert app.current_mode == "finetune"
            assert "Cancel" not in [b.binding.description for b in screen.active_bindings.values()]

    asyncio.run(go())


def test_text_models_get_no_image_size_field(tmp_path):
    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(text_csv(tmp_path), "reviews.csv")
            await app.open_finetune(TEXT_ID)
            await pilot.pause(0.1)
            form = app.screen.query_one("#ft-form")
            assert not app.screen.query_one("#ft-image_size").display
            assert "image_size" not in form.values()[0] and "image_size" not in form.values()[1]
            app.set_data(load_data("digits"), "digits")
            await app.open_finetune(IMAGE_ID)
            await pilot.pause(0.1)
            assert app.screen.query_one("#ft-image_size").display

    asyncio.run(go())


def test_new_data_clears_the_ranking_and_the_finetune_choice(tmp_path):
    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            await ranking_on_digits(app)
            assert "Ranking[/] of 3 candidates on" in app.screen._title()
            assert "on digits" in text_of(app, "#ranking-title")
            await pilot.press("f")
            await pilot.pause(0.1)
            assert app.current_mode == "finetune"
            await pilot.press("1")
            app.set_data(text_csv(tmp_path), "reviews.csv")  # what the data step does on load
            assert app.session.ranking is None and app.session.finetune_candidate is None
            await app.action_goto("ranking")
            await pilot.pause(0.1)
            assert app.screen.query_one("#ranking-table").row_count == 0
            assert "No ranking on reviews yet" in text_of(app, "#ranking-title")
            await pilot.press("f")  # nothing to fine-tune now
            assert app.current_mode == "ranking"
            await app.action_goto("finetune")
            await pilot.pause(0.1)
            assert "Pick a candidate" in text_of(app, "#ft-status")
            await pilot.press("ctrl+s")
            assert not app.screen.running

    asyncio.run(go())


def test_finetune_refuses_a_model_of_another_modality(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(text_csv(tmp_path), "reviews.csv")
            await app.open_finetune(IMAGE_ID)  # e.g. from a ranking of older image data
            await pilot.pause(0.1)
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            assert not app.screen.running and not app.jobs.running()
            problems = [n for n in app._notifications if n.severity == "error"]
            assert problems and "image model" in problems[-1].message
            assert "text data" in problems[-1].message
            assert not (tmp_path / "runs").exists()  # no half-made run folder

    asyncio.run(go())


def test_escape_leaves_the_data_steps_boxes():
    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            for selector in ("#path-input", "#budget-input"):
                app.screen.query_one(selector).focus()
                await pilot.pause(0.05)
                assert isinstance(app.screen.focused, Input)
                await pilot.press("escape")
                assert not isinstance(app.screen.focused, Input), selector
            await pilot.press("2")  # the step keys work again
            assert app.current_mode == "candidates"

    asyncio.run(go())


def test_escape_leaves_the_candidate_filter_so_the_screen_keys_work():
    """Typed in tmux: `/ lite escape a` selected nothing and typed "a" into the filter."""

    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(load_data("digits"), "digits")
            await app.action_goto("candidates")
            await pilot.pause(0.2)
            await pilot.press("x", "slash", "l", "i", "t", "e")
            await pilot.pause(0.2)
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert app.screen.focused is None
            await pilot.press("a")  # the screen's "select shown", not a letter in the filter
            await pilot.pause(0.2)
            assert app.screen.query_one("#filter-query", Input).value == "lite"
            assert app.session.selected and all("lite" in c for c in app.session.selected)

    asyncio.run(go())
