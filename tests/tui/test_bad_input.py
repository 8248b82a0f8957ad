"""Bad input is shown inline or as a notification, and the app keeps running."""

from __future__ import annotations

import asyncio
import re

from advisor.tui import AdvisorApp
from advisor.tui.app import AdvisorApp as _App
from advisor.tui.commands import COMMANDS, AdvisorCommands

SIZE = (120, 40)


def run(coro) -> None:
    asyncio.run(coro)


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def settle(pilot, condition, seconds: float = 120.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("timed out")


def test_invalid_and_unsupported_paths_are_explained_inline(tmp_path):
    (tmp_path / "notes.txt").write_text("not a dataset")

    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *str(tmp_path / "missing"), "enter")
            await pilot.pause(0.2)
            inline = str(app.screen.query_one("#path-error").render())
            assert "missing does not exist" in inline
            assert any("does not exist" in m for m in errors(app))
            await pilot.press("end", "ctrl+u", *str(tmp_path / "notes.txt"), "enter")
            await pilot.pause(0.2)
            assert "notes.txt is a .txt file" in str(app.screen.query_one("#path-error").render())
            assert app.session.data is None and app.is_running

    run(go())


def test_one_class_dataset_is_refused_with_the_reason(tmp_path):
    csv = tmp_path / "one.csv"
    csv.write_text("text,label\n" + "".join(f"sentence number {i},only\n" for i in range(30)))

    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *str(csv), "enter")
            await settle(pilot, lambda: errors(app))
            assert re.search(r"class", errors(app)[0])
            assert app.session.data is None and app.is_running
            # The app still works: a good dataset loads afterwards.
            await pilot.press("shift+tab", "enter")
            await settle(pilot, lambda: app.session.data is not None)
            assert app.session.data.num_classes == 10

    run(go())


def test_scoring_without_data_or_selection_warns():
    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE) as pilot:
            await app.action_start_scoring()
            await pilot.pause(0.1)
            assert any("load a dataset first" in n.message for n in app._notifications)
            assert app.current_mode == "data"

    run(go())


def test_every_palette_command_names_a_real_action():
    for title, _, action in COMMANDS:
        name = action.removeprefix("app.")
        match = re.fullmatch(r"screen_action\('(\w+)', '(\w+)'\)", name)
        if match:
            screen_class = _App.MODES[match.group(1)]
            assert hasattr(screen_class, f"action_{match.group(2)}"), title
        else:
            assert hasattr(_App, "action_" + name.split("(")[0]), title


def test_palette_provider_finds_actions():
    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE):
            provider = AdvisorCommands(app.screen)
            hits = [hit async for hit in provider.search("export")]
            assert [str(h.text) for h in hits] == ["Export ranking"]
            discovered = [hit async for hit in provider.discover()]
            assert len(discovered) == len(COMMANDS)

    run(go())


def test_a_bug_in_a_worker_keeps_its_traceback_and_the_app_running(monkeypatch):
    import advisor.data
    from advisor.errors import DataError

    def broken(spec):
        if spec == "digits":
            return {}["no such key"]  # a bug: KeyError, not a user error
        raise DataError(f"{spec} is not usable; pick another dataset")

    monkeypatch.setattr(advisor.data, "load_data", broken)

    async def go():
        from advisor.tui.messages import WorkFailed
        from tests.tui.pilot_helpers import RecordingApp

        app = RecordingApp()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # digits
            await settle(pilot, lambda: app.of_type(WorkFailed))
            bug = app.of_type(WorkFailed)[0]
            assert bug.bug and bug.reason.startswith("KeyError: ") and bug.task == "load data"
            assert len(app.bug_reports) == 1 and "Traceback" in app.bug_reports[0]
            assert "in broken" in app.bug_reports[0]
            app.screen.load("mine")  # a user error: its own message, no traceback kept
            await settle(pilot, lambda: len(app.of_type(WorkFailed)) == 2)
            user = app.of_type(WorkFailed)[1]
            assert not user.bug and user.reason == "mine is not usable; pick another dataset"
            assert len(app.bug_reports) == 1 and app.is_running
            assert "Cannot load data" in [n.title for n in app._notifications]

    run(go())


def test_the_data_step_says_what_loading_dropped(tmp_path):
    csv = tmp_path / "reviews.csv"
    rows = [f"review number {i},{'pos' if i % 2 else 'neg'}" for i in range(30)]
    rows.insert(5, rows[4])  # an exact duplicate row
    csv.write_text("text,label\n" + "\n".join(rows) + "\n")

    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *str(csv), "enter")
            await settle(pilot, lambda: app.session.data is not None)
            await pilot.pause(0.1)
            summary = str(app.screen.query_one("#summary-text").render())
            assert len(app.session.data) == 30
            assert "dropped 1 row" in summary and "line 7" in summary

    run(go())


def test_many_failed_candidates_give_one_toast_and_a_count(tmp_path, monkeypatch):
    """Selecting every shown model offline: each hub-only one fails in seconds; the rows say
    why, and the screen is not buried under one error toast per candidate."""
    from advisor.data import load_data

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub_only = ["torchvision/resnet34", "torchvision/densenet121", "torchvision/mnasnet1_0"]

    async def go():
        app = AdvisorApp()
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(load_data("digits"), "digits")
            app.session.budget = 100
            app.session.selected = list(hub_only)
            await app.action_start_scoring()
            await settle(pilot, lambda: not app.screen.running)
            titles = [n.title for n in app._notifications]
            assert sum(t.endswith(" failed") for t in titles) == 1
            counts = [n.message for n in app._notifications if n.title == "Scoring"]
            assert any("3 candidates failed" in m for m in counts)
            assert len(app.screen.query(".failed")) == 3  # every row shows its own failure

    run(go())
