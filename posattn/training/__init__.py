"""Training: the loop (AdamW, schedule, early stopping, weight averaging), its resumable state and
checkpoints, and the provenance of each run. It knows the model only through `loss` and
`predict`, and writes only data files into the run folder; pictures are drawn by the callers."""
