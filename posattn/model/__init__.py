"""The tagger: token vectors -> stacked self-attention -> one tag distribution per token."""

from posattn.model.tagger import Tagger

__all__ = ["Tagger"]
