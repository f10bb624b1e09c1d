"""The model: token vectors -> stacked self-attention (or a baseline encoder) -> one tag
distribution per token; how a trained one is stored, loaded and used for prediction."""

from posattn.model.network import TaggingNetwork

__all__ = ["TaggingNetwork"]
