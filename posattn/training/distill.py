"""Knowledge distillation: the model also learns from the tag distributions that trained models
(teachers, e.g. an ensemble) give each word of the training sentences, not only from the gold
tag. A distribution says more than the gold tag: which other tags were plausible, and how much.

    loss = (1 - distill) * CrossEntropy(gold) + distill * CrossEntropy(averaged teachers)
"""

from __future__ import annotations

from pathlib import Path

import torch

from posattn.data.vocab import Vocab
from posattn.errors import PosattnError
from posattn.tagging.inference import load_model


def teacher_distributions(
    teachers: list[str], sentences: list[list[str]], tags: Vocab
) -> list[torch.Tensor]:
    """The teachers' averaged distributions: one (words, tags) tensor per sentence, the tags in
    the order of `tags` (the student's), so teachers may list their tags in another order."""
    total: list[torch.Tensor] | None = None
    for teacher in teachers:
        loaded = load_model(Path(teacher))
        known = loaded.vocabs.tags.stoi
        missing = [tag for tag in tags.itos if tag not in known]
        if missing:
            raise PosattnError(f"{teacher}: this teacher cannot tag {', '.join(missing)}")
        columns = torch.tensor([known[tag] for tag in tags.itos])
        mine = [p[:, columns] for p in loaded.distributions(sentences)]
        total = mine if total is None else [a + b for a, b in zip(total, mine, strict=True)]
    if total is None:
        return []
    return [t / len(teachers) for t in total]
