"""The frozen layers' output for every training window, computed once and kept on disk.

With the bottom of the encoder frozen, its output for a window never changes, so training runs
those layers once per window instead of once per step per epoch. Entries are keyed by the window's
token ids and the frozen part's identity (base weights, layer count), so folds, seeds and
re-runs share them and a change of base or window settings can never read stale states.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import torch

from ..hub.weights import cache_home
from .data import Example
from .model import Net
from .precision import bf16_pays


def attach_frozen_states(
    net: Net, examples: list[Example], base_sha256: str, pad_id: int, log: Any, batch_size: int = 16
) -> None:
    """Set ``example.hidden`` (T, H) bf16 for every example, reading or filling the disk cache."""
    k = net.cfg.frozen_layers
    path = cache_home() / "states" / f"{base_sha256[:16]}-frozen{k}.pt"
    store: dict[str, torch.Tensor] = torch.load(path) if path.is_file() else {}
    keys = [hashlib.sha256(e.ids.tobytes()).hexdigest()[:24] for e in examples]
    todo = sorted(
        {key: i for i, key in enumerate(keys) if key not in store}.values(),
        key=lambda i: len(examples[i].ids),
    )
    if todo:
        t0 = time.time()
        net.eval()
        bf16 = bf16_pays(torch.device("cpu"))
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for lo in range(0, len(todo), batch_size):
                chunk = [examples[i] for i in todo[lo : lo + batch_size]]
                width = max(len(e.ids) for e in chunk)
                ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)  # (B, T)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for b, e in enumerate(chunk):
                    ids[b, : len(e.ids)] = torch.from_numpy(e.ids)
                    mask[b, : len(e.ids)] = 1
                h = net.bottom(ids, mask).to(torch.bfloat16)  # (B, T, H)
                for b, i in enumerate(todo[lo : lo + batch_size]):
                    store[keys[i]] = h[b, : len(examples[i].ids)].clone()
        log(f"frozen layers run over {len(todo)} new windows ({time.time() - t0:.0f}s)")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        torch.save(store, tmp)
        tmp.replace(path)
    for key, e in zip(keys, examples, strict=True):
        e.hidden = store[key]
