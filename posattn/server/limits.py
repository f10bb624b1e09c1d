"""What one request to `posattn serve` may ask for (bigger ones get 413 before any tagging)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100_000
    """The request body, in bytes (about as many characters of text)."""
    max_tokens: int = 10_000
    """Tokens (syntactic words) in all its sentences together."""
    max_attention_cells: int = 100_000
    """With attention: the sum over its sentences of length squared (one 256-token sentence is
    65,536), which is what the maps cost in time and in bytes, per layer and head."""
