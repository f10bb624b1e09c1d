"""The network: token vectors -> stacked self-attention (or a baseline encoder) -> one tag
distribution per token; and how a trained one is stored (`storage`). Using it to tag is
`posattn.tagging`."""

from posattn.model.network import TaggingNetwork

__all__ = ["TaggingNetwork"]
