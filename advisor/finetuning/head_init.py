"""Linear-probe head initialisation ("LP-FT", Kumar et al. 2022).

Before any fine-tuning step, the new head is fitted to convergence on the frozen backbone's
pooled features of the training split (one forward pass, then full-batch L-BFGS multinomial
logistic regression). Fine-tuning then starts from the linear probe's solution instead of a
zero head, so the first full-network steps do not wreck pretrained features with large
gradients from an untrained head, and the run starts at least as good as the probe.
Deterministic (no sampling), so exact resume is unaffected.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from advisor.finetuning.batches import eval_batches, make_loader, to_device


def pooled_features(
    model, dataset, collate, *, batch_size: int, device, num_workers: int = 0, cancel=None
):
    """(features [N, D] float32 on CPU, labels [N]) with eval preprocessing, no gradients."""
    model.eval()
    feats, labels = [], []
    loader = make_loader(dataset, eval_batches(len(dataset), batch_size), -1, collate, num_workers)
    with torch.inference_mode():
        for inputs, y in loader:
            if cancel is not None and cancel.is_set():
                return None, None
            feats.append(model.pooled(to_device(inputs, device)).float().cpu())
            labels.append(y)
    return torch.cat(feats), torch.cat(labels)


def fit_linear_head(
    features: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    *,
    l2: float = 1e-3,
    label_smoothing: float = 0.1,
    max_iter: int = 300,
    task: str = "classification",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multinomial logistic regression by L-BFGS, with the fine-tuning loss (label-smoothed
    cross-entropy, which keeps logits bounded) plus l2/2 * |W|^2. Features are centred and
    divided by one global scale (not per dimension: near-constant dimensions would get huge
    weights that explode once the backbone starts to move); the scaling is folded into (W, b).
    Other tasks fit their own loss the same way: regression the squared error on the
    (standardised) targets, multilabel binary cross-entropy; ``num_classes`` is then the
    number of outputs and ``labels`` the float target rows."""
    with torch.no_grad():
        x = features.double()
        mean = x.mean(0)
        scale = x.std(0).mean().clamp_min(1e-6)
        z = (x - mean) / scale
    weight = torch.zeros(num_classes, z.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=1e-7,
        tolerance_change=1e-10,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    y = labels.long() if task == "classification" else labels.double()

    def fit_loss(outputs):
        if task == "regression":
            return F.mse_loss(outputs, y)
        if task == "multilabel":
            return F.binary_cross_entropy_with_logits(outputs, y)
        return F.cross_entropy(outputs, y, label_smoothing=label_smoothing)

    def closure():
        optimizer.zero_grad()
        loss = fit_loss(z @ weight.T + bias) + 0.5 * l2 * (weight * weight).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        w = weight / scale
        b = bias - w @ mean
    return w.float(), b.float()


def init_head_from_probe(
    model,
    dataset,
    collate,
    *,
    num_classes: int,
    batch_size: int,
    device,
    label_smoothing: float = 0.1,
    num_workers: int = 0,
    cancel=None,
    task: str = "classification",
) -> bool:
    """Fit and install the probe head. False when cancelled before it finished."""
    features, labels = pooled_features(
        model,
        dataset,
        collate,
        batch_size=batch_size,
        device=device,
        num_workers=num_workers,
        cancel=cancel,
    )
    if features is None:
        return False
    weight, bias = fit_linear_head(
        features, labels, num_classes, label_smoothing=label_smoothing, task=task
    )
    head = model.head_layer()
    with torch.no_grad():
        head.weight.copy_(weight.to(head.weight.device, head.weight.dtype))
        head.bias.copy_(bias.to(head.bias.device, head.bias.dtype))
    return True
