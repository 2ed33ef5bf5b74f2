"""LoRA training with Unsloth: FastLanguageModel + get_peft_model + TRL SFTTrainer, responses only.

The same code runs on a single NVIDIA GPU (4-bit base, 8-bit AdamW) and, slowly, on CPU (Unsloth's
CPU backend). Run it in a child process (`python -m playground train ...`): Unsloth must be
imported before transformers, and a crash or a cancel must not take the app down. The adapter is
written to a temporary folder and renamed into place only when training succeeded.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playground.costs.hardware import training_hardware
from playground.errors import PlaygroundError
from playground.training.data import CsvMapping, TrainingSet, load_training_file
from playground.training.settings import TrainSettings

Progress = Callable[[dict[str, Any]], None]

# Assumed hardware prices for the card's cost estimate, in USD per hour (editable assumptions).
DEFAULT_BASE = "smollm2-135m-instruct"

# Chat templates whose turn markers train_on_responses_only needs (instruction part, response part).
TURN_MARKERS = {
    "<|im_start|>": ("<|im_start|>user\n", "<|im_start|>assistant\n"),
    "<start_of_turn>": ("<start_of_turn>user\n", "<start_of_turn>model\n"),
    "<|start_header_id|>": (
        "<|start_header_id|>user<|end_header_id|>\n\n",
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
}


class TrainingError(PlaygroundError, RuntimeError):
    """Training cannot start or failed; one line for the user."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides an adapter: recorded in its card."""

    data: Path
    out: Path
    base: str = DEFAULT_BASE
    settings: TrainSettings = field(default_factory=TrainSettings)
    csv_mapping: CsvMapping | None = None

    def hyperparameters(self) -> dict[str, Any]:
        return self.settings.to_dict()


def _progress_callback(progress: Progress, started: float):
    from transformers import TrainerCallback

    class _Report(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                elapsed = time.perf_counter() - started
                step, total = state.global_step, state.max_steps
                eta = elapsed / step * (total - step) if step else None
                progress(
                    {
                        "event": "step",
                        "step": step,
                        "max_steps": total,
                        "loss": float(logs["loss"]),
                        "elapsed_s": round(elapsed, 2),
                        "eta_s": None if eta is None else round(eta, 2),
                    }
                )

    return _Report()


def _turn_markers(tokenizer: Any) -> tuple[str, str] | None:
    template = tokenizer.chat_template or ""
    return next((markers for key, markers in TURN_MARKERS.items() if key in template), None)


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def train(config: TrainConfig, models_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Train one adapter into config.out; returns the card (also written as card.json)."""
    report = progress or (lambda event: None)
    if config.out.exists():
        raise TrainingError(f"{config.out} already exists: choose another adapter name")
    # Validate the data before the (slow, chatty) Unsloth import: a bad file fails fast and quietly.
    training = load_training_file(
        config.data, config.csv_mapping, config.settings.system_prompt, config.settings.max_examples
    )
    import unsloth  # first: it must patch transformers, trl and peft before they load
    from unsloth import FastLanguageModel

    source = _resolve_base(config.base, models_dir)
    device = _device()
    started = time.perf_counter()
    report({"event": "loading", "base": config.base, "device": device, "examples": len(training)})
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=source,
        max_seq_length=config.settings.max_seq_length,
        load_in_4bit=device == "cuda",
        dtype=None,
        random_state=config.settings.seed,
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=config.settings.rank,
        lora_alpha=config.settings.alpha,
        lora_dropout=0.0,
        bias="none",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        use_gradient_checkpointing="unsloth" if device == "cuda" else False,
        random_state=config.settings.seed,
    )
    trainer, responses_only = _trainer(model, tokenizer, training, config, device, _progress_callback(report, started))
    stats = trainer.train()
    seconds = time.perf_counter() - started
    tokens = _trained_tokens(trainer)
    run = TrainingRun(trainer.state.global_step, float(stats.training_loss), seconds, device, tokens, responses_only)
    card = build_card(config, training, run, backend=f"unsloth {unsloth.__version__}")
    _save_atomically(model, card, config.out)
    report({"event": "done", "adapter": str(config.out), "seconds": round(seconds, 2)})
    return card


def _resolve_base(base: str, models_dir: Path) -> str:
    from playground.local_models import LocalModelError, resolve_model_source

    try:
        return resolve_model_source(base, models_dir)
    except LocalModelError as exc:
        raise TrainingError(str(exc)) from exc


def _trainer(model: Any, tokenizer: Any, training: TrainingSet, config: TrainConfig, device: str, callback: Any):
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer
    from unsloth.chat_templates import train_on_responses_only

    texts = [tokenizer.apply_chat_template(list(conv), tokenize=False) for conv in training.conversations]
    dataset = Dataset.from_list([{"text": text} for text in texts])
    args = SFTConfig(
        output_dir=tempfile.mkdtemp(prefix="playground-train-"),
        dataset_text_field="text",
        per_device_train_batch_size=config.settings.batch_size,
        gradient_accumulation_steps=1,
        max_steps=config.settings.max_steps or -1,
        num_train_epochs=config.settings.epochs,
        learning_rate=config.settings.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=0,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=config.settings.seed,
        data_seed=config.settings.seed,
        max_length=config.settings.max_seq_length,
        optim="adamw_8bit" if device == "cuda" else "adamw_torch",
        dataset_num_proc=1,
        use_cpu=device == "cpu",
        disable_tqdm=True,
    )
    trainer = SFTTrainer(
        model=model, processing_class=tokenizer, train_dataset=dataset, args=args, callbacks=[callback]
    )
    markers = _turn_markers(tokenizer)
    if markers:
        trainer = train_on_responses_only(trainer, instruction_part=markers[0], response_part=markers[1], num_proc=1)
    return trainer, markers is not None


def _trained_tokens(trainer: Any) -> int:
    """Tokens the trainer saw: the tokenized lengths of the examples times the epochs run."""
    lengths = [len(ids) for ids in trainer.train_dataset["input_ids"]]
    state = trainer.state
    if not lengths or not state.max_steps:
        return 0
    examples_seen = min(
        state.global_step * trainer.args.per_device_train_batch_size, math.ceil(state.epoch or 1) * len(lengths)
    )
    return int(sum(lengths) / len(lengths) * examples_seen)


@dataclass(frozen=True)
class TrainingRun:
    """What a finished run measured, for its card."""

    steps: int
    train_loss: float
    seconds: float
    device: str
    tokens: int
    responses_only: bool


def build_card(config: TrainConfig, training: TrainingSet, run: TrainingRun, backend: str) -> dict[str, Any]:
    """The adapter's card.json: what decided it (the settings as `hyperparameters`) and what it cost."""
    hardware = training_hardware(run.device)
    return {
        "base_model": config.base,
        "dataset": training.source,
        "dataset_sha256": training.sha256,
        "examples": len(training),
        "hyperparameters": config.hyperparameters() | {"responses_only": run.responses_only},
        "steps": run.steps,
        "train_loss": round(run.train_loss, 4),
        "seconds": round(run.seconds, 2),
        "tokens": run.tokens,
        "tokens_per_s": round(run.tokens / run.seconds, 1) if run.seconds else None,
        "device": run.device,
        "backend": backend,
        "estimated_cost_usd": round(hardware.cost_of(run.seconds), 4),
        "cost_assumption": hardware.assumption,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _save_atomically(model: Any, card: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save_pretrained(str(staging))
        (staging / "card.json").write_text(json.dumps(card, indent=2))
        for path in (staging, *staging.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)  # mkdtemp makes it private to the trainer
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
