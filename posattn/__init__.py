"""posattn: a stacked self-attention part-of-speech tagger for Universal Dependencies treebanks."""

__version__ = "0.1.0"
