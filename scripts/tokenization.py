"""How far the tokenizer reproduces a treebank's own words: learn its lexicon from the train split,
tokenise the `# text` of dev and test, score with the CoNLL 2018 alignment; print one JSON object.

    python scripts/tokenization.py [--data-dir DIR]     # default: $POSATTN_DATA_DIR

Reports, per split: tokens and words F1, and the share of sentences whose words are reproduced
exactly; with `--rules-only`, without the learned lexicon. The rules are those training picks
for the treebank (English for `en_*`, language-neutral otherwise) unless `--rules` says.
"""

from __future__ import annotations

import argparse
import json
import os

from posattn.data.tokenizer import TokenizerLexicon, tokenize_text
from posattn.data.treebank import (
    load_treebank,
    resolve_data_dir,
    surface_tokens,
    tokenizer_rules_for,
    treebank_name,
)
from posattn.evaluation.segmentation import RawTextScores, TaggedToken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("POSATTN_DATA_DIR"))
    parser.add_argument("--rules-only", action="store_true", help="no lexicon from train")
    parser.add_argument("--rules", choices=["english", "neutral"], help="default: by treebank")
    args = parser.parse_args()

    folder = resolve_data_dir(args.data_dir)
    treebank = load_treebank(folder, ("train", "dev", "test"))
    rules = args.rules or tokenizer_rules_for(treebank_name(folder))
    lexicon = (
        TokenizerLexicon(rules=rules)
        if args.rules_only
        else TokenizerLexicon.learn(surface_tokens(treebank["train"]), rules)
    )
    report: dict[str, object] = {"rules": rules, "joiners": lexicon.joiners}
    for split in ("dev", "test"):
        scores = RawTextScores(source=split)
        for text, gold in zip(
            treebank[split]["text"], surface_tokens(treebank[split]), strict=True
        ):
            system = [TaggedToken(t.form, t.words) for t in tokenize_text(text, lexicon)]
            scores.add([TaggedToken(form, words) for form, words, _ in gold], system)
        report[split] = {
            "tokens_f1": scores.tokens.f1,
            "words_f1": scores.words.f1,
            "exact_sentences": scores.exact_sentences,
            "sentences": scores.sentences,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
