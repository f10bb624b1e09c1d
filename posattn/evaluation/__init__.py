"""Evaluation: scores (accuracy, unknown and ambiguous words, per-tag seqeval), where the errors
are (confusions, accuracy by band), and what a trained model is worth (`measure`)."""
