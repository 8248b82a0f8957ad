"""The ? screen: the flow and every key, step by step."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# advisor: which backbone should you fine-tune?

Five steps; the number keys jump between them (when no text field has focus).
**ctrl+p** opens the command palette with every action, **?** this help, **q** quits.

| step | keys |
|---|---|
| **1 Data** | ↑↓ + enter load a built-in dataset · **/** type a path (tab completes) · **n** next |
| **2 Candidates** | **space**/enter toggle · **a** select shown · **x** clear · **d** defaults · **/** search · **l** layer mode · **s** score |
| **3 Scoring** | **escape** or **c** cancel · **n** ranking (opens by itself when done) |
| **4 Ranking** | ↑↓ highlight · **s** cycle sort column · **r** reverse · click a header to sort · **x** cost axis · **b** cost budgets · **v** verify (fine-tune the top K; **escape** cancels) · **R** race the close calls (**escape** cancels; again resumes) · **e** export · **f** fine-tune highlighted |
| **5 Fine-tune** | edit the form · **ctrl+s** start · **escape**/**c** cancel · **r** resume |

Scoring and training run in background threads: the screen stays live, and cancelling
stops at the next batch. A cancelled fine-tune keeps a checkpoint that **r** resumes.

The ranking's **final** score fuses the probes (and catalog priors); **rank range** is the
bootstrap interval and **P(best)** the share of bootstrap resamples a candidate won ("≈":
too close to call against the leader); the plot marks the Pareto front of score against
cost. **b** hides candidates over a parameter or measured-latency budget. **v** fine-tunes
the top candidates with the fixed verification protocol and shows their real accuracy and
how well the advisor, the prior and each probe predicted it. **R** races the close calls
(or the top K): successive halving over short real fine-tunes within a budget of optimizer
steps or seconds; the race order, by validation accuracy at the last rung, becomes the
final word (column **race val acc**, per-rung accuracies in the detail pane). Finished
trials are cached, so a cancelled race started again trains only the rest.

**l** (step 2) picks the layer mode of the next scoring: **last** (the final embedding),
**layermean** (the mean of the layers) or **bestlayer** (each probe's best layer); with a
layer mode the detail pane names the layer to use for frozen features and its scores.

Press **escape** or **?** to close.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP)
