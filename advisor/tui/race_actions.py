"""The ranking screen's race (``R``): settle the close calls with short real fine-tunes.

A dialog asks for the race budget (optimizer steps, or seconds) and top K (remembered like
the verify options); ``advisor.race.race`` runs in a thread worker with the screen job's
cancel event, its typed events fill the status line, and ``advisor.race.settle.settle``
makes the race order the ranking's final word. The race is cached per trial, so starting it
again after escape trains only what had not finished (docs/race.md).
"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.widgets import Static

from advisor.ranking.display import short_names
from advisor.tui.components.race_view import (
    RACE_DEFAULTS,
    RACE_FIELDS,
    check_race_options,
    outcome_text,
    progress_text,
    race_budget,
)
from advisor.tui.jobs import Job
from advisor.tui.messages import RaceDone, RaceProgress

RACE_TASK = "race"  # the worker's name: WorkCancelled/WorkFailed carry it as their task


class RaceActions:
    """Mixed into RankingScreen (which owns ``ranking``, ``job``, ``verifying`` and the
    status line ``#verify-status``, shared by verification and the race)."""

    racing: bool = False
    race_result = None
    race_options: dict = RACE_DEFAULTS
    race_recipe: dict = {}  # fine-tuning recipe overrides for every trial (empty: the protocol's)
    race_accuracies: dict

    def action_race(self) -> None:
        self.ask_fine_tune_options(
            "[b]Race the close calls[/]: short real fine-tunes, successive halving",
            RACE_FIELDS,
            self.race_options,
            check_race_options,
            self.start_race,
        )

    def start_race(self, options: dict, ranking) -> None:
        from advisor.race.api import race_candidates

        records = ranking.records
        self.race_options = dict(options)
        options = {**RACE_DEFAULTS, **options}
        chosen = race_candidates(ranking, min(int(options["top"]), len(records)))
        models = {c: self.app.entry(c) for c in chosen}
        self.race_names = short_names(chosen)
        self.race_accuracies = {}
        self.job = self.app.jobs.start("race")
        self.racing = True
        self.refresh_bindings()
        self.query_one("#verify-status", Static).update(
            f"racing {len(chosen)} candidates ({escape(str(race_budget(options)))}): starting"
            " · escape cancels"
        )
        self._race(
            self.app.session.data,
            ranking,
            options,
            {c: e for c, e in models.items() if e is not None},
            self.job,
            dict(self.race_recipe),
        )

    @work(thread=True, exclusive=True, group="race", name=RACE_TASK, exit_on_error=False)
    def _race(self, data, ranking, options: dict, models: dict, job: Job, recipe: dict) -> None:
        from advisor.race import race

        with job:  # errors and Cancelled go to WorkScreen.on_worker_state_changed
            result = race(
                data,
                ranking=ranking,
                budget=race_budget(options),
                top=min(int(options["top"]), len(ranking.records)),
                data_budget=int(options["examples"]),
                models=models,
                cancel=job.cancel,
                progress=lambda event: self.post_message(RaceProgress(event)),
                **recipe,
            )
            self.post_message(RaceDone(result))

    def on_race_progress(self, message: RaceProgress) -> None:
        from advisor import events as ev

        event = message.event
        if isinstance(event, ev.TrialDone):
            self.race_accuracies[(event.rung, event.outcome.candidate)] = event.outcome.val_accuracy
        text = progress_text(event, self.race_accuracies, self.race_names)
        if text is not None and self.racing:
            self.query_one("#verify-status", Static).update(text)

    def on_race_done(self, message: RaceDone) -> None:
        from advisor.race.settle import settle

        self.racing = False
        self.refresh_bindings()
        if self.ranking is None:  # new data while it ran: the race no longer applies
            return
        self.race_result = message.result
        settled = settle(self.ranking, message.result)
        self.ranking = settled
        self.app.session.ranking = settled  # the same object: the screen does not reset
        self.sort_key, self.descending = "rank", False
        self._rebuild()
        self.query_one("#verify-status", Static).update(
            outcome_text(message.result, self.race_names)
        )
        self.notify(f"{message.result.winner} won the race", title="Race decided", markup=False)

    def race_stopped(self, cancelled: bool, reason: str = "") -> None:
        """The race worker ended on Cancelled (``cancelled``) or an error (``reason``)."""
        self.racing = False
        self.refresh_bindings()
        status = self.query_one("#verify-status", Static)
        if cancelled:
            status.update(
                "[yellow]race cancelled[/]: finished trials are cached, so R again "
                "with the same options reuses them and trains only the rest"
            )
            self.notify(
                "finished trials are cached; R again resumes the race",
                title="Race cancelled",
                severity="warning",
            )
        else:
            status.update(f"[red]race stopped[/]: {escape(reason)}")
            self.notify(reason, title="Cannot race", severity="error", markup=False)
