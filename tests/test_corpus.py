"""Tagging a corpus: worker processes, shards per file, Ray, and bad input on the way, all
checked against plain one-process tagging of real text (EWT's sentences)."""

from __future__ import annotations

import functools
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import posattn
from posattn.api import PosTagger
from posattn.cli import app
from posattn.errors import PosattnError
from posattn.presentation.progress import TaggingProgress
from posattn.tagging.formats import to_conllu
from posattn.tagging.parallel import map_in_processes
from posattn.tagging.shards import MANIFEST

from .conftest import TINY_MODEL, free_port

runner = CliRunner()
EXACT = "float32"
"""Tagging the same sentences batched differently (in other chunks, on Ray) gives identical
output in float32; in bfloat16 a probability can move by about 0.01 with the sentences batched
beside it (tests/test_model.py::test_bfloat16_tags_as_float32_does measures it)."""


@pytest.fixture(scope="module")
def small_model(ewt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained for a moment: what these tests compare is how text reaches it."""
    run = tmp_path_factory.mktemp("corpus") / "run"
    overrides = {f"model.{key}": value for key, value in TINY_MODEL.items()}
    overrides |= {"data.max_train_sentences": 600, "train.epochs": 1, "train.patience": 1}
    posattn.train("quick", data_dir=ewt_dir, output=run, overrides=overrides)
    return run


def text_of(conllu: Path) -> list[str]:
    """The sentences of a CoNLL-U file as raw text, one per line."""
    lines = conllu.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# text = ") for line in lines if line.startswith("# text = ")]


@pytest.fixture(scope="module")
def corpus(ewt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """EWT dev and test as two text files (about 4,000 sentences; 200 in the test slice)."""
    folder = tmp_path_factory.mktemp("text")
    files = []
    for split in ("dev", "test"):
        path = folder / f"{split}.txt"
        path.write_text("\n".join(text_of(ewt_dir / f"en_ewt-ud-{split}.conllu")) + "\n")
        files.append(path)
    return files


def conllu_of(tagger: PosTagger, lines: list[str]) -> str:
    return "".join(
        to_conllu(sentence, number)
        for number, sentence in enumerate(tagger.tag_stream(lines), start=1)
    )


def test_workers_tag_exactly_as_one_process(small_model: Path, corpus: list[Path]) -> None:
    tagger = posattn.load(small_model, precision=EXACT)
    lines = corpus[1].read_text().splitlines()
    chunk = -(-len(lines) // 7)
    alone = [str(s) for s in tagger.tag_stream(lines, chunk=chunk)]
    # Seven chunks over two processes: they finish out of order, come back in order.
    together = [str(s) for s in tagger.tag_stream(lines, chunk=chunk, workers=2)]
    assert together == alone
    assert len(alone) == len(lines)
    # Written out in the workers, numbered across chunks: the text one process writes.
    written = tagger.tag_to_text(lines, "conllu", chunk=chunk, workers=2)
    assert "".join(piece.text for piece in written) == conllu_of(tagger, lines)


def test_files_are_tagged_into_one_shard_each(
    small_model: Path, corpus: list[Path], tmp_path: Path
) -> None:
    tagger = posattn.load(small_model, precision=EXACT)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    summary = tagger.tag_files([*corpus, empty], tmp_path / "out")
    assert [p.name for p in summary.shards] == ["dev.conllu", "test.conllu", "empty.conllu"]
    for path in corpus:
        shard = tmp_path / "out" / f"{path.stem}.conllu"
        assert shard.read_text() == conllu_of(tagger, path.read_text().splitlines())
    assert (tmp_path / "out" / "empty.conllu").read_text() == ""
    # Rendered in two worker processes, chunk by chunk: the same shards.
    tagger.tag_files([*corpus, empty], tmp_path / "out2", workers=2)
    for name in ("dev.conllu", "test.conllu", "empty.conllu"):
        assert (tmp_path / "out2" / name).read_text() == (tmp_path / "out" / name).read_text()
    assert summary.sentences == sum(len(path.read_text().splitlines()) for path in corpus)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["dev.conllu", "test.conllu", "empty.conllu", MANIFEST]
    )  # no temporary file left behind
    # A shard changed since it was written, or a file of the user's, is never overwritten.
    with (tmp_path / "out" / "dev.conllu").open("a") as shard:
        shard.write("# my note\n")
    with pytest.raises(PosattnError, match=r"dev\.conllu: already exists, and is not a fin"):
        tagger.tag_files(corpus[0], tmp_path / "out")
    assert (tmp_path / "out" / "dev.conllu").read_text().endswith("# my note\n")
    with pytest.raises(PosattnError, match="no such file"):
        tagger.tag_files(str(tmp_path / "nothing-*.txt"), tmp_path / "other")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_bad_line_deep_in_a_file_is_named_and_finished_shards_stay(
    small_model: Path, corpus: list[Path], in_tmp: Path
) -> None:
    tmp_path = in_tmp
    good = tmp_path / "a.txt"
    good.write_text(corpus[0].read_text())
    bad = tmp_path / "b.txt"
    # Deep enough that the first chunk of 5,000 sentences (a.txt and the start of b.txt) is
    # tagged and written before the bad line is read.
    lines = corpus[1].read_bytes().splitlines(keepends=True)
    lines = lines * (12_000 // len(lines) + 1)
    bad.write_bytes(b"".join(lines[:5999]) + b"caf\xe9\n" + b"".join(lines[5999:]))
    result = runner.invoke(
        app,
        ["tag", "--model", str(small_model), "--input", str(tmp_path / "*.txt"), "-o", "out"],
    )
    assert result.exit_code == 1
    assert f"{bad}:6000: not UTF-8 text" in result.output
    assert "Traceback" not in result.output
    # The first file's shard was finished before the bad line: it stays, whole; the second
    # file's was being written: it is not there, not even in part.
    assert sorted(p.name for p in Path("out").iterdir()) == [MANIFEST, "a.conllu"]
    written = Path("out/a.conllu").read_text().count("# sent_id")
    assert written == len(corpus[0].read_text().splitlines())


def test_ray_tags_exactly_as_one_process(
    small_model: Path, corpus: list[Path], tmp_path: Path
) -> None:
    ray = pytest.importorskip("ray", reason="the Ray engine needs pip install 'posattn[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        tagger = posattn.load(small_model, precision=EXACT)
        summary = tagger.tag_files(corpus, tmp_path / "ray", engine="ray", workers=2)
    finally:
        ray.shutdown()
    assert summary.sentences == sum(len(path.read_text().splitlines()) for path in corpus)
    for path in corpus:
        shard = tmp_path / "ray" / f"{path.stem}.conllu"
        assert shard.read_text() == conllu_of(tagger, path.read_text().splitlines())


def test_ray_joins_the_cluster_at_ray_address(
    small_model: Path, corpus: list[Path], tmp_path: Path
) -> None:
    """A cluster started apart (`ray start --head`, with token authentication, as Ray starts
    clusters now), joined through RAY_ADDRESS; an address where nothing listens is one line."""
    pytest.importorskip("ray", reason="the Ray engine needs pip install 'posattn[ray]'")
    ray_cli = Path(sys.executable).with_name("ray")
    port = str(free_port())
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(tmp_path / "token")}
    env["HOME"] = str(tmp_path)  # Ray's token and session files go here, not the user's home
    (tmp_path / "token").write_text("posattn-test-" + port * 4)
    start = [str(ray_cli), "start", "--head", "--port", port, "--num-cpus", "2"]
    # Ray's socket paths must stay short (a Unix socket's path has at most 107 bytes).
    sessions = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    start += ["--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={sessions}"]
    started = subprocess.run(start, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    lines = corpus[1].read_text().splitlines()[:300]
    (tmp_path / "few.txt").write_text("\n".join(lines) + "\n")
    tag = [sys.executable, "-m", "posattn", "tag", "--model", str(small_model), "--engine", "ray",
           "--precision", EXACT]  # fmt: skip
    tag += ["--input", str(tmp_path / "few.txt"), "--output", str(tmp_path / "out")]
    try:
        joined = subprocess.run(
            tag, env={**env, "RAY_ADDRESS": f"127.0.0.1:{port}"}, capture_output=True, text=True
        )
    finally:
        subprocess.run([str(ray_cli), "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(sessions, ignore_errors=True)
    assert joined.returncode == 0, joined.stderr
    tagged = (tmp_path / "out" / "few.conllu").read_text()
    assert tagged == conllu_of(posattn.load(small_model, precision=EXACT), lines)
    # Now nothing listens there: Ray would wait for minutes, posattn says so at once.
    nowhere = subprocess.run(
        [*tag[:-1], str(tmp_path / "nowhere")],
        env={**env, "RAY_ADDRESS": f"127.0.0.1:{port}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert nowhere.returncode == 1 and "Traceback" not in nowhere.stderr
    assert f"RAY_ADDRESS=127.0.0.1:{port}: no Ray cluster answers there" in nowhere.stderr
    assert not (tmp_path / "nowhere").exists()


def test_progress_shows_sentences_speed_and_eta() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with TaggingProgress(console, total_bytes=1000) as progress:
        for _ in range(3):
            progress.advance(sentences=1, tokens=10, bytes_read=500)
    shown = screen.getvalue()
    assert "3 sentences" in shown and "tok/s" in shown and "ETA" in shown


def die_at_three(go: Path, model: object, item: int) -> int:
    """A task that kills its own worker process at item 3, as the out-of-memory killer would,
    once `go` exists: when the results before it have reached the caller, which creates it."""
    if item == 3:
        deadline = time.monotonic() + 30
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_a_worker_that_dies_is_one_error_after_the_results_before_it(
    small_model: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    task = functools.partial(die_at_three, go)
    results = []
    with pytest.raises(PosattnError, match="a tagging worker process died"):
        for result in map_in_processes(small_model, task, range(8), workers=2):
            results.append(result)
            if result == 2:
                go.touch()
    assert results == [0, 1, 2]  # the items before it, in order, then the error, nothing after


def test_tagging_files_killed_midway_continues_to_the_same_shards(
    small_model: Path, corpus: list[Path], tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(corpus[0], inputs / "a.txt")
    test_text = corpus[1].read_text()
    (inputs / "b.txt").write_text(test_text * (40_000 // test_text.count("\n") + 1))
    shutil.copy(corpus[1], inputs / "c.txt")
    command = [sys.executable, "-m", "posattn", "tag", "--model", str(small_model), "--input",
               str(inputs / "*.txt"), "--output"]  # fmt: skip
    out = tmp_path / "out"
    killed = subprocess.Popen([*command, str(out)], stderr=subprocess.DEVNULL)
    while not list(out.glob(".b.conllu.*.tmp")) and killed.poll() is None:
        time.sleep(0.01)
    killed.kill()  # kill -9 while b's shard is being written
    killed.wait()
    assert (out / "a.conllu").is_file() and not (out / "b.conllu").exists()
    assert list(out.glob(".b.conllu.*.tmp"))  # what a kill -9 leaves
    again = subprocess.run([*command, str(out)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "1 already done" in again.stderr
    whole = tmp_path / "whole"
    subprocess.run([*command, str(whole)], check=True, capture_output=True)
    shards = sorted(p.name for p in whole.iterdir())
    assert sorted(p.name for p in out.iterdir()) == shards  # no temporary file left
    for name in shards:
        if name != MANIFEST:
            assert (out / name).read_bytes() == (whole / name).read_bytes(), name
