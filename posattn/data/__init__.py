"""Data: treebank files (download, CoNLL-U, caching), vocabularies, batches, the tokenizer.

The lowest stage: it knows nothing about models or training.
"""
