"""Command palette entries: one per action of the app (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action string run on the active screen or app)
COMMANDS = (
    ("Go to data", "Step 1: choose a dataset", "app.goto('data')"),
    ("Go to candidates", "Step 2: choose candidate backbones", "app.goto('candidates')"),
    ("Go to scoring", "Step 3: scoring progress", "app.goto('scoring')"),
    ("Go to ranking", "Step 4: the ranking", "app.goto('ranking')"),
    ("Go to fine-tune", "Step 5: fine-tuning", "app.goto('finetune')"),
    ("Load demo dataset", "Load the built-in digits dataset", "app.load_demo"),
    (
        "Select default candidates",
        "Usable offline candidates of the data's modality",
        "app.screen_action('candidates', 'defaults')",
    ),
    (
        "Select all shown candidates",
        "Every candidate passing the filters",
        "app.screen_action('candidates', 'select_shown')",
    ),
    (
        "Clear candidate selection",
        "Unselect every candidate",
        "app.screen_action('candidates', 'clear')",
    ),
    ("Score selected candidates", "Run the probes on the selected candidates", "app.start_scoring"),
    ("Cancel scoring", "Stop scoring at the next batch", "app.screen_action('scoring', 'cancel')"),
    (
        "Sort ranking by next column",
        "Cycle the ranking's sort column",
        "app.screen_action('ranking', 'cycle_sort')",
    ),
    (
        "Reverse ranking order",
        "Flip the sort direction",
        "app.screen_action('ranking', 'reverse_sort')",
    ),
    (
        "Change cost axis",
        "Parameters, catalog latency or measured latency",
        "app.screen_action('ranking', 'cycle_cost')",
    ),
    (
        "Set cost budgets",
        "Hide candidates over a parameter or latency budget",
        "app.screen_action('ranking', 'budgets')",
    ),
    (
        "Verify the ranking",
        "Fine-tune the top candidates and score the predictions",
        "app.screen_action('ranking', 'verify')",
    ),
    (
        "Race the close calls",
        "Short real fine-tunes settle the top candidates' order",
        "app.screen_action('ranking', 'race')",
    ),
    (
        "Cancel verification or race",
        "Stop at the next step (finished work is cached)",
        "app.screen_action('ranking', 'cancel_work')",
    ),
    (
        "Export ranking",
        "Write the ranking to .json, .csv or .md",
        "app.screen_action('ranking', 'export')",
    ),
    (
        "Fine-tune highlighted candidate",
        "Open the fine-tuning form",
        "app.screen_action('ranking', 'finetune')",
    ),
    (
        "Start fine-tuning",
        "Train with the form's options",
        "app.screen_action('finetune', 'start')",
    ),
    (
        "Cancel fine-tuning",
        "Stop at the next step, keep a checkpoint",
        "app.screen_action('finetune', 'cancel')",
    ),
    (
        "Resume fine-tuning",
        "Continue from the last checkpoint",
        "app.screen_action('finetune', 'resume')",
    ),
    ("Help", "Keys and flow", "app.help"),
)


class AdvisorCommands(Provider):
    """Fuzzy search over :data:`COMMANDS`; the empty query lists them all."""

    async def discover(self) -> Hits:
        for title, help_text, action in COMMANDS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
