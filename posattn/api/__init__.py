"""The Python API: everything the command line does, as a few functions and one tagger object.

    import posattn
    tagger = posattn.load()                    # the latest finished run under runs/, else en_ewt
    print(tagger.tag("I saw a saw"))           # I/PRON saw/VERB a/DET saw/NOUN
    posattn.train("configs/quick.yaml", data_dir=..., output=..., overrides={"train.epochs": 1})

Each command of the CLI is one call here plus printing: `load` and `PosTagger` (`tag`),
`evaluate` (`eval`), `TagJob` (everything `tag` can be asked), `train` and `draw_curves`
(`train`, `plot`), `compare`, `treebank_overview` (`data stats`). Errors are `PosattnError`s
whose message names the parameter at fault; the CLI shows it with the option's name.
"""

from posattn.api.comparing import Comparison, compare
from posattn.api.tag_job import TagJob
from posattn.api.tagger import PosTagger, evaluate, load
from posattn.api.training import DEFAULT_CONFIG, draw_curves, make_config, resume, train
from posattn.api.treebanks import TreebankOverview, treebank_overview
from posattn.run_folder import RUNS_ROOT

__all__ = [
    "DEFAULT_CONFIG",
    "RUNS_ROOT",
    "Comparison",
    "PosTagger",
    "TagJob",
    "TreebankOverview",
    "compare",
    "draw_curves",
    "evaluate",
    "load",
    "make_config",
    "resume",
    "train",
    "treebank_overview",
]
