"""A cancel set at an epoch's last step stops before the validation pass (which can take
as long as the epoch on a large split), and resuming validates that epoch: still exact."""

from __future__ import annotations

import threading

from finetune_helpers import REFERENCE, small_digits, tiny_backbone
from test_resume import assert_same_result

import advisor
from advisor import events as ev
from advisor.finetuning import checkpoint


def test_cancel_at_the_end_of_an_epoch_skips_validation_and_resumes_exactly(
    reference_run, tmp_path
):
    reference, _ = reference_run
    cancel = threading.Event()
    seen = []

    def stop_at_epoch_end(event):
        seen.append(event)
        if isinstance(event, ev.TrainingStep) and event.epoch == 1 and event.step == event.steps:
            cancel.set()

    out = tmp_path / "run"
    first = advisor.finetune(
        small_digits(),
        tiny_backbone(),
        output=out,
        progress=stop_at_epoch_end,
        cancel=cancel,
        **REFERENCE,
    )
    assert first.cancelled and first.epochs_run == 0
    assert not [e for e in seen if isinstance(e, ev.EpochDone) and e.epoch == 1]  # not validated
    state = checkpoint.load(out / "checkpoints", "last").state["loop"]
    assert state["epoch"] == 0 and state["step_in_epoch"] > 0
    resumed = advisor.finetune(
        small_digits(), tiny_backbone(), output=out, resume=True, **REFERENCE
    )
    assert_same_result(resumed, reference)
