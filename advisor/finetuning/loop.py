"""The training loop: head warm-up, unfreezing, clipping, validation, early stopping,
checkpoints and exact resume; the optimizer and its learning-rate schedule live in
``optimization``.

All loop state that affects the result lives in ``LoopState`` (JSON) plus the model and
optimizer tensors; the learning rate is a pure function of the global step, and every
random draw is seeded from (seed, epoch, step), so a resumed run replays exactly.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from advisor import events
from advisor.errors import Cancelled
from advisor.finetuning import checkpoint
from advisor.finetuning.batches import (
    derived_seed,
    epoch_batches,
    eval_batches,
    make_loader,
    seed_everything,
    to_device,
)
from advisor.finetuning.config import Recipe
from advisor.finetuning.metrics import summarize, write_history
from advisor.finetuning.optimization import lr_factor, phase_of, set_phase
from advisor.finetuning.training_setup import TrainSetup


@dataclass
class LoopState:
    epoch: int = 0  # completed epochs
    step_in_epoch: int = 0  # batches done in the current, unfinished epoch
    global_step: int = 0
    history: list[dict] = field(default_factory=list)
    best_metric: float | None = None
    best_epoch: int = -1
    bad_epochs: int = 0
    stopped_early: bool = False
    finished: bool = False
    probe_done: bool = False  # the head was initialised from a linear probe (epoch 0)
    # running sums for the unfinished epoch, so its metrics match an uninterrupted run
    epoch_loss_sum: float = 0.0
    epoch_examples: int = 0
    epoch_seconds: float = 0.0


def train_mode(model, recipe: Recipe) -> None:
    """Training mode, except batch-norm layers stay in inference mode by default: small
    fine-tuning batches give noisy statistics, and running statistics keep the features the
    head was fitted on (linear-probe init) identical between training and evaluation."""
    model.train()
    if recipe.batchnorm == "frozen":
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def autocast_context(device: torch.device, recipe: Recipe):
    # bf16 autocast needs no loss scaler, so resume stays exact; CPU trains in fp32.
    if device.type == "cuda" and recipe.amp and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast(device.type, enabled=False)


def evaluate(
    model,
    dataset,
    collate,
    *,
    batch_size: int,
    device,
    recipe: Recipe,
    num_workers: int = 0,
    cancel=None,
    task=None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(logits, labels, mean plain loss) over a dataset in its order; the loss is
    cross-entropy, or the task's (``task``: a TaskHead) plain loss."""
    model.eval()
    channels_last = recipe.channels_last  # CPU too: faster there as well
    logits_all, labels_all, loss_sum = [], [], 0.0
    loader = make_loader(dataset, eval_batches(len(dataset), batch_size), -1, collate, num_workers)
    with torch.inference_mode(), autocast_context(device, recipe):
        for inputs, labels in loader:
            if _cancelled(cancel):  # a large validation set takes long: stop per batch
                raise Cancelled("evaluation cancelled")
            logits = model(to_device(inputs, device, channels_last)).float()
            labels = labels.to(device)
            if task is None:
                loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
            else:
                loss_sum += task.plain_loss_sum(logits, labels)
            logits_all.append(logits.cpu().numpy())
            labels_all.append(labels.cpu().numpy())
    n = sum(len(x) for x in labels_all)
    return np.concatenate(logits_all), np.concatenate(labels_all), loss_sum / max(n, 1)


def train(setup: TrainSetup, state: LoopState, optimizer) -> LoopState:
    """Run (or continue) training until done, stopped early or cancelled."""
    recipe, model, device = setup.recipe, setup.model, setup.device
    n_train = len(setup.train_set)
    steps_per_epoch = len(epoch_batches(n_train, recipe.batch_size, setup.seed, 0))
    channels_last = recipe.channels_last  # CPU too: faster there as well
    notify = setup.progress or (lambda event: None)

    if (
        recipe.head_init == "probe"
        and setup.probe_set is not None
        and not state.probe_done
        and state.global_step == 0
    ):
        notify(events.TrainingPhase(0, recipe.epochs, 0, steps_per_epoch, phase="probe"))
        if not _probe_head(setup, state, optimizer):
            return state
        notify(events.EpochDone(0, recipe.epochs, 0, steps_per_epoch, dict(state.history[-1])))

    while state.epoch < recipe.epochs and not state.stopped_early:
        epoch = state.epoch
        phase = phase_of(epoch, recipe)
        set_phase(model, optimizer, phase)
        notify(
            events.TrainingPhase(
                epoch + 1, recipe.epochs, state.step_in_epoch, steps_per_epoch, phase=phase
            )
        )
        train_mode(model, recipe)
        batches = epoch_batches(n_train, recipe.batch_size, setup.seed, epoch)
        loader = make_loader(
            setup.train_set,
            batches[state.step_in_epoch :],
            epoch,
            setup.collate,
            setup.loader_workers,
        )
        tick = time.perf_counter()
        for inputs, labels in loader:
            if _cancelled(setup.cancel) or _paused(setup, state):
                state.epoch_seconds += time.perf_counter() - tick
                _save_last(setup, state, optimizer)
                return state
            step = state.step_in_epoch
            seed_everything(derived_seed(setup.seed, 3, epoch, step))
            factor = lr_factor(state.global_step, steps_per_epoch=steps_per_epoch, recipe=recipe)
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor
            inputs = to_device(inputs, device, channels_last)
            labels = labels.to(device, non_blocking=True)
            with autocast_context(device, recipe):
                logits = model(inputs)
            loss = setup.head.loss(
                logits.float(),
                labels,
                label_smoothing=recipe.label_smoothing,
                loss=getattr(recipe, "loss", "mse"),
            )
            loss.backward()
            if recipe.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(
                    [p for p in model.parameters() if p.grad is not None], recipe.grad_clip
                )
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            batch_n = int(labels.shape[0])
            state.epoch_loss_sum += loss.item() * batch_n
            state.epoch_examples += batch_n
            state.step_in_epoch += 1
            state.global_step += 1
            notify(
                events.TrainingStep(
                    epoch + 1,
                    recipe.epochs,
                    state.step_in_epoch,
                    len(batches),
                    loss=loss.item(),
                    lr=recipe.lr * factor,
                )
            )
            if recipe.checkpoint_every and state.global_step % recipe.checkpoint_every == 0:
                state.epoch_seconds += time.perf_counter() - tick
                tick = time.perf_counter()
                _save_last(setup, state, optimizer)
        state.epoch_seconds += time.perf_counter() - tick
        if _cancelled(setup.cancel):  # resuming validates this epoch (no step is lost)
            _save_last(setup, state, optimizer)
            return state
        try:
            _finish_epoch(setup, state, optimizer, phase, steps_per_epoch)
        except Cancelled:  # during validation, before the epoch's state changed
            _save_last(setup, state, optimizer)
            return state
        notify(
            events.EpochDone(
                epoch + 1, recipe.epochs, steps_per_epoch, steps_per_epoch, dict(state.history[-1])
            )
        )
        if _cancelled(setup.cancel) and state.epoch < recipe.epochs and not state.stopped_early:
            return state
    state.finished = True
    _save_last(setup, state, optimizer)
    return state


def _probe_head(setup: TrainSetup, state: LoopState, optimizer) -> bool:
    """Fit the head on frozen features, record it as epoch 0 and make it the first `best`."""
    from advisor.finetuning.head_init import init_head_from_probe

    recipe = setup.recipe
    tick = time.perf_counter()
    if not init_head_from_probe(
        setup.model,
        setup.probe_set,
        setup.collate,
        num_classes=setup.num_classes,
        batch_size=recipe.eval_batch_size,
        device=setup.device,
        label_smoothing=recipe.label_smoothing,
        num_workers=setup.loader_workers,
        cancel=setup.cancel,
        task=setup.head.task,
    ):
        return False
    seconds = time.perf_counter() - tick
    row = _validation_row(
        setup,
        phase="probe",
        epoch=0,
        train_loss=None,
        lr=0.0,
        seconds=seconds,
        examples=len(setup.train_set),
        steps=0,
    )
    state.history.append(row)
    state.best_metric, state.best_epoch = float(row[recipe.metric]), 0
    state.probe_done = True
    checkpoint.save(
        setup.ckpt_dir,
        "best",
        model_state=setup.model.state_dict(),
        state={"epoch": 0, "metric": recipe.metric, "value": state.best_metric},
    )
    _save_last(setup, state, optimizer)
    write_history(setup.run_dir, state.history)
    return True


def _validation_row(
    setup: TrainSetup, *, phase, epoch, train_loss, lr, seconds, examples, steps
) -> dict:
    recipe = setup.recipe
    logits, labels, val_loss = evaluate(
        setup.model,
        setup.val_set,
        setup.collate,
        batch_size=recipe.eval_batch_size,
        device=setup.device,
        recipe=recipe,
        num_workers=setup.loader_workers,
        cancel=setup.cancel,
        task=setup.head,
    )
    if setup.head.task == "classification":
        summary = summarize(labels, logits.argmax(1), setup.num_classes)
        metrics = {"val_accuracy": summary["accuracy"], "val_macro_f1": summary["macro_f1"]}
    else:  # the task's own metrics (multilabel: with the threshold tuned on this split)
        metrics = setup.head.validation_metrics(logits, labels)
    return {
        "epoch": epoch,
        "phase": phase,
        "train_loss": train_loss,
        "val_loss": val_loss,
        **metrics,
        "lr": lr,
        "train_examples_per_s": examples / max(seconds, 1e-9),
        "train_seconds": seconds,
        "steps": steps,
    }


def _finish_epoch(
    setup: TrainSetup, state: LoopState, optimizer, phase: str, steps_per_epoch: int
) -> None:
    recipe = setup.recipe
    row = _validation_row(
        setup,
        phase=phase,
        epoch=state.epoch + 1,
        train_loss=state.epoch_loss_sum / max(state.epoch_examples, 1),
        lr=recipe.lr
        * lr_factor(max(state.global_step - 1, 0), steps_per_epoch=steps_per_epoch, recipe=recipe),
        seconds=state.epoch_seconds,
        examples=state.epoch_examples,
        steps=state.step_in_epoch,
    )
    state.history.append(row)
    value = row[recipe.metric]
    improved = state.best_metric is None or (
        value > state.best_metric if recipe.metric_higher_is_better else value < state.best_metric
    )
    if improved:
        state.best_metric, state.best_epoch, state.bad_epochs = float(value), state.epoch + 1, 0
    elif phase == "full":
        state.bad_epochs += 1  # patience counts only once the backbone trains
    state.epoch += 1
    state.step_in_epoch = 0
    state.epoch_loss_sum, state.epoch_examples, state.epoch_seconds = 0.0, 0, 0.0
    if state.bad_epochs >= recipe.patience and state.epoch < recipe.epochs:
        state.stopped_early = True
    # best first: if we die between the two writes, `last` still points at the older best.
    if improved:
        checkpoint.save(
            setup.ckpt_dir,
            "best",
            model_state=setup.model.state_dict(),
            state={"epoch": state.best_epoch, "metric": recipe.metric, "value": state.best_metric},
        )
    _save_last(setup, state, optimizer)
    write_history(setup.run_dir, state.history)


def _save_last(setup: TrainSetup, state: LoopState, optimizer) -> None:
    training = {
        "optimizer": optimizer.state_dict(),
        "scheduler": {"global_step": state.global_step},
        "rng": checkpoint.capture_rng(),
    }
    checkpoint.save(
        setup.ckpt_dir,
        "last",
        model_state=setup.model.state_dict(),
        state={"loop": asdict(state)},
        training=training,
    )


def restore(setup: TrainSetup, optimizer) -> LoopState:
    """Load `last` into the model and optimizer and return its loop state."""
    ckpt = checkpoint.load(setup.ckpt_dir, "last")
    setup.model.load_state_dict(ckpt.model_state)
    optimizer.load_state_dict(ckpt.training["optimizer"])
    checkpoint.restore_rng(ckpt.training["rng"])
    return LoopState(**ckpt.state["loop"])


def _paused(setup: TrainSetup, state: LoopState) -> bool:
    return setup.stop_at_step is not None and state.global_step >= setup.stop_at_step


def _cancelled(cancel) -> bool:
    return cancel is not None and cancel.is_set()
