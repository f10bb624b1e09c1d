"""The training loop: AdamW with warm-up and linear decay, length-bucketed batches, gradient
clipping, early stopping on dev accuracy, the best model saved after every improvement, and a
checkpoint after every epoch or on Ctrl-C / SIGTERM (see `resume`) to continue from.

The loop only calls `model.loss(batch)` and `predict(...)`; what it reports goes through a
`Reporter`, so the same loop runs with a rich progress display or silently in tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from posattn.config import Config, config_to_dict
from posattn.data.batching import Batch, bucket_batches, make_batch
from posattn.data.treebank import (
    TreebankSplits,
    load_splits,
    resolve_data_dir,
    tokenizer_rules_for,
)
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.files import atomic_write_json
from posattn.model.network import TaggingNetwork, count_parameters
from posattn.model.storage import save_model
from posattn.run_folder import RunFolder, claim, final_folder
from posattn.tagging.inference import predict
from posattn.training.distill import teacher_distributions
from posattn.training.provenance import describe_run
from posattn.training.resume import (
    StopRequest,
    TrainingInterrupted,
    restore_checkpoint,
    save_checkpoint,
    stop_on_signals,
)
from posattn.training.state import Clock, Run, TrainingState


class TrainingDiverged(PosattnError):
    """The loss is no longer a number; the run stops with what it has saved so far."""


@dataclass
class EpochMetrics:
    epoch: int
    step: int
    train_loss: float
    dev_accuracy: float
    lr: float
    seconds: float
    """Wall time since training started."""
    tokens_per_second: float


@dataclass
class TrainResult:
    best_dev_accuracy: float
    best_epoch: int
    epochs_run: int
    seconds: float
    stopped_because: str
    parameters: int
    run_dir: str = ""
    """Where the model is: the run folder (the one it replaced, for a run started with
    --overwrite)."""


class Reporter(Protocol):
    def start(self, total_steps: int, completed: int = 0) -> None: ...
    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None: ...
    def epoch_end(self, metrics: EpochMetrics, improved: bool) -> None: ...
    def stop(self) -> None: ...


class SilentReporter:
    def start(self, total_steps: int, completed: int = 0) -> None:
        pass

    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
        pass

    def epoch_end(self, metrics: EpochMetrics, improved: bool) -> None:
        pass

    def stop(self) -> None:
        pass


def select_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise PosattnError("device=cuda: no CUDA device is available (use device=cpu)")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def check_data(config: Config, data: TreebankSplits) -> None:
    """What the model needs of the data, checked before training rather than mid-epoch: trees for
    model.attention_graph, sentences no longer than model.max_positions for learned positions."""
    if config.model.attention_graph and (data.train_heads is None or data.dev_heads is None):
        raise PosattnError("model.attention_graph needs the dependency trees of train and dev")
    for target in config.model.targets[1:]:
        labels = data.train_targets.get(target)
        if labels is None:
            raise PosattnError(f"model.targets: {target} needs the {target} of the training data")
        if all(label == "_" for sentence in labels for label in sentence):
            raise PosattnError(
                f"model.targets: the training data has no {target} (every word's is _)"
            )
    if config.model.position != "learned":
        return
    limit = config.model.max_positions
    for split, sentences in (("train", data.train_words), ("dev", data.dev_words)):
        for number, sentence in enumerate(sentences, start=1):
            if len(sentence) > limit:
                raise PosattnError(
                    f"{split} sentence {number} has {len(sentence)} tokens, more than "
                    f"model.max_positions={limit}; raise it or use model.position=relative"
                )


def lr_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """Linear warm-up to the full rate, then linear decay to zero at the last step."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def lr_factor_by_time(step: int, warmup_steps: int, spent: float) -> float:
    """Linear warm-up over the first steps, then linear decay to zero as the time runs out."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, 1.0 - spent)


def make_optimizer(model: TaggingNetwork, config: Config) -> torch.optim.AdamW:
    # Weight decay on matrices only: decaying biases and LayerNorm gains only hurts.
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.train.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=config.train.lr,
    )


def dev_accuracy(
    model: TaggingNetwork,
    vocabs: Vocabularies,
    data: TreebankSplits,
    config: Config,
    device: torch.device,
) -> float:
    predictions = predict(
        model,
        vocabs,
        data.dev_words,
        max_word_length=config.data.max_word_length,
        device=device,
        heads=data.dev_heads,
    )
    correct = total = 0
    for prediction, gold in zip(predictions, data.dev_tags, strict=True):
        correct += sum(p == g for p, g in zip(prediction.tags, gold, strict=True))
        total += len(gold)
    return correct / max(1, total)


def _digest(data: TreebankSplits, teacher: list[torch.Tensor], targets: list[str]) -> str:
    """What the run learns from: the data, the labels of its other targets and the teachers'
    distributions (if any), so a run is never resumed on anything else."""
    if not teacher and not targets:
        return data.digest()
    digest = hashlib.sha256(data.digest().encode())
    for target in targets:
        for sentence in data.train_targets[target]:
            digest.update(("\t".join(sentence) + "\n").encode())
    for distribution in teacher:
        digest.update(distribution.numpy().tobytes())
    return digest.hexdigest()


def start_run(
    config: Config,
    vocabs: Vocabularies,
    data: TreebankSplits,
    teacher: list[torch.Tensor] | None = None,
) -> Run:
    device = select_device(config.train.device)
    seed_everything(config.train.seed)
    model = TaggingNetwork.for_vocabularies(config.model, vocabs).to(device)
    optimizer = make_optimizer(model, config)
    # An average of recent weights generalises better than the last noisy step's weights.
    averaged = (
        AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.train.ema_decay))
        if config.train.ema_decay
        else None
    )
    lengths = [len(sentence) for sentence in data.train_words]
    # Every epoch's batches are fixed up front by the seed: the schedule knows the exact number
    # of steps, and a run is reproducible from (seed, data) alone.
    first_seed = config.train.seed * 1000 + 1
    epoch_batches = [
        bucket_batches(lengths, config.train.batch_tokens, shuffle=True, seed=seed)
        for seed in range(first_seed, first_seed + config.train.epochs)
    ]
    total_steps = sum(map(len, epoch_batches))
    minutes = config.train.max_minutes
    clock = Clock(time.monotonic() + 60 * minutes, 60 * minutes) if minutes else Clock()
    warmup = config.train.warmup_steps
    if config.train.budget == "minutes":
        # The schedule follows the clock: the rate reaches zero when the time is up.
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: lr_factor_by_time(step, warmup, clock.spent())
        )
    else:
        # At most a tenth of the run: on a small treebank, 300 steps can be the whole run.
        warmup = min(warmup, total_steps // 10)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: lr_factor(step, warmup, total_steps)
        )
    return Run(
        model=model,
        device=device,
        evaluated=averaged.module if averaged is not None else model,  # type: ignore[arg-type]
        averaged=averaged,
        optimizer=optimizer,
        scheduler=scheduler,
        epoch_batches=epoch_batches,
        total_steps=total_steps,
        clock=clock,
        teacher=teacher or None,
    )


def train_epoch(
    run: Run,
    state: TrainingState,
    data: TreebankSplits,
    vocabs: Vocabularies,
    config: Config,
    reporter: Reporter,
    stop: StopRequest,
) -> bool:
    """Run the epoch's remaining batches; stop early if asked to. Returns: out of time."""
    run.model.train()
    started, tokens_here = time.monotonic(), 0
    batches = run.epoch_batches[state.epoch - 1]
    while state.batch < len(batches):
        batch = _training_batch(data, vocabs, batches[state.batch], config, run.teacher)
        batch = batch.to(run.device)
        loss = run.model.loss(batch, config.train.label_smoothing, config.train.distill)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainingDiverged(
                f"training diverged at epoch {state.epoch}, step {run.scheduler.last_epoch + 1} "
                f"(loss {loss_value})"
            )
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), config.train.clip_norm)
        run.optimizer.step()
        run.scheduler.step()
        if run.averaged is not None:
            run.averaged.update_parameters(run.model)
        state.batch += 1
        state.epoch_loss += loss_value * batch.num_tokens
        state.epoch_tokens += batch.num_tokens
        tokens_here += batch.num_tokens
        speed = tokens_here / max(1e-9, time.monotonic() - started)
        reporter.step(state.epoch, loss_value, speed)
        if stop.signum is not None:
            return False
        if run.clock.over():
            return True
    return False


def train(
    config: Config,
    output_dir: Path,
    reporter: Reporter | None = None,
    data: TreebankSplits | None = None,
    resume: bool = False,
    command: list[str] | None = None,
    overwrite: bool = False,
) -> TrainResult:
    """Train from scratch (or `resume` an interrupted run in `output_dir`); the best model by dev
    accuracy is in `output_dir` when this returns. `command` is recorded in run.json.

    A folder that already holds something is refused unless `resume` or `overwrite` says what
    to do with it (see `run_folder.claim`). A checkpoint is saved after every epoch and when
    SIGINT/SIGTERM arrives (then TrainingInterrupted is raised); a resumed run ends with the same
    metrics as one that never stopped.
    """
    reporter = reporter or SilentReporter()
    target = RunFolder(output_dir)
    if resume and not target.checkpoint.is_file():
        raise PosattnError(
            f"{output_dir}: nothing to resume (no {target.checkpoint.name}: the run finished, or "
            "stopped before its first checkpoint)"
        )
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    data_folder = None
    if data is None:
        data_folder = resolve_data_dir(config.data.data_dir, config.data.treebank)
        data = load_splits(data_folder, config.data.max_train_sentences)
        # Stored resolved, so the model finds its data from any folder.
        config = dataclasses.replace(
            config, data=dataclasses.replace(config.data, data_dir=_absolute(config.data.data_dir))
        )
    check_data(config, data)
    vocabs = Vocabularies.build(
        data.train_words,
        data.train_tags,
        config.data.min_word_count,
        data.train_tokens,
        {target: data.train_targets[target] for target in config.model.targets[1:]},
        tokenizer_rules_for(data.treebank)
        if config.data.tokenizer == "auto"
        else config.data.tokenizer,
        data.treebank,
    )
    check_memory(config, vocabs)
    final = final_folder(target, resume)
    with claim(target, resume, overwrite) as folder:
        return _train_in(
            folder, final, config, data, vocabs, data_folder, reporter, resume, command
        )


def _absolute(data_dir: str | None) -> str | None:
    return str(Path(data_dir).expanduser().resolve()) if data_dir else None


def check_memory(config: Config, vocabs: Vocabularies) -> None:
    """Refuse a model too big to train in this machine's memory, before allocating it: its size
    is counted on torch's meta device, which allocates nothing."""
    with torch.device("meta"):
        parameters = count_parameters(TaggingNetwork.for_vocabularies(config.model, vocabs))
    # Weights, gradients, AdamW's two moments and the weight average, 4 bytes each.
    needed = parameters * 4 * (5 if config.train.ema_decay else 4)
    available = available_memory()
    if available is not None and needed > available:
        raise PosattnError(
            f"config: a model of {parameters:,} parameters needs at least "
            f"{needed / 2**30:.1f} GiB to train, more than the {available / 2**30:.1f} GiB "
            "available; make model.d_model, model.ff_dim or the embeddings smaller"
        )


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux), or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _train_in(
    folder: RunFolder,
    final: RunFolder,
    config: Config,
    data: TreebankSplits,
    vocabs: Vocabularies,
    data_folder: Path | None,
    reporter: Reporter,
    resume: bool,
    command: list[str] | None,
) -> TrainResult:
    teacher = teacher_distributions(config.train.teachers, data.train_words, vocabs.tags)
    run = start_run(config, vocabs, data, teacher)
    folder.remove_stale_temporaries()
    data_sha256 = _digest(data, teacher, list(config.model.targets[1:]))
    if resume:
        state = restore_checkpoint(run, config, data_sha256, folder)
        folder.keep_metrics_before(state.epoch)
    else:
        state = TrainingState()
        atomic_write_json(folder.config, config_to_dict(config))
        atomic_write_json(folder.provenance, describe_run(data_folder, command))

    started = time.monotonic() - state.seconds
    stopped_because = ""
    stop = StopRequest()
    reporter.start(run.total_steps, run.scheduler.last_epoch)
    with stop_on_signals(stop):
        try:
            while state.epoch <= config.train.epochs:
                out_of_time = train_epoch(run, state, data, vocabs, config, reporter, stop)
                if stop.signum is not None and state.batch < len(
                    run.epoch_batches[state.epoch - 1]
                ):
                    state.seconds = time.monotonic() - started
                    save_checkpoint(run, state, config, data_sha256, folder)
                    raise TrainingInterrupted(stop.signum, folder)
                stopped_because = _end_epoch(
                    run, state, config, data, vocabs, folder, started, reporter, out_of_time
                )
                if stopped_because != "continue":
                    break
                save_checkpoint(run, state, config, data_sha256, folder)
                if stop.signum is not None:
                    raise TrainingInterrupted(stop.signum, folder)
        except TrainingDiverged as error:
            raise TrainingDiverged(
                f"{error}; {_what_is_kept(folder)}; try a lower train.lr"
            ) from None
        finally:
            reporter.stop()
    folder.checkpoint.unlink(missing_ok=True)  # finished: nothing left to resume
    result = TrainResult(
        best_dev_accuracy=state.best_accuracy,
        best_epoch=state.best_epoch,
        epochs_run=state.epoch - 1,
        seconds=time.monotonic() - started,
        stopped_because=stopped_because,
        parameters=count_parameters(run.model),
        run_dir=str(final.path),
    )
    atomic_write_json(folder.result, asdict(result))
    return result


def _what_is_kept(folder: RunFolder) -> str:
    kept = [
        f"{what} ({path})"
        for what, path in (
            ("the best model so far", folder.model),
            ("the last epoch's checkpoint", folder.checkpoint),
        )
        if path.is_file()
    ]
    return "kept: " + " and ".join(kept) if kept else "nothing was saved yet"


def _end_epoch(
    run: Run,
    state: TrainingState,
    config: Config,
    data: TreebankSplits,
    vocabs: Vocabularies,
    folder: RunFolder,
    started: float,
    reporter: Reporter,
    out_of_time: bool,
) -> str:
    """Score on dev, log, save the model if it improved; then move `state` to the next epoch.
    Returns why training stops now, or "continue"."""
    metrics = EpochMetrics(
        epoch=state.epoch,
        step=run.scheduler.last_epoch,
        train_loss=state.epoch_loss / max(1, state.epoch_tokens),
        dev_accuracy=dev_accuracy(run.evaluated, vocabs, data, config, run.device),
        lr=float(run.scheduler.get_last_lr()[0]),
        seconds=time.monotonic() - started,
        tokens_per_second=state.epoch_tokens
        / max(1e-9, time.monotonic() - started - state.seconds),
    )
    folder.append_metrics(asdict(metrics))
    improved = metrics.dev_accuracy > state.best_accuracy
    if improved:
        state.best_accuracy, state.best_epoch, state.epochs_without_gain = (
            metrics.dev_accuracy,
            state.epoch,
            0,
        )
        summary = {**asdict(metrics), "parameters": count_parameters(run.model)}
        save_model(folder.model, run.evaluated, vocabs, config, summary)
    else:
        state.epochs_without_gain += 1
    reporter.epoch_end(metrics, improved)
    finished_epoch = state.epoch
    state.epoch, state.batch, state.epoch_loss, state.epoch_tokens = state.epoch + 1, 0, 0.0, 0
    state.seconds = time.monotonic() - started
    if out_of_time:
        return f"time budget of {config.train.max_minutes} min reached"
    if state.epochs_without_gain >= config.train.patience:
        return f"no dev gain for {config.train.patience} epochs"
    if finished_epoch == config.train.epochs:
        return "all epochs done"
    return "continue"


def _training_batch(
    data: TreebankSplits,
    vocabs: Vocabularies,
    indices: list[int],
    config: Config,
    teacher: list[torch.Tensor] | None = None,
) -> Batch:
    heads = data.train_heads if config.model.attention_graph else None
    return make_batch(
        [data.train_words[i] for i in indices],
        vocabs,
        [data.train_tags[i] for i in indices],
        config.data.max_word_length,
        None if heads is None else [heads[i] for i in indices],
        {
            target: [data.train_targets[target][i] for i in indices]
            for target in config.model.targets[1:]
        },
        None if teacher is None else [teacher[i] for i in indices],
    )
