"""The training loop: AdamW with warm-up and linear decay over the windows of the articles, bf16
autocast on CPU (or a CUDA GPU), and the loss of the token and span heads."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import DataError
from ..techniques import LABELS
from .config import TrainConfig
from .data import IGNORE, Example, batches
from .model import Net
from .precision import bf16_pays


def fit(
    net: Net, examples: list[Example], pad: int, cfg: TrainConfig, log: Any, checkpoint: Path | None = None
) -> None:
    """Train ``net`` on ``examples``. With ``checkpoint``, the trainable weights, the optimizer and
    the random state are saved there after each epoch, and a later call with the same recipe and
    examples goes on from the last saved epoch, to the same weights as a run never stopped (a
    cross-validation fold of a large encoder can outlast a working session)."""
    from rich.progress import Progress

    trained = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    body = [p for n, p in trained if n.startswith("encoder.")]
    heads = [p for n, p in trained if not n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}], weight_decay=0.01
    )
    whole = [e for e in examples if not e.crop]

    def of_epoch(epoch: int) -> list[Example]:
        """The windows an epoch trains on: crops only in the last ``crops_epochs`` epochs."""
        return whole if cfg.crops_epochs and epoch < cfg.epochs - cfg.crops_epochs else examples

    per_epoch = [-(-len(of_epoch(epoch)) // cfg.batch_size) for epoch in range(cfg.epochs)]
    steps = sum(per_epoch)
    warmup = max(1, steps // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    rng = random.Random(cfg.seed)
    device = device_of(cfg.device)
    weights = class_weights(examples, cfg.class_weight_power).to(device)  # (L,)
    net.to(device)
    net.train()
    first = _resume(checkpoint, net, opt, sched, rng, steps, _shape(examples), log) if checkpoint else 0
    bf16 = cfg.bf16 and bf16_pays(device, log)
    with Progress(transient=False) as bar:
        task = bar.add_task("training", total=steps, completed=sum(per_epoch[:first]))
        for epoch in range(first, cfg.epochs):
            total, count, t0 = 0.0, 0, time.time()
            for batch in batches(of_epoch(epoch), cfg.batch_size, pad, rng, cfg.length_buckets):
                inputs, mask, tok = (t.to(device) for t in batch[:3])
                spans = tuple(t.to(device) for t in batch[3]) if batch[3] else None
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                    # inputs: token ids (B, T), or the frozen layers' states (B, T, H)
                    logits, hidden = net.top(inputs, mask) if cfg.frozen_layers else net(inputs, mask)
                    span_logits = net.span_logits(hidden, *spans[:4]) if spans else None
                loss = loss_of(logits.float(), tok, cfg)
                if span_logits is not None:
                    target = spans[4]  # (S, L) label distribution
                    per_span = -(target * F.log_softmax(span_logits.float(), -1)).sum(-1)  # (S,)
                    loss = loss + cfg.span_weight * (per_span * (target @ weights)).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                total, count = total + loss.item(), count + 1
                bar.advance(task)
            if checkpoint:
                _save(checkpoint, net, opt, sched, rng, epoch + 1, steps, _shape(examples))
            log(f"epoch {epoch + 1}/{cfg.epochs}: loss {total / max(count, 1):.4f} ({time.time() - t0:.0f}s)")
    net.eval()
    net.to("cpu")  # export, calibration folds and the teacher all work on the CPU


def _shape(examples: list[Example]) -> list[int]:
    """What a checkpoint must match: the number of windows, their tokens and their spans."""
    return [len(examples), sum(len(e.ids) for e in examples), sum(len(e.span_targets) for e in examples)]


def _save(
    path: Path,
    net: Net,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LambdaLR,
    rng: random.Random,
    epochs: int,
    steps: int,
    shape: list[int],
) -> None:
    state = {
        "epochs": epochs,
        "steps": steps,
        "examples": shape,
        "weights": {n: p.detach().cpu() for n, p in net.named_parameters() if p.requires_grad},
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "rng": rng.getstate(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # a run stopped while saving keeps the previous epoch's checkpoint


def _resume(
    path: Path,
    net: Net,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LambdaLR,
    rng: random.Random,
    steps: int,
    shape: list[int],
    log: Any,
) -> int:
    """Load ``path`` into the training state and return the epochs it holds (0: none, or not
    this run's: the recipe or the examples changed since it was saved)."""
    if not path.is_file():
        return 0
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # truncated or not a checkpoint: lose its epochs, not the run
        log(f"{path}: not a readable checkpoint ({type(err).__name__}); training from the start")
        return 0
    if (state["steps"], state["examples"]) != (steps, shape):
        log(f"{path}: saved by another recipe or other data; training from the start")
        return 0
    trained = dict(net.named_parameters())
    with torch.no_grad():
        for name, value in state["weights"].items():
            trained[name].copy_(value)
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    rng.setstate(state["rng"])
    torch.set_rng_state(state["torch_rng"])
    log(f"resuming after epoch {state['epochs']} from {path}")
    return int(state["epochs"])


def class_weights(examples: list[Example], power: float) -> torch.Tensor:
    """(L,) loss weight of each technique's spans: (its share of the span targets)^-power, scaled so
    that the mean weight over the training spans is 1 (power 0: every weight 1)."""
    counts = np.zeros(len(LABELS), dtype=np.float64)
    for example in examples:
        for target in example.span_targets:
            counts += target
    if power == 0 or counts.sum() == 0:
        return torch.ones(len(LABELS))
    share = np.maximum(counts, 1.0) / counts.sum()
    weights = share**-power
    weights /= (counts * weights).sum() / counts.sum()  # mean weight per span 1
    return torch.tensor(weights, dtype=torch.float32)


def calibration_feeds(
    per_doc: list[list[Example]], pad: int, windows: int = 64, batch: int = 8
) -> list[dict[str, np.ndarray]]:
    """ONNX inputs of ``windows`` training windows spread evenly over the articles' windows, in
    batches: what the export's outlier channels are picked on."""
    flat = [e for group in per_doc for e in group]
    picked = [flat[i] for i in np.linspace(0, len(flat) - 1, min(windows, len(flat))).round().astype(int)]
    feeds = []
    for lo in range(0, len(picked), batch):
        chunk = picked[lo : lo + batch]
        width = max(len(e.ids) for e in chunk)
        ids = np.full((len(chunk), width), pad, dtype=np.int64)  # (B, T)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, e in enumerate(chunk):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds.append({"input_ids": ids, "attention_mask": mask})
    return feeds


def device_of(name: str) -> torch.device:
    """The torch device for training steps; a clear error for one this torch cannot use."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu" or (name.startswith("cuda") and torch.cuda.is_available()):
        return torch.device(name)
    if name.startswith("cuda"):
        raise DataError(
            f"--device {name}: this torch ({torch.__version__}) sees no CUDA GPU; "
            "train with --device cpu, or install a CUDA build of torch on a machine with a GPU"
        )
    raise DataError(f"--device {name!r} is not a training device: use auto, cpu or cuda")


def loss_of(logits: torch.Tensor, targets: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    valid = targets[..., 0] != IGNORE  # (B, T)
    if not valid.any():  # a batch of span-only texts: nothing for the token heads to learn
        return logits.sum() * 0.0
    any_loss = F.binary_cross_entropy_with_logits(logits[..., 0][valid], targets[..., 0][valid])
    tech_loss = F.binary_cross_entropy_with_logits(logits[..., 1:][valid], targets[..., 1:][valid])
    return any_loss + cfg.technique_weight * tech_loss


__all__ = ["calibration_feeds", "class_weights", "device_of", "fit", "loss_of"]
