"""Session keys reach the provider and nothing else; key-like text is redacted; transient errors are retried."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from playground.errors import PlaygroundError
from playground.evaluation.sets import EvalItem
from playground.lanes.running import describe_error
from playground.llm import Gateway, ModelError, _litellm
from playground.local_models import LocalEngines
from playground.provider_keys import ProviderKeys, RedactingFilter, redact

KEY = "sk-proj-SESSIONKEY0123456789abcdef"
MODEL = "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    "text",
    [
        f"Incorrect API key provided: {KEY}. You can find your key at …",
        "AuthenticationError: key AIzaSyA1234567890abcdefghijklmnop is invalid",
        "groq said gsk_0123456789abcdefghijkl was revoked",
        "header Authorization: Bearer abc.def-ghijklmnop",
        "request failed: ?api_key=abcdef123456&x=1",
        'config {"api_key": "plain-secret-value"}',
        "token hf_abcdefghijklmnopqrstu expired",
    ],
)
def test_key_like_text_is_redacted(text: str) -> None:
    cleaned = redact(text)
    assert "[redacted]" in cleaned
    for secret in (KEY, "AIzaSy", "gsk_0123", "abc.def", "abcdef123456", "plain-secret", "hf_abc"):
        assert secret not in cleaned


@pytest.mark.parametrize(
    "text", ["The sensor costs $1,960 (SKU KS-400).", "task: ask the desk", "Use sk for short.", "password policy"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_known_secret_is_redacted_even_when_it_looks_like_nothing() -> None:
    assert (
        redact("the provider echoed zz-custom-9f8e7d", known=["zz-custom-9f8e7d"]) == "the provider echoed [redacted]"
    )


def test_keys_never_show_in_repr_and_refuse_to_be_pickled() -> None:
    keys = ProviderKeys({"OPENAI_API_KEY": KEY, "GROQ_API_KEY": "  "})
    assert KEY not in repr(keys) and KEY not in str(keys) and KEY not in f"{keys}"
    assert keys.names() == ["OPENAI_API_KEY"]  # a blank field is no key
    with pytest.raises(TypeError, match="never serialised"):
        pickle.dumps(keys)


def test_errors_lane_messages_and_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    assert KEY not in PlaygroundError(f"provider refused {KEY}").message
    assert KEY not in str(PlaygroundError(f"provider refused {KEY}"))  # also where a tab shows str(exc)
    assert KEY not in describe_error(RuntimeError(f"boom {KEY}"))
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling with %s", (KEY,), None)
    RedactingFilter().filter(record)
    assert KEY not in record.getMessage()


def _gateway(tmp_path: Path, **options) -> Gateway:
    return Gateway(LocalEngines(tmp_path / "models"), timeout_s=5, **options)


def test_a_session_key_goes_to_the_provider_and_only_for_that_session(tmp_path: Path, completions) -> None:
    base = _gateway(tmp_path)
    keyed = base.with_keys(ProviderKeys({"OPENAI_API_KEY": KEY}))
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        base.check_model(MODEL)  # no key in the environment, none entered
    keyed.check_model(MODEL)
    answer = keyed.complete(MODEL, [{"role": "user", "content": "Capital of France?"}], max_tokens=8)
    assert answer.text == "Paris." and completions[-1]["api_key"] == KEY
    base.complete(MODEL, [{"role": "user", "content": "Capital of France?"}], max_tokens=8)
    assert "api_key" not in completions[-1]


def test_rate_limits_are_retried_with_back_off_and_auth_errors_are_not(tmp_path: Path, completions) -> None:
    litellm = _litellm()
    gateway = _gateway(tmp_path, retries=2, backoff_s=0.01).with_keys(ProviderKeys({"OPENAI_API_KEY": KEY}))
    completions.failures += [
        litellm.RateLimitError("slow down", "openai", MODEL),
        litellm.Timeout("t", MODEL, "openai"),
    ]
    assert gateway.complete(MODEL, [{"role": "user", "content": "hi"}], max_tokens=4).text == "Paris."
    assert len(completions) == 3

    completions.clear()
    completions.failures.append(litellm.AuthenticationError(f"Incorrect API key provided: {KEY}", "openai", MODEL))
    with pytest.raises(ModelError) as refused:
        gateway.complete(MODEL, [{"role": "user", "content": "hi"}], max_tokens=4)
    assert len(completions) == 1  # a wrong key is not worth another try
    assert KEY not in refused.value.message and "[redacted]" in refused.value.message


def test_retries_give_up_after_the_last_one_with_one_message(tmp_path: Path, completions) -> None:
    litellm = _litellm()
    gateway = _gateway(tmp_path, retries=1, backoff_s=0.01)
    completions.failures += [litellm.RateLimitError("slow down", "openai", MODEL)] * 3
    with pytest.raises(ModelError, match="slow down"):
        list(gateway.stream("openai/gpt-4o-mini", [{"role": "user", "content": "hi"}], api_key="sk-env-abcdefgh1234"))
    assert len(completions) == 2


def test_a_session_key_is_never_written_to_disk(tmp_path: Path, completions, monkeypatch) -> None:
    """An evaluation on a remote model with a session key: no file it leaves holds the key."""
    from playground.config import Settings
    from playground.scenarios import ScenarioCatalog
    from playground.services import Services
    from tests.fakes import ToyEmbedder
    from tests.hosting.conftest import DOCS  # noqa: F401 - the same tmp layout as the other tests

    root = tmp_path / "scenarios" / "demo"
    root.mkdir(parents=True)
    (root / "scenario.yaml").write_text("title: Demo\ndescription: d\nsystem_prompt: Be brief.\n")
    settings = Settings(sample_data_dir=root.parent, adapters_dir=tmp_path / "none", cache_dir=tmp_path / "cache")
    services = Services(settings=settings, gateway=_gateway(tmp_path), scenarios=ScenarioCatalog(root.parent))
    services._embedder = ToyEmbedder()
    services.sessions.set_keys("alice", ProviderKeys({"OPENAI_API_KEY": KEY}))
    scoped = services.for_session("alice")
    workspace = services.session_workspace("alice")
    scenario = services.scenarios.get("demo")
    items = [EvalItem(1, "Capital of France?", "Paris")]
    run = scoped.evaluate(workspace, scenario, items, scoped.lane_jobs("prompting", MODEL), set_name="demo")
    assert run.rows and not run.rows[0].answer.error
    assert completions and all(call["api_key"] == KEY for call in completions)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written, "the evaluation should have cached its answer"
    assert not [p for p in written if KEY.encode() in p.read_bytes()]


def test_every_logger_is_redacted_even_with_a_handler_of_its_own() -> None:
    """litellm's and uvicorn's loggers write through handlers of their own, added after ours."""
    import io

    from playground.logs import configure_logging

    configure_logging()
    stream = io.StringIO()
    own = logging.StreamHandler(stream)
    own.setFormatter(logging.Formatter("%(name)s %(message)s"))
    for name in ("LiteLLM", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.addHandler(own)
        logger.propagate = False
        try:
            logger.error("provider said: invalid key %s", KEY)
            try:
                raise RuntimeError(f"401 for {KEY}")
            except RuntimeError:
                logger.exception("call failed")
        finally:
            logger.removeHandler(own)
            logger.propagate = True
    written = stream.getvalue()
    assert written.count("[redacted]") == 4 and "uvicorn.error" in written and "LiteLLM" in written
    assert KEY not in written


def test_the_keys_panel_says_plainly_how_long_entered_keys_last() -> None:
    from playground.provider_keys import ProviderKeys
    from playground.ui.keys_panel import _status

    shown = _status(ProviderKeys({"OPENAI_API_KEY": "sk-test"}))
    assert "OpenAI" in shown and "never stored on disk" in shown
    assert "until you press **Forget my keys** or the page is left idle" in shown
    assert "shared computer" in shown
