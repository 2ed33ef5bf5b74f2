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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playground.costs.hardware import training_hardware
from playground.errors import PlaygroundError
from playground.training.data import CsvMapping, TrainingSet, load_training_file
from playground.training.model_card import README, render_model_card
from playground.training.settings import TrainSettings
from playground.training.validation import (
    ValidationMetric,
    ValidationPoint,
    ValidationSplit,
    best_point,
    evaluation_steps,
    split_training,
    subset,
    validation_block,
    validation_event,
    validation_metric,
)

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

    data: Path  # None only until the command line fills in its scenario's training set
    out: Path
    base: str = DEFAULT_BASE
    settings: TrainSettings = field(default_factory=TrainSettings)
    csv_mapping: CsvMapping | None = None
    metric: str | None = None  # the validation metric (None: loss only), e.g. the scenario's primary metric
    scenario: str | None = None  # the scenario the adapter serves: the default metric and its house rules
    house_rules: Mapping[str, Any] | None = None  # the scenario's, for a style_compliance metric

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
    held_out = split_training(training, config.settings.validation_fraction, config.settings.seed)
    metric = validation_metric(config.metric, config.house_rules) if held_out.validation else None
    import unsloth  # first: it must patch transformers, trl and peft before they load
    from unsloth import FastLanguageModel

    source = _resolve_base(config.base, models_dir)
    device = _device()
    started = time.perf_counter()
    report(
        {
            "event": "loading",
            "base": config.base,
            "device": device,
            "examples": len(held_out.train),
            "validation_examples": len(held_out.validation),
        }
    )
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
    train_part, validation_part = subset(training, held_out.train), subset(training, held_out.validation)
    validator = _Validator(FastLanguageModel, tokenizer, validation_part, metric, config.settings, report)
    callbacks = [_progress_callback(report, started), validator.callback(train_part)]
    trainer, responses_only = _trainer(model, tokenizer, train_part, validation_part, config, device, callbacks)
    stats = trainer.train()
    validator.restore_best(model)
    seconds = time.perf_counter() - started
    tokens = _trained_tokens(trainer)
    run = TrainingRun(trainer.state.global_step, float(stats.training_loss), seconds, device, tokens, responses_only)
    block = validator.block(held_out) if held_out.validation else None
    card = build_card(config, train_part, run, backend=f"unsloth {unsloth.__version__}", validation=block)
    _save_atomically(model, card, config.out)
    report({"event": "done", "adapter": str(config.out), "seconds": round(seconds, 2)})
    return card


def _resolve_base(base: str, models_dir: Path) -> str:
    from playground.local_models import LocalModelError, resolve_model_source

    try:
        return resolve_model_source(base, models_dir)
    except LocalModelError as exc:
        raise TrainingError(str(exc)) from exc


def _texts(tokenizer: Any, training: TrainingSet) -> Any:
    from datasets import Dataset

    texts = [tokenizer.apply_chat_template(list(conv), tokenize=False) for conv in training.conversations]
    return Dataset.from_list([{"text": text} for text in texts])


def _trainer(
    model: Any,
    tokenizer: Any,
    training: TrainingSet,
    validation: TrainingSet,
    config: TrainConfig,
    device: str,
    callbacks: list[Any],
):
    from trl import SFTConfig, SFTTrainer
    from unsloth.chat_templates import train_on_responses_only

    dataset = _texts(tokenizer, training)
    args = SFTConfig(
        output_dir=tempfile.mkdtemp(prefix="playground-train-"),
        dataset_text_field="text",
        per_device_train_batch_size=config.settings.batch_size,
        per_device_eval_batch_size=config.settings.batch_size,
        prediction_loss_only=True,  # the validation loss; answers are generated and scored by _Validator
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
        model=model,
        processing_class=tokenizer,
        train_dataset=dataset,
        eval_dataset=_texts(tokenizer, validation) if len(validation) else None,
        args=args,
        callbacks=callbacks,
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


def build_card(
    config: TrainConfig,
    training: TrainingSet,
    run: TrainingRun,
    backend: str,
    validation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The adapter's card.json: what decided it (the settings as `hyperparameters`), what it cost, and
    its `validation` block (None when nothing was held out). `training` is the part trained on.

    `tokens_per_s` is the training speed: the validation's own seconds are left out of it."""
    hardware = training_hardware(run.device)
    validation_seconds = float(validation["seconds"]) if validation else 0.0
    training_seconds = run.seconds - validation_seconds
    return {
        "base_model": config.base,
        "dataset": training.source,
        "dataset_sha256": training.sha256,
        "examples": len(training),
        "hyperparameters": config.hyperparameters() | {"responses_only": run.responses_only},
        "steps": run.steps,
        "train_loss": round(run.train_loss, 4),
        "validation": validation,
        "seconds": round(run.seconds, 2),
        "tokens": run.tokens,
        "tokens_per_s": round(run.tokens / training_seconds, 1) if training_seconds > 0 else None,
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
        (staging / README).write_text(render_model_card(out.name, card), encoding="utf-8")  # not PEFT's template
        for path in (staging, *staging.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)  # mkdtemp makes it private to the trainer
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Validator:
    """Evaluates the held-out slice at fixed steps: TRL's eval loss, then greedy answers scored on the metric."""

    def __init__(
        self,
        fast_model: Any,
        tokenizer: Any,
        validation: TrainingSet,
        metric: ValidationMetric | None,
        settings: TrainSettings,
        report: Progress,
    ) -> None:
        self.fast_model, self.tokenizer, self.metric, self.report = fast_model, tokenizer, metric, report
        self.examples = len(validation)
        generated = validation.conversations[: settings.validation_generate] if metric else ()
        self.prompts = [
            tokenizer.apply_chat_template(list(conv[:-1]), tokenize=False, add_generation_prompt=True)
            for conv in generated
        ]
        self.references = [conv[-1]["content"] for conv in generated]
        self.max_new_tokens = settings.validation_new_tokens or self._reference_tokens()
        self.batch_size = settings.batch_size
        self.curve: list[ValidationPoint] = []
        self.steps: set[int] = set()  # set when training begins and knows its steps
        self.best_weights: dict[str, Any] | None = None  # the trainable weights at the best point so far
        self.restored: ValidationPoint | None = None  # the point whose weights the saved adapter holds

    def _reference_tokens(self) -> int:
        lengths = [len(self.tokenizer(text, add_special_tokens=False)["input_ids"]) for text in self.references]
        return min(max(lengths, default=0) + 8, 256)

    def callback(self, training: TrainingSet) -> Any:
        from transformers import TrainerCallback

        validator = self

        class _Validate(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                per_epoch = math.ceil(len(training) / args.per_device_train_batch_size)
                validator.steps = set(evaluation_steps(state.max_steps, per_epoch, by_epoch=args.max_steps <= 0))

            def on_step_end(self, args, state, control, **kwargs):
                if validator.examples and state.global_step in validator.steps:
                    control.should_evaluate = True

            def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
                validator.record(model, state, metrics or {})

        return _Validate()

    def record(self, model: Any, state: Any, metrics: dict[str, Any]) -> None:
        started = time.perf_counter()
        value = None
        if self.metric is not None and self.prompts:
            value = self.metric.score(self.answers(model), self.references)
        seconds = float(metrics.get("eval_runtime") or 0.0) + time.perf_counter() - started
        loss = metrics.get("eval_loss")
        point = ValidationPoint(
            float(state.epoch or 0.0), state.global_step, None if loss is None else float(loss), value, seconds
        )
        self.curve.append(point)
        if best_point(self.curve, self.metric) is point:
            self.best_weights = {
                name: tensor.detach().clone() for name, tensor in model.named_parameters() if tensor.requires_grad
            }
        self.report(validation_event(point, self.metric, self.examples))

    def restore_best(self, model: Any) -> None:
        """Put back the weights of the best validation point when training went on past it (the
        saved adapter is then the one validation chose: the epoch count is picked on held-out data)."""
        best = best_point(self.curve, self.metric)
        if best is None or self.best_weights is None or best is self.curve[-1]:
            return
        import torch

        with torch.no_grad():
            for name, tensor in model.named_parameters():
                if name in self.best_weights:
                    tensor.copy_(self.best_weights[name])
        self.restored = best
        self.report({"event": "restored", "epoch": round(best.epoch, 3), "step": best.step})

    def answers(self, model: Any) -> list[str]:
        """Greedy answers to the capped validation prompts, in batches, left-padded."""
        import torch

        tokenizer, side = self.tokenizer, self.tokenizer.padding_side
        self.fast_model.for_inference(model)
        tokenizer.padding_side = "left"
        answers: list[str] = []
        try:
            with torch.no_grad():
                for start in range(0, len(self.prompts), self.batch_size):
                    answers += self._generate(model, self.prompts[start : start + self.batch_size])
        finally:
            tokenizer.padding_side = side
            self.fast_model.for_training(model)
        return answers

    def _generate(self, model: Any, prompts: Sequence[str]) -> list[str]:
        tokenizer = self.tokenizer
        batch = tokenizer(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        output = model.generate(
            **batch,
            max_new_tokens=self.max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        )
        return tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)

    def block(self, split: ValidationSplit) -> dict[str, Any]:
        """The card's `validation` block for this run."""
        return validation_block(split, self.curve, self.metric, len(self.prompts), self.max_new_tokens)
