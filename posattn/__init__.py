"""posattn: a stacked self-attention part-of-speech tagger for Universal Dependencies treebanks.

    import posattn
    tagger = posattn.load("runs/ewt")
    print(tagger.tag("I saw a saw"))           # I/PRON saw/VERB a/DET saw/NOUN

The names below come from `posattn.api`, imported on first use so that `import posattn` (and
`posattn --help`) stays instant: torch loads only when a model does.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from posattn.version import __version__

_EXPORTS = {
    "PosTagger": "posattn.api",
    "load": "posattn.api",
    "train": "posattn.api",
    "resume": "posattn.api",
    "compare": "posattn.api",
    "draw_curves": "posattn.api",
    "download": "posattn.data.download",
    "known_treebanks": "posattn.data.download",
    "treebank_overview": "posattn.api",
    "make_config": "posattn.api",
    "Config": "posattn.config",
    "Document": "posattn.model.inference",
    "TaggedSentence": "posattn.model.inference",
    "Token": "posattn.model.inference",
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
    "TaggedSentence",
    "Token",
    "TrainResult",
    "__version__",
    "compare",
    "download",
    "draw_curves",
    "known_treebanks",
    "load",
    "make_config",
    "resume",
    "train",
    "treebank_overview",
]

if TYPE_CHECKING:
    from posattn.api import (
        PosTagger,
        compare,
        draw_curves,
        load,
        make_config,
        resume,
        train,
        treebank_overview,
    )
    from posattn.config import Config
    from posattn.data.download import download, known_treebanks
    from posattn.errors import PosattnError
    from posattn.evaluation.scores import Evaluation
    from posattn.model.inference import Document, TaggedSentence, Token
    from posattn.training.loop import TrainResult


def __dir__() -> list[str]:
    """The API's names too (tab completion in a notebook), without importing them."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'posattn' has no attribute {name!r}")
