"""Which precision training runs in: bf16 autocast where the hardware has it, fp32 elsewhere."""

from __future__ import annotations

from typing import Any

import torch


def bf16_pays(device: torch.device, log: Any = None) -> bool:
    """Whether bf16 autocast runs natively here: a CUDA GPU with bf16, or a CPU with AVX-512 BF16
    or AMX. Elsewhere (AVX2-only CPUs: most laptops) torch emulates bf16 and a training step is
    more than ten times slower than in fp32 (measured), so training runs in fp32 and says so."""
    if device.type == "cuda":
        native = bool(torch.cuda.is_bf16_supported())
        where = "this GPU"
    else:
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        native = any(getattr(torch.cpu, name, lambda: False)() for name in probes)
        where = "this CPU (no AVX-512 BF16 or AMX)"
    if not native and log is not None:
        log(f"training in fp32: {where} has no native bf16, and bf16 autocast would be many times slower")
    return native


__all__ = ["bf16_pays"]
