"""posattn: a stacked self-attention part-of-speech tagger for Universal Dependencies treebanks.

    import posattn
    tagger = posattn.load("runs/ewt")
    print(tagger.tag("I saw a saw"))           # I/PRON saw/VERB a/DET saw/NOUN

The names below come from `posattn.api` (and the types from where they live), imported on first
use so that `import posattn` (and `posattn --help`) stays instant: torch loads only when a model
does, and tagging never imports what training needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from posattn.version import __version__

_EXPORTS = {
    "PosTagger": "posattn.api.tagger",
    "load": "posattn.api.tagger",
    "evaluate": "posattn.api.tagger",
    "TagJob": "posattn.api.tag_job",
    "train": "posattn.api.training",
    "resume": "posattn.api.training",
    "draw_curves": "posattn.api.training",
    "make_config": "posattn.api.training",
    "compare": "posattn.api.comparing",
    "treebank_overview": "posattn.api.treebanks",
    "download": "posattn.data.download",
    "known_treebanks": "posattn.data.download",
    "Config": "posattn.config",
    "Document": "posattn.tagging.document",
    "TaggedSentence": "posattn.tagging.document",
    "Token": "posattn.tagging.document",
    "Evaluation": "posattn.evaluation.scores",
    "TrainResult": "posattn.training.loop",
    "PosattnError": "posattn.errors",
}

__all__ = [
    "Config",
    "Document",
    "Evaluation",
    "PosTagger",
    "PosattnError",
    "TagJob",
    "TaggedSentence",
    "Token",
    "TrainResult",
    "__version__",
    "compare",
    "download",
    "draw_curves",
    "evaluate",
    "known_treebanks",
    "load",
    "make_config",
    "resume",
    "train",
    "treebank_overview",
]

if TYPE_CHECKING:
    from posattn.api.comparing import compare
    from posattn.api.tag_job import TagJob
    from posattn.api.tagger import PosTagger, evaluate, load
    from posattn.api.training import draw_curves, make_config, resume, train
    from posattn.api.treebanks import treebank_overview
    from posattn.config import Config
    from posattn.data.download import download, known_treebanks
    from posattn.errors import PosattnError
    from posattn.evaluation.scores import Evaluation
    from posattn.tagging.document import Document, TaggedSentence, Token
    from posattn.training.loop import TrainResult


def __dir__() -> list[str]:
    """The API's names too (tab completion in a notebook), without importing them."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'posattn' has no attribute {name!r}")
