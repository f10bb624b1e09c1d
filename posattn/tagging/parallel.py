"""Tagging a corpus: on all the cores of one machine, or on a Ray cluster.

Locally, chunks of sentences go to worker processes, each with its own copy of the model and
one thread, and come back in input order. Processes, not threads: tagging is mostly Python and
small matrix products, which threads of one interpreter would take turns at. Each worker loads
the model once; at most two chunks per worker are in flight, so memory does not grow with the
input. On Ray, Ray Data reads the files and a pool of actors (one model and one thread each)
tags them; the sentences come back in input order too, so both engines write the same shards.
"""

from __future__ import annotations

import codecs
import functools
import glob
import itertools
import logging
import multiprocessing
import os
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from posattn.data.text import sentence_lines, stream_sentences
from posattn.errors import PosattnError
from posattn.tagging.document import TaggedSentence
from posattn.tagging.inference import LoadedModel, load_model
from posattn.tagging.precision import Precision
from posattn.tagging.sentences import Sentence, one_sentence_each

_model_of_this_worker: list[LoadedModel] = []
"""Set once in each worker process by `_load`: the state a process pool's initializer leaves
for the tasks that run after it in the same process."""

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class RenderedChunk:
    """Tagged sentences already written out in a machine format."""

    text: str
    sentences: int
    tokens: int


def tag_chunk(model: LoadedModel, chunk: Sequence[Sentence]) -> list[TaggedSentence]:
    return model.tag(chunk).sentences


def render_chunk(
    model: LoadedModel,
    numbered: tuple[int, Sequence[Sentence]],
    render: Callable[[TaggedSentence, int], str],
) -> RenderedChunk:
    """Tag a chunk whose first sentence has number `numbered[0]` and render it: done where the
    chunk is tagged, the parent process has nothing left to do but write."""
    first, chunk = numbered
    tagged = model.tag(chunk).sentences
    text = "".join(render(sentence, number) for number, sentence in enumerate(tagged, first))
    return RenderedChunk(text, len(tagged), sum(len(sentence) for sentence in tagged))


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """`items` in lists of `size` (the last one shorter), read only as they are needed."""
    pending = iter(items)
    return iter(lambda: list(itertools.islice(pending, size)), [])


def sentence_chunks(
    sentences: Iterable[str] | Iterable[Sequence[str]], size: int
) -> Iterator[list[str | list[str]]]:
    """The sentences (see `sentences.one_sentence_each`) in lists of `size`, read as they are
    needed."""
    if size < 1:
        raise PosattnError(f"chunk must be at least 1, not {size}")
    return chunked(one_sentence_each(sentences), size)


def numbered_chunks(
    chunks: Iterable[Sequence[Sentence]],
) -> Iterator[tuple[int, Sequence[Sentence]]]:
    """Each chunk with the 1-based number of its first sentence in the whole stream."""
    first = 1
    for chunk in chunks:
        yield first, chunk
        first += len(chunk)


def _load(model_path: str, device: str, precision: Precision) -> None:
    import torch

    torch.set_num_threads(1)  # one worker per core: more threads would fight over them
    _model_of_this_worker.append(load_model(Path(model_path), device, precision))


def _work(task: Callable[[LoadedModel, Item], Result], item: Item) -> Result:
    return task(_model_of_this_worker[0], item)


def map_in_processes(
    model_path: Path,
    task: Callable[[LoadedModel, Item], Result],
    items: Iterable[Item],
    workers: int,
    device: str = "cpu",
    precision: Precision = "float32",
) -> Iterator[Result]:
    """`task(model, item)` for each item, in one of `workers` processes that each load the
    model once; results in input order. `task` must be a module-level function (or a
    `functools.partial` of one), so that it can be sent to the workers."""
    # "spawn" starts each worker from scratch: forking a process that has already run torch
    # can leave the child's thread pools locked.
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_load,
        initargs=(str(model_path), device, precision),
    )
    pending: deque[Future[Result]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(_work, task, item))
            if len(pending) >= 2 * workers:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future[Result]) -> Result:
    try:
        return future.result()
    except BrokenProcessPool:
        raise PosattnError(
            "a tagging worker process died (killed, or out of memory?); the sentences before "
            "its chunk were written"
        ) from None


def input_files(patterns: Sequence[str | Path]) -> list[Path]:
    """The files named by paths or glob patterns (`corpus/*.txt`), in order, each once; a
    pattern that names nothing, or a folder, is an error."""
    files: list[Path] = []
    for pattern in map(str, patterns):
        matches = (
            sorted(map(Path, glob.glob(pattern))) if glob.has_magic(pattern) else [Path(pattern)]
        )
        if not matches or not matches[0].exists():
            raise PosattnError(f"{pattern}: no such file")
        for path in matches:
            if not path.is_file():
                raise PosattnError(f"{path}: not a file")
            if path not in files:
                files.append(path)
    return files


def check_utf8(path: Path) -> None:
    """Raise `FILE:LINE: not UTF-8 text` at the first line that is not: checked before a
    cluster starts, whose workers could only report that some block failed."""
    with path.open("rb") as stream:
        decoder = codecs.getincrementaldecoder("utf-8")()
        for number, line in enumerate(stream, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                raise PosattnError(f"{path}:{number}: not UTF-8 text (a binary file?)") from None


def render_files_locally(
    each_chunk: Callable[[Callable[..., RenderedChunk], Iterable[Any]], Iterator[RenderedChunk]],
    files: Sequence[Path],
    render: Callable[[TaggedSentence, int], str],
    size: int = 5000,
) -> Iterator[tuple[Path, RenderedChunk]]:
    """Each file's sentences in chunks of at most `size` (a chunk never spans two files, and
    numbers its sentences from the file's start), tagged and rendered by `each_chunk` (in
    input order: here, or in worker processes), each with the file it came from."""
    origins: deque[Path] = deque()  # one entry per chunk read and not yet tagged

    def chunks() -> Iterator[tuple[int, Sequence[Sentence]]]:
        for path in files:
            with path.open("rb") as stream:
                for numbered in numbered_chunks(chunked(stream_sentences(stream, str(path)), size)):
                    origins.append(path)
                    yield numbered

    for rendered in each_chunk(functools.partial(render_chunk, render=render), chunks()):
        yield origins.popleft(), rendered


def render_by_file(
    tagged: Iterable[tuple[Path, TaggedSentence]], render: Callable[[TaggedSentence, int], str]
) -> Iterator[tuple[Path, RenderedChunk]]:
    """Tagged sentences (a file's together, in order) rendered one by one, numbered from each
    file's start."""
    for path, group in itertools.groupby(tagged, key=lambda item: item[0]):
        for number, (_, sentence) in enumerate(group, start=1):
            yield path, RenderedChunk(render(sentence, number), 1, len(sentence))


class _RayTagger:
    """One Ray actor: loads the model once, then tags batches of lines."""

    def __init__(self, model_path: str, precision: Precision) -> None:
        _load(model_path, "cpu", precision)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        origins, sentences = [], []
        for path, line in zip(batch["path"], batch["text"], strict=True):
            # The same sentences as a local run: a file's byte-order mark is not text, and a
            # line may hold none (blanks, control characters) or, split as `tag` splits, more.
            for sentence in sentence_lines(line.removeprefix("\ufeff")):
                origins.append(path)
                sentences.append(sentence)
        tagged = np.empty(len(sentences), dtype=object)  # TaggedSentence objects, as they are
        tagged[:] = tag_chunk(_model_of_this_worker[0], sentences) if sentences else []
        return {"path": np.array(origins, dtype=object), "sentence": tagged}


def tag_files_with_ray(
    model_path: Path,
    files: Sequence[Path],
    actors: int | None = None,
    precision: Precision = "float32",
    batch: int = 2000,
) -> Iterator[tuple[Path, TaggedSentence]]:
    """Tag the files on a Ray cluster (Ray Data: the files read in blocks, `map_batches` on a
    pool of actors, each holding the model and one thread) and yield each sentence with its
    file, in input order. Joins the cluster at RAY_ADDRESS if set, else starts a local one;
    `actors` defaults to one per CPU of the cluster."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise PosattnError(
            "engine=ray needs Ray: pip install 'posattn[ray]' (or pip install 'ray[data]')"
        ) from None
    for path in files:
        check_utf8(path)
    for name in ("ray", "ray.data"):  # their INFO lines would bury ours
        logging.getLogger(name).setLevel(logging.ERROR)
    if not ray.is_initialized():
        _join_or_start_ray(ray)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # shards come back in input order
    context.enable_progress_bars = False
    size = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
    by_name = {str(path.resolve()): path for path in files}
    # Reading is light, and a read task that waited for a CPU held by an actor would wait
    # forever: it asks for none.
    lines = ray.data.read_text(list(by_name), include_paths=True, num_cpus=0)
    tagged = lines.map_batches(
        _RayTagger,
        fn_constructor_kwargs={"model_path": str(model_path.resolve()), "precision": precision},
        batch_size=batch,
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=1,
    )
    try:
        for block in tagged.iter_batches(batch_size=None, batch_format="numpy"):
            for path, sentence in zip(block["path"], block["sentence"], strict=True):
                yield by_name[_local_path(path)], sentence
    except ray.exceptions.RayError as error:
        raise PosattnError(f"Ray: {str(error).strip().splitlines()[-1]}") from None


def _join_or_start_ray(ray: Any) -> None:
    address = os.environ.get("RAY_ADDRESS")
    if address:
        _check_listening(address)
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    except ConnectionError as error:
        if not address:
            raise PosattnError(f"could not start a local Ray cluster: {error}") from None
        # Ray's own message names the node, not what to do; a refused token is the usual cause.
        raise PosattnError(
            f"RAY_ADDRESS={address}: cannot join that Ray cluster ({error}); a cluster that "
            "uses token authentication (Ray's default since 2.59) needs RAY_AUTH_MODE=token and "
            "its token (~/.ray/auth_token or RAY_AUTH_TOKEN) here too"
        ) from None


def _check_listening(address: str) -> None:
    """Ray waits for minutes on an address where nothing listens; a plain connection says so at
    once. Addresses that are not host:port (`auto`, ...) are left to Ray."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as error:
        raise PosattnError(
            f"RAY_ADDRESS={address}: no Ray cluster answers there ({error.strerror or error})"
        ) from None


def _local_path(path: str) -> str:
    """A path as Ray Data reports it (without a leading `/` on some releases) as given."""
    return path if path.startswith("/") else "/" + path
