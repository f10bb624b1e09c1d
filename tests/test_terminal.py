"""stdout carries results only, whether stderr is a terminal or not; a closed stdin or stdout is
one line, and a reader that goes away (`| head -1`) ends the command quietly."""

from __future__ import annotations

import os
import pty
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

SENTENCES = ["I saw a saw .", "we plant the plant .", "they file a file ."] * 400


def posattn(*args: str) -> list[str]:
    return [sys.executable, "-m", "posattn", *args]


def on_a_terminal(command: list[str], stdout: Path) -> tuple[int, str]:
    """Run `command` with stdin and stderr on a pseudo-terminal (as typed in one) and stdout
    into a file (`> FILE`); returns the exit status and what the terminal showed."""
    leader, follower = pty.openpty()
    with stdout.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdin=follower,
            stdout=out,
            stderr=follower,
            env={**os.environ, "TERM": "xterm"},
        )
    os.close(follower)
    shown = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not data:
            break
        shown += data
    os.close(leader)
    return process.wait(), shown.decode("utf-8", "replace")


@pytest.mark.parametrize("how", ["--input", "stdin", "--workers"])
def test_output_redirected_from_a_terminal_goes_to_the_file(
    toy_run: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    text = tmp_path / "small.txt"
    text.write_text("\n".join(SENTENCES) + "\n")
    model = ["--model", str(toy_run[0])]
    if how == "stdin":
        command = ["sh", "-c", f"{shlex.join(posattn('tag', *model, '-f', 'tsv', '-'))} < {text}"]
    else:
        more = ["--workers", "2"] if how == "--workers" else []
        command = posattn("tag", *model, "-f", "tsv", "--input", str(text), *more)
    status, shown = on_a_terminal(command, tmp_path / "small.tsv")
    assert status == 0, shown
    written = (tmp_path / "small.tsv").read_text().split("\n\n")
    assert len([block for block in written if block.strip()]) == len(SENTENCES)
    assert written[0].splitlines()[1] == "saw\tVERB"
    assert "saw\tVERB" not in shown  # the tags went to the file, not to the screen
    assert "Traceback" not in shown


def test_a_closed_stdin_or_stdout_is_one_line(toy_run: tuple[Path, Path]) -> None:
    model = ["--model", str(toy_run[0])]
    closed_stdin = subprocess.run(
        posattn("tag", *model, "-"), stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert closed_stdin.returncode == 1  # /dev/null: empty input
    for shell in (f"{shlex.join(posattn('tag', *model, '-'))} <&-",
                  f"{shlex.join(posattn('tag', *model, 'I saw'))} >&-"):  # fmt: skip
        done = subprocess.run(["sh", "-c", shell], capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "is closed" in done.stderr, done.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(
    toy_run: tuple[Path, Path], tmp_path: Path
) -> None:
    text = tmp_path / "many.txt"
    text.write_text("\n".join(SENTENCES * 20) + "\n")
    command = shlex.join(
        posattn("tag", "--model", str(toy_run[0]), "-f", "tsv", "--input", str(text))
    )
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -1"], capture_output=True, text=True
    )
    assert done.stdout == "I\tPRON\n"
    assert done.returncode in (0, 141), done.stderr
    assert done.stderr == ""  # no "Broken pipe", no traceback
