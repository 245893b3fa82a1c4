"""The propscan network: a pretrained encoder, a token head and a span head.

    token head  (B, T, H) -> (B, T, 1 + L)   channel 0: "inside some propaganda span";
                                              channels 1..L: inside a span of technique l
    span head   [window CLS; span mean; span max; sentence mean; features] -> (L,) technique logits

The ONNX graph holds the encoder and the token head and returns the hidden states too; the span
head is a small MLP exported as numpy arrays, so classifying spans costs no second forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel

from ..features import N_FEATURES


@dataclass
class NetConfig:
    n_labels: int = 14
    hidden: int = 384  # MiniLM-L6 width
    span_hidden: int = 256  # one hidden layer is plenty for 14 classes over 2 pooled vectors


class Net(nn.Module):
    def __init__(self, encoder: BertModel, cfg: NetConfig) -> None:
        super().__init__()
        self.encoder = encoder
        self.cfg = cfg
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
    """(S, 4H + F) span vectors; mirrors propscan.decode.BlockOutput.pool in numpy."""
    mean = torch.einsum("st,sth->sh", (masks / masks.sum(1, keepdim=True).clamp(min=1)).to(h.dtype), h)
    ctx = torch.einsum("st,sth->sh", (context / context.sum(1, keepdim=True).clamp(min=1)).to(h.dtype), h)
    peak = h.masked_fill(masks[..., None] == 0, -1e4).amax(1)  # (S, H)
    return torch.cat([h[:, 0], mean, peak, ctx, feats.to(h.dtype)], dim=-1)


def load_encoder(model_dir: str, dropout: float, attention_dropout: float) -> BertModel:
    """The pretrained encoder. Attention dropout off trains several times faster on CPU."""
    config = BertConfig.from_pretrained(model_dir)
    config.hidden_dropout_prob = dropout
    config.attention_probs_dropout_prob = attention_dropout
    return BertModel.from_pretrained(model_dir, config=config, add_pooling_layer=False)
