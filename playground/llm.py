"""The one gateway to language models: every lane, local or remote, goes through litellm here.

This is the only module that imports litellm. Local GGUF models (the embedded one, any .gguf
file) are served by llama.cpp on a loopback OpenAI-compatible server, or on the engine servers
given in PLAYGROUND_ENGINE_URLS, and reached through litellm's OpenAI route (several servers:
litellm's Router). Other local models (a transformers folder, a hub id) are served in-process by
`local_models.LocalEngine`, registered with litellm as the custom provider "local". Tokens, cost
and timings are therefore measured the same way for an API model and for the embedded one.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from playground.budget import Budget, BudgetExceeded, Reservation
from playground.errors import ModelError
from playground.llamacpp.served import ServedModel, ServedModels, Target
from playground.local_models import LocalEngines, LocalModelError
from playground.model_policy import ModelPolicy
from playground.model_ref import ModelRef
from playground.provider_keys import PROVIDER_KEY_VARS, ProviderKeys, redact
from playground.records import Usage
from playground.text_utils import first_line

if TYPE_CHECKING:
    from playground.training.registry import AdapterRegistry

log = logging.getLogger(__name__)

LOCAL_PROVIDER = "local"
LOCAL_TIMEOUT_S = 1800.0  # llama.cpp queues requests beyond its slots; only a remote API gets PLAYGROUND_TIMEOUT

# Known remote models offered in pickers when their provider's key (or server) is present.
REMOTE_CANDIDATES = (
    "openai/gpt-4o-mini",
    "openai/gpt-4.1-mini",
    "anthropic/claude-3-5-haiku-latest",
    "gemini/gemini-2.0-flash",
    "groq/llama-3.1-8b-instant",
    "mistral/mistral-small-latest",
)


def is_local_model(model: str | ModelRef) -> bool:
    """True for models served in this process ("local/<name>")."""
    return ModelRef.parse(model).is_local


@dataclass(frozen=True)
class ToolCall:
    """A function call a model asked for (OpenAI-style function calling)."""

    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass(frozen=True)
class Completion:
    """A finished generation with its measurements."""

    text: str
    usage: Usage
    ttft_s: float
    latency_s: float
    cost_usd: float | None
    cached: bool = False  # reused from the evaluation cache, not generated now
    tool_calls: tuple[ToolCall, ...] = ()  # function calls requested (models with function calling)


class ChatGateway(Protocol):
    """What lanes, the judge and the forgetting probe need from a gateway (Gateway, or a fake in tests)."""

    def stream(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Iterator[str | Completion]: ...

    def complete(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Completion: ...

    def check_fits(self, model: str | ModelRef, messages: list[dict[str, str]], max_tokens: int) -> int: ...

    def runs_one_at_a_time(self, model: str | ModelRef) -> bool: ...

    def supports_tools(self, model: str | ModelRef) -> bool: ...


def _litellm() -> Any:
    # Never fetch the remote price map at import: work offline, and keep prices reproducible.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    return litellm


class Gateway:
    """Streams or completes chat messages on any litellm model, local ones included.

    Every public method takes the model as a string or a `ModelRef`; a fine-tuned lane passes the
    ModelRef of its adapter, whose folder only the engine sees. Every one resolves it through `_ref`,
    the one place a model string becomes a model: with a `policy` (public mode) only the models the
    operator offered get past it, before anything is loaded, started or sent.
    """

    def __init__(
        self,
        engines: LocalEngines,
        timeout_s: float = 120.0,
        served: ServedModels | None = None,
        retries: int = 2,
        backoff_s: float = 1.0,
        policy: ModelPolicy | None = None,
    ) -> None:
        self.engines = engines
        self.served = served
        self.timeout_s = timeout_s
        self.retries = retries  # a remote call's retries after a rate limit or a transient error
        self.backoff_s = backoff_s  # first wait; it doubles each retry (at most 8 s)
        self._keys = ProviderKeys()
        self._registered = False
        self._register_lock = threading.Lock()
        self._routers: dict[str, Any] = {}
        self.policy = policy  # None: free text (local, single user); else only the operator's models
        self._adapters: Callable[[], AdapterRegistry] | None = None  # a session's registry, for adapter names
        self._budget: Budget | None = None  # the operator's spending caps (a visitor's gateway only)
        self._spender = ""  # the visitor whose calls the budget counts

    def with_adapters(self, adapters: Callable[[], AdapterRegistry]) -> Gateway:
        """This gateway, resolving `local/<base>::<name>` in a session's registry (shipped and its own)."""
        scoped = copy.copy(self)
        scoped._adapters = adapters
        return scoped

    def _ref(self, model: str | ModelRef) -> ModelRef:
        """The model a string names; in public mode, ModelNotAllowedError for anything not offered."""
        if self.policy is None:
            return ModelRef.parse(model)
        registry = self._adapters() if self._adapters is not None else None
        return self.policy.resolve(model, registry, self._brings_own_key)

    def with_budget(self, budget: Budget | None, session: str) -> Gateway:
        """This gateway, holding one visitor's calls on the operator's keys to the budget's caps."""
        if budget is None or not budget.active:
            return self
        held = copy.copy(self)
        held._budget, held._spender = budget, session
        return held

    def _hold(self, ref: ModelRef, messages: list[dict[str, str]], max_tokens: int) -> Reservation | None:
        """Reserve the worst case of a call on the operator's keys; BudgetExceeded before anything is sent."""
        if self._budget is None or ref.is_local or self._session_key(ref.wire):
            return None
        prompt = self.prompt_tokens(ref, messages)
        try:
            prompt_cost, answer_cost = self._client().cost_per_token(
                model=ref.wire, prompt_tokens=prompt, completion_tokens=max(int(max_tokens or 0), 1)
            )
        except Exception as exc:
            raise BudgetExceeded(
                f"model '{ref.wire}' has no price in litellm's price map, so its cost cannot be held to this "
                "app's budget: it was not sent (choose a priced model, or enter your own key)"
            ) from exc
        return self._budget.reserve(self._spender, float(prompt_cost + answer_cost), ref.wire)

    def _settle(self, held: Reservation | None, actual: float | None) -> None:
        if held is not None and self._budget is not None:
            self._budget.settle(held, actual)

    def resolve(self, model: str | ModelRef) -> ModelRef:
        """The model a string names, checked by the policy first (callers that key or label by it)."""
        return self._ref(model)

    def _brings_own_key(self, model: str) -> bool:
        """A known remote model the session gave its own key for: it spends nothing of the operator's."""
        return model in REMOTE_CANDIDATES and bool(self._session_key(model))

    def with_keys(self, keys: ProviderKeys | None) -> Gateway:
        """This gateway, calling remote models with a session's own keys (which win over the environment)."""
        if not keys:
            return self
        keyed = copy.copy(self)  # shares the engines, servers, routers and locks
        keyed._keys = keys
        return keyed

    def _session_key(self, wire_model: str) -> dict[str, str]:
        """`api_key` for this remote model when the session gave one for its provider."""
        if not self._keys:
            return {}
        try:
            provider = self._client().get_llm_provider(wire_model)[1]
        except Exception:  # noqa: BLE001 - an unknown model has no provider, hence no key
            return {}
        key = self._keys.get(PROVIDER_KEY_VARS.get(provider, ""))
        return {"api_key": key} if key else {}

    def _retrying(self, call: Any) -> Any:
        """call(), again after a rate limit or a transient provider error, waiting longer each time."""
        import tenacity

        retryer = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries + 1),
            wait=tenacity.wait_exponential(multiplier=self.backoff_s, max=8),
            retry=tenacity.retry_if_exception(_is_transient),
            before_sleep=lambda state: log.info(
                "retrying after %s (attempt %d)", type(state.outcome.exception()).__name__, state.attempt_number
            ),
            reraise=True,
        )
        return retryer(call)

    def _served(self, ref: ModelRef) -> ServedModel | None:
        """The llama.cpp-served model behind a "local/..." reference, or None for other models."""
        if self.served is None or not ref.is_local:
            return None
        base = ModelRef(ref.model).engine_name
        if not self.served.serves(base):
            return None
        try:
            return self.served.get(base)
        except LocalModelError as exc:
            raise ModelError(str(exc)) from exc

    def runs_one_at_a_time(self, model: str | ModelRef) -> bool:
        """True where answers queue for one in-process generator (transformers models)."""
        ref = self._ref(model)
        return ref.is_local and self._served(ref) is None

    @contextmanager
    def _send(self, ref: ModelRef, **request: Any) -> Iterator[Any]:
        """The litellm response for this model; a served model stays held until the block ends."""
        litellm = self._client()
        served = self._served(ref)
        if served is None:
            if ref.is_local:
                name = f"{LOCAL_PROVIDER}/{ref.engine_name}"
                yield litellm.completion(model=name, timeout=self.timeout_s, **request)
                return
            key = self._session_key(ref.wire)
            yield self._retrying(lambda: litellm.completion(model=ref.wire, timeout=self.timeout_s, **key, **request))
            return
        # A local request may queue behind an evaluation's batch for minutes: that is not a failure.
        timeout = max(self.timeout_s, LOCAL_TIMEOUT_S)
        with served.target(ref.adapter) as target:
            if len(target.deployments) == 1:
                params = target.deployments[0].litellm_params()
                yield litellm.completion(**params, timeout=timeout, **request)
            else:
                yield self._router(litellm, target).completion(model=target.group, timeout=timeout, **request)

    def _router(self, litellm: Any, target: Target) -> Any:
        """litellm's Router over a target's deployments (one per engine server), built once."""
        params = [d.litellm_params() for d in target.deployments]
        key = json.dumps(params, sort_keys=True)
        with self._register_lock:
            if key not in self._routers:
                model_list = [{"model_name": target.group, "litellm_params": p} for p in params]
                self._routers[key] = litellm.Router(model_list=model_list, num_retries=1)
            return self._routers[key]

    def _client(self) -> Any:
        litellm = _litellm()
        with self._register_lock:
            if not self._registered:
                handler = _make_local_handler(litellm, self.engines)
                litellm.custom_provider_map = [
                    item for item in litellm.custom_provider_map if item["provider"] != LOCAL_PROVIDER
                ] + [{"provider": LOCAL_PROVIDER, "custom_handler": handler}]
                self._registered = True
        return litellm

    def check_model(self, model: str | ModelRef) -> None:
        """Raise ModelError with one clear line if this model cannot be used here."""
        if not model or not str(model).strip():
            raise ModelError("no model given")
        ref = self._ref(model)
        if not ref.model.strip():
            raise ModelError("no model given")
        if ref.is_local:
            try:
                self.engines.check(ref.engine_name)
            except LocalModelError as exc:
                raise ModelError(str(exc)) from exc
            return
        model = ref.wire
        litellm = self._client()
        try:
            litellm.get_llm_provider(model)
        except Exception as exc:
            raise ModelError(f"unknown model '{model}': litellm knows no provider for it") from exc
        missing = litellm.validate_environment(model).get("missing_keys") or []
        if missing and not self._session_key(model):
            raise ModelError(f"model '{model}' needs {', '.join(missing)} set in the environment")

    def available_models(self, local: list[str], extra: tuple[str, ...] = ()) -> list[str]:
        """Models that can run now: local ones always, remote ones whose key or server is set."""
        models = list(local)
        for model in (*extra, *REMOTE_CANDIDATES):
            if model in models:
                continue
            try:
                self.check_model(model)
            except ModelError:
                continue
            models.append(model)
        return models

    def stream(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Iterator[str | Completion]:
        """Yield text deltas as they arrive, then one Completion with usage, timings and cost.

        `params` go to the provider as they are (for example `response_format` with a JSON schema).
        """
        ref = self._ref(model)
        litellm = self._client()
        held = self._hold(ref, messages, max_tokens)
        # Until the call's cost is known it counts at its worst case (an answer cut off mid-stream).
        actual: float | None = held.amount if held is not None else None
        started = time.perf_counter()
        first_token_at: float | None = None
        pieces: list[str] = []
        usage: Usage | None = None
        request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, **params}
        try:
            try:
                with self._send(ref, stream=True, stream_options={"include_usage": True}, **request) as response:
                    for chunk in response:
                        reported = getattr(chunk, "usage", None)
                        if reported and reported.prompt_tokens:
                            usage = Usage(int(reported.prompt_tokens), int(reported.completion_tokens or 0))
                        delta = chunk.choices[0].delta.content if chunk.choices else None
                        if delta:
                            first_token_at = first_token_at or time.perf_counter()
                            pieces.append(delta)
                            yield delta
            except Exception as exc:
                actual = None  # a failed request is not billed
                raise ModelError(redact(_one_line(exc), self._keys.values())) from exc
            finished = time.perf_counter()
            text = "".join(pieces)
            usage = usage or self._count_usage(litellm, ref, messages, text)
            ttft = (first_token_at or finished) - started
            completion = Completion(text, usage, ttft, finished - started, self.cost_usd(ref, usage))
            if completion.cost_usd is not None:
                actual = completion.cost_usd
            yield completion
        finally:
            self._settle(held, actual)

    def complete(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Completion:
        """The whole answer in one response (not streamed), so TTFT equals latency.

        Concurrent calls on one local model are generated together: llama.cpp decodes its slots
        in one batch, the transformers engine pads waiting requests into one.
        """
        ref = self._ref(model)
        litellm = self._client()
        held = self._hold(ref, messages, max_tokens)
        actual: float | None = held.amount if held is not None else None  # the worst case, until known
        try:
            completion = self._complete(litellm, ref, messages, max_tokens, temperature, params)
            if completion.cost_usd is not None:
                actual = completion.cost_usd
            return completion
        except ModelError:
            actual = None  # a failed request is not billed
            raise
        finally:
            self._settle(held, actual)

    def _complete(
        self,
        litellm: Any,
        ref: ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int,
        temperature: float,
        params: dict[str, Any],
    ) -> Completion:
        started = time.perf_counter()
        try:
            request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, **params}
            with self._send(ref, **request) as response:
                pass
        except Exception as exc:
            raise ModelError(redact(_one_line(exc), self._keys.values())) from exc
        latency = time.perf_counter() - started
        message = response.choices[0].message if response.choices else None
        text = (message.content or "") if message is not None else ""
        calls = tuple(
            ToolCall(str(call.id), str(call.function.name), str(call.function.arguments or "{}"))
            for call in (getattr(message, "tool_calls", None) or [])
        )
        reported = getattr(response, "usage", None)
        if reported and reported.prompt_tokens:
            usage = Usage(int(reported.prompt_tokens), int(reported.completion_tokens or 0))
        else:
            usage = self._count_usage(litellm, ref, messages, text)
        return Completion(text, usage, latency, latency, self.cost_usd(ref, usage), tool_calls=calls)

    def supports_tools(self, model: str | ModelRef) -> bool:
        """True for a remote model that litellm knows does function calling (local models use a JSON schema)."""
        ref = self._ref(model)
        if ref.is_local:
            return False
        try:
            return bool(self._client().supports_function_calling(model=ref.model))
        except Exception:  # noqa: BLE001 - an unknown model: no native function calling
            return False

    def prompt_tokens(self, model: str | ModelRef, messages: list[dict[str, str]]) -> int:
        """Prompt tokens as the model's own tokenizer counts them (chat template included)."""
        ref = self._ref(model)
        served = self._served(ref)
        if served is not None:
            counted = served.count_tokens(messages)
            if counted is not None:
                return counted
            return int(self._client().token_counter(model="openai/gpt-4o-mini", messages=messages))
        if ref.is_local:
            return self.engines.get(ref.engine_name).count_tokens(messages)
        return int(self._client().token_counter(model=ref.wire, messages=messages))

    def context_window(self, model: str | ModelRef) -> int | None:
        """The model's input limit in tokens, where known."""
        ref = self._ref(model)
        served = self._served(ref)
        if served is not None:
            return served.context_window()
        if ref.is_local:
            return self.engines.get(ref.engine_name).context_window()
        try:
            info = self._client().get_model_info(ref.wire)
        except Exception:  # noqa: BLE001 - litellm raises for models it has no card for
            return None
        return info.get("max_input_tokens") or info.get("max_tokens")

    def check_fits(self, model: str | ModelRef, messages: list[dict[str, str]], max_tokens: int) -> int:
        """The prompt's token count; ModelError (not a crash) when prompt and answer exceed the window."""
        ref = self._ref(model)
        try:
            tokens = self.prompt_tokens(ref, messages)
            window = self.context_window(ref)
        except LocalModelError as exc:
            raise ModelError(str(exc)) from exc
        if window and tokens + max_tokens > window:
            raise ModelError(
                f"the prompt is {tokens:,} tokens; with {max_tokens:,} for the answer it exceeds {ref}'s context "
                f"window of {window:,} tokens: use RAG, a smaller knowledge base or a model with a larger window"
            )
        return tokens

    def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """Embedding vectors from a litellm embedding model (openai/text-embedding-3-small, …)."""
        try:
            response = self._client().embedding(model=model, input=texts, timeout=self.timeout_s)
        except Exception as exc:
            raise ModelError(_one_line(exc)) from exc
        return [list(item["embedding"]) for item in response.data]

    def cost_usd(self, model: str | ModelRef, usage: Usage) -> float | None:
        """Price from litellm's bundled price map; None (unknown, never $0) for local or unpriced models."""
        ref = self._ref(model)
        if ref.is_local:
            return None
        try:
            prompt_cost, completion_cost = self._client().cost_per_token(
                model=ref.wire, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens
            )
        except Exception:  # noqa: BLE001 - litellm raises when the model has no price entry
            return None
        return float(prompt_cost + completion_cost)

    def warm_up(self, models: tuple[str | ModelRef, ...] = ()) -> None:
        """Pay one-off costs now (litellm's import, loading local models), not in a measured answer.

        Local models load on a thread while litellm imports: the two overlap at start-up.
        """
        refs = [self._ref(m) for m in models]
        loaders = [threading.Thread(target=self._load, args=(r,), daemon=True) for r in refs if r.is_local]
        for loader in loaders:
            loader.start()
        self._client()
        for loader in loaders:
            loader.join()

    def _load(self, ref: ModelRef) -> None:
        try:
            served = self._served(ref)
            if served is not None:
                served.load(ref.adapter)
            else:
                self.engines.get(ref.engine_name).load()
        except (LocalModelError, ModelError):
            pass  # reported by the lane that uses it

    @staticmethod
    def _count_usage(litellm: Any, ref: ModelRef, messages: list[dict[str, str]], text: str) -> Usage:
        # Providers that report no usage while streaming: count with litellm's tokenizer for the model.
        return Usage(
            prompt_tokens=int(litellm.token_counter(model=ref.model, messages=messages)),
            completion_tokens=int(litellm.token_counter(model=ref.model, text=text)) if text else 0,
        )


def _is_transient(exc: BaseException) -> bool:
    """A rate limit, a timeout, a dropped connection or a 5xx: worth one more try after a wait."""
    litellm = _litellm()
    transient = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.APIConnectionError,
        litellm.ServiceUnavailableError,
        litellm.InternalServerError,
        litellm.BadGatewayError,
    )
    return isinstance(exc, transient)


def _one_line(exc: BaseException) -> str:
    """A readable single line for an exception from litellm or a provider.

    litellm wraps a custom provider's error several times; the innermost LocalModelError says
    what actually went wrong, so prefer it.
    """
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, LocalModelError):
            return first_line(str(seen))
        seen = seen.__cause__ or seen.__context__
    message = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    return first_line(re.sub(r"^(litellm\.\w+: )+", "", message))


def _adapter_folder(engine_name: str) -> str | None:
    """The adapter folder in an in-process engine name (built by `ModelRef.engine_name`)."""
    adapter = ModelRef.parse(engine_name).adapter
    return None if adapter is None else str(adapter)


def _make_local_handler(litellm: Any, engines: LocalEngines) -> Any:
    """A litellm CustomLLM that serves "local/<name>" from the in-process engines."""
    from litellm import CustomLLM
    from litellm.llms.custom_llm import CustomLLMError

    def run(model: str, messages: list, optional_params: dict) -> Iterator[str | Usage]:
        engine = engines.get(model)
        return engine.stream(
            messages,
            max_tokens=int(optional_params.get("max_tokens") or 256),
            temperature=float(optional_params.get("temperature") or 0.0),
            adapter=_adapter_folder(model),
        )

    def chunks(model: str, messages: list, optional_params: dict) -> Iterator[dict]:
        try:
            for item in run(model, messages, optional_params):
                if isinstance(item, Usage):
                    usage = {
                        "prompt_tokens": item.prompt_tokens,
                        "completion_tokens": item.completion_tokens,
                        "total_tokens": item.total_tokens,
                    }
                    yield {
                        "text": "",
                        "is_finished": True,
                        "finish_reason": "stop",
                        "index": 0,
                        "tool_use": None,
                        "usage": usage,
                    }
                else:
                    yield {
                        "text": item,
                        "is_finished": False,
                        "finish_reason": "",
                        "index": 0,
                        "tool_use": None,
                        "usage": None,
                    }
        except LocalModelError as exc:
            raise CustomLLMError(status_code=500, message=str(exc)) from exc

    class LocalHandler(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            params = kwargs.get("optional_params") or {}
            try:
                text, usage = engines.get(model).complete(
                    messages,
                    max_tokens=int(params.get("max_tokens") or 256),
                    temperature=float(params.get("temperature") or 0.0),
                    adapter=_adapter_folder(model),
                )
            except LocalModelError as exc:
                raise CustomLLMError(status_code=500, message=str(exc)) from exc
            response = kwargs["model_response"]
            response.choices[0].message.content = text
            response.model = f"{LOCAL_PROVIDER}/{model}"
            response.usage = litellm.Usage(
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                total_tokens=usage.total_tokens,
            )
            return response

        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator[dict]:
            yield from chunks(model, messages, kwargs.get("optional_params") or {})

    return LocalHandler()
