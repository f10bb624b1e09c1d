"""Tagging with a trained network: the results (`document`), the loaded model and its batched,
windowed prediction (`inference`, `forms`, `precision`), attention maps, what can be tagged
(`sentences`), tagging a corpus on several processes or a Ray cluster (`parallel`), and the
machine-readable output (`formats`, `shards`).

Between the network (`posattn.model`) and training, evaluation and the API, which all tag.
"""
