"""Presentation: what people see. Rich tables and progress for the terminal, matplotlib pictures,
output formats and report files. It sits above the four stages and reads their results."""
