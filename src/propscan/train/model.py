"""The propscan network: a pretrained encoder, a token head and a span head.

    token head  (B, T, H) -> (B, T, 1 + L)   channel 0: "inside some propaganda span";
                                              channels 1..L: inside a span of technique l
    span head   [window CLS; span mean; span max; sentence mean; features] -> (L,) technique logits

The ONNX graph holds the encoder and the token head and returns the hidden states too; the span
head is a small MLP exported as numpy arrays, so classifying spans costs no second forward pass.

With ``lora_rank`` the encoder's weight matrices stay at the base weights and each linear layer
above the frozen ones learns a low-rank update (LoRA: W + scale * B @ A) plus its bias and the
LayerNorms: MPNet-base adapts in every layer while the fine-tuned part stays a few MB.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.masking_utils import create_bidirectional_mask

from ..engine.features import N_FEATURES
from ..errors import ModelError
from ..hub import basepart


@dataclass
class NetConfig:
    n_labels: int = 14
    hidden: int = 384  # MiniLM-L6 width
    span_hidden: int = 256  # one hidden layer is plenty for 14 classes over 2 pooled vectors
    frozen_layers: int = 0  # bottom encoder layers kept at the base weights (with the embeddings)
    lora_rank: int = 0  # > 0: low-rank adapters on every linear layer above the frozen ones
    lora_alpha: float = 32.0  # adapter scale = alpha / rank (a power of two keeps the merge exact)


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: y = base(x) + scale * x A^T B^T.
    B starts at zero, so training starts from the base model exactly."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        base.weight.requires_grad_(False)
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T) @ self.lora_b.T * self.scale  # (..., out)

    def adapters(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) as shipped: fp16."""
        return (
            self.lora_a.detach().float().numpy().astype(np.float16),
            self.lora_b.detach().float().numpy().astype(np.float16),
        )

    def merged(self) -> nn.Linear:
        """A plain nn.Linear with the shipped adapters merged exactly as the installer merges them."""
        a, b = self.adapters()
        w = basepart.merge_lora(self.base.weight.detach().float().numpy(), a, b, self.scale)
        out = nn.Linear(self.base.in_features, self.base.out_features)
        out.weight.data = torch.from_numpy(w)
        out.bias.data = self.base.bias.detach().float().clone()
        return out


class Net(nn.Module):
    def __init__(self, encoder: PreTrainedModel, cfg: NetConfig) -> None:
        super().__init__()
        self.encoder = encoder
        self.cfg = cfg
        if cfg.frozen_layers:
            for p in self.frozen_parameters():
                p.requires_grad_(False)
        if cfg.lora_rank:
            for p in encoder.embeddings.parameters():
                p.requires_grad_(False)
            for layer in encoder.encoder.layer[cfg.frozen_layers :]:
                for module in list(layer.modules()):
                    for name, child in list(module.named_children()):
                        if isinstance(child, nn.Linear):
                            setattr(module, name, LoRALinear(child, cfg.lora_rank, cfg.lora_alpha))
        self.token_head = nn.Linear(cfg.hidden, 1 + cfg.n_labels)
        self.span_head = nn.Sequential(
            nn.Linear(4 * cfg.hidden + N_FEATURES, cfg.span_hidden),
            nn.GELU(),
            nn.Linear(cfg.span_hidden, cfg.n_labels),
        )

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state  # (B, T, H)
        return self.token_head(hidden), hidden  # (B, T, 1+L), (B, T, H)

    # A frozen bottom lets training run the encoder's lower layers once per window (see
    # propscan.train.cache) and only the top layers every step; the export is the whole net.
    def frozen_parameters(self) -> list[nn.Parameter]:
        enc = self.encoder
        frozen = list(enc.embeddings.parameters())
        for layer in enc.encoder.layer[: self.cfg.frozen_layers]:
            frozen += list(layer.parameters())
        bias = getattr(enc.encoder, "relative_attention_bias", None)  # MPNet: shared by all layers
        return frozen + (list(bias.parameters()) if bias is not None else [])

    def adapters(self) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
        """{base weight key (as in model.safetensors): (A, B, scale)} of every adapted layer."""
        return {
            name.removeprefix("encoder.") + ".weight": (*m.adapters(), m.scale)
            for name, m in self.named_modules()
            if isinstance(m, LoRALinear)
        }

    def merged(self) -> Net:
        """A copy whose adapted layers are plain linear layers with the adapters merged (for export)."""
        net = copy.deepcopy(self)
        for module in list(net.modules()):
            for name, child in list(module.named_children()):
                if isinstance(child, LoRALinear):
                    setattr(module, name, child.merged())
        return net

    def bottom(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T, H) hidden states after the frozen layers."""
        h = self.encoder.embeddings(input_ids=input_ids)
        return self._layers(h, attention_mask, self.encoder.encoder.layer[: self.cfg.frozen_layers])

    def top(self, h: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """forward() from the frozen layers' output: (B, T, 1+L), (B, T, H). The cached states are
        bf16; in fp32 training (no bf16 autocast) they are widened to the weights' dtype."""
        h = h.to(self.token_head.weight.dtype)
        hidden = self._layers(h, attention_mask, self.encoder.encoder.layer[self.cfg.frozen_layers :])
        return self.token_head(hidden), hidden

    def _layers(self, h: torch.Tensor, attention_mask: torch.Tensor, layers: nn.ModuleList) -> torch.Tensor:
        enc = self.encoder
        mask = create_bidirectional_mask(config=enc.config, inputs_embeds=h, attention_mask=attention_mask)
        extra = {}
        if hasattr(enc.encoder, "compute_position_bias"):  # MPNet's relative position bias
            extra["position_bias"] = enc.encoder.compute_position_bias(h)
        for layer in layers:
            out = layer(h, mask, **extra)
            h = out[0] if isinstance(out, tuple) else out
        return h

    def span_logits(
        self,
        hidden: torch.Tensor,
        rows: torch.Tensor,
        masks: torch.Tensor,
        context: torch.Tensor,
        feats: torch.Tensor,
    ) -> torch.Tensor:
        """Logits for S spans: rows (S,) window index, masks / context (S, T) the span's tokens and
        its sentence's tokens, feats (S, F)."""
        h = hidden[rows]  # (S, T, H)
        return self.span_head(pool(h, masks, context, feats))  # (S, L)


def pool(h: torch.Tensor, masks: torch.Tensor, context: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
    """(S, 4H + F) span vectors; mirrors propscan.engine.decode.BlockScores.pool in numpy."""
    mean = torch.einsum("st,sth->sh", (masks / masks.sum(1, keepdim=True).clamp(min=1)).to(h.dtype), h)
    ctx = torch.einsum("st,sth->sh", (context / context.sum(1, keepdim=True).clamp(min=1)).to(h.dtype), h)
    peak = h.masked_fill(masks[..., None] == 0, -1e4).amax(1)  # (S, H)
    return torch.cat([h[:, 0], mean, peak, ctx, feats.to(h.dtype)], dim=-1)


def load_encoder(
    model_dir: str, dropout: float, attention_dropout: float, layers: int = 0
) -> PreTrainedModel:
    """The pretrained encoder (BERT or MPNet). Attention dropout off trains several times faster
    on CPU. ``layers`` > 0 keeps only the bottom ``layers`` transformer layers (0: all)."""
    config = AutoConfig.from_pretrained(model_dir)
    if layers:
        config.num_hidden_layers = layers  # the weights of the layers above are not loaded
    config.hidden_dropout_prob = dropout
    config.attention_probs_dropout_prob = attention_dropout
    from transformers.utils import logging as hf_logging

    # transformers' load report lists every weight it skips (the pooler, the dropped layers) and
    # its progress bar fills training logs: noise here. What matters is a weight the encoder needs
    # and the checkpoint lacks, checked below.
    verbosity = hf_logging.get_verbosity()
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model, info = AutoModel.from_pretrained(
            model_dir, config=config, add_pooling_layer=False, output_loading_info=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar:
            hf_logging.enable_progress_bar()
    if info.get("missing_keys"):
        raise ModelError(
            f"the base weights in {model_dir} lack {sorted(info['missing_keys'])[:5]}: "
            "remove that directory so that training downloads and verifies them again"
        )
    return model
