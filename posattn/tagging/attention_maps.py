"""The attention maps of one sentence: what each head of each layer weighs, row by row."""

from __future__ import annotations

import torch

from posattn.config import ModelConfig
from posattn.data.batching import make_batch
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.model.network import TaggingNetwork
from posattn.tagging.document import AttentionMap

MAX_SHOWN_TOKENS = 256
"""Longer sentences are tagged in windows, so they have no single attention map to show."""


def check_attention_view(config: ModelConfig, layer: int | None, head: int | None) -> None:
    """Refuse, before any work, to show the attention of a model that has none, or a layer or
    head it does not have."""
    if config.encoder != "attention":
        raise PosattnError(f"this model's encoder is {config.encoder}: it has no attention to show")
    if config.attention_graph:
        raise PosattnError("this model attends along gold dependency trees: it cannot tag text")
    if layer is not None and not 1 <= layer <= config.layers:
        raise PosattnError(f"layer={layer}: this model has layers 1 to {config.layers}")
    if head is not None and not 1 <= head <= config.heads:
        raise PosattnError(f"head={head}: this model has heads 1 to {config.heads}")


def attention_maps(
    network: TaggingNetwork,
    vocabs: Vocabularies,
    tokens: list[str],
    layer: int | None = None,
    head: int | None = None,
    average_heads: bool = False,
    max_word_length: int = 24,
) -> list[list[AttentionMap]]:
    """The attention weights of one sentence, one row of maps per layer (or only `layer`), each
    row all heads (or only `head`, or their average)."""
    check_attention_view(network.config, layer, head)
    if not tokens:
        raise PosattnError("attention of an empty sentence: there is nothing to show")
    if len(tokens) > MAX_SHOWN_TOKENS:
        raise PosattnError(
            f"attention is shown for sentences of up to {MAX_SHOWN_TOKENS} tokens; this one "
            f"has {len(tokens)}"
        )
    layers, heads = network.config.layers, network.config.heads
    network.eval()
    device = next(network.parameters()).device
    batch = make_batch([tokens], vocabs, None, max_word_length).to(device)
    weights = torch.stack(network.attention_weights(batch))[:, 0]  # (layers, heads, seq, seq)
    rows = []
    for layer_index in [layer - 1] if layer else range(layers):
        per_head = weights[layer_index]
        if average_heads:
            rows.append([AttentionMap(layer_index + 1, None, per_head.mean(0).tolist())])
        else:
            chosen = [head - 1] if head else range(heads)
            rows.append(
                [AttentionMap(layer_index + 1, h + 1, per_head[h].tolist()) for h in chosen]
            )
    return rows
