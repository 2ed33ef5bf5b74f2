"""Which models a visitor may choose when the app is public (the gateway asks here before anything loads).

In public mode (see `hosting.public_mode`) a model string is accepted only when the operator offered
it: the default model, a name in PLAYGROUND_MODELS, a GGUF model the engine URLs serve, or
`local/<base>::<adapter>` with the adapter named as the registry knows it (a shipped adapter, or
one the visitor trained). A path, a hub id, an `api_base` or any other provider is refused with one
line that is the same whether or not a file of that name exists on the server. Local single-user
use (no policy) keeps free text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from playground.errors import ModelError
from playground.model_ref import ADAPTER_SEPARATOR, LOCAL_PREFIX, ModelRef
from playground.training.registry import NAME_PATTERN, AdapterError, AdapterRegistry

SHOWN_CHARS = 60  # a refused string is echoed this far, no further (it may be huge)
SHOWN_CHOICES = 8


class ModelNotAllowedError(ModelError):
    """A visitor asked a public app for a model the operator did not offer (exit code 2)."""


@dataclass(frozen=True)
class ModelPolicy:
    """The models of a public app: exact strings, engine-served names, and adapters by registry name."""

    models: tuple[str, ...]  # exact model strings the operator configured
    adapters: AdapterRegistry  # the shipped adapters (a visitor's own registry adds theirs)
    adapter_roots: tuple[Path, ...]  # folders an adapter's own folder may lie in (shipped, workspaces)
    engine_models: Callable[[], Iterable[str]] = field(default=tuple)  # "local/<name>" the engine URLs serve

    def resolve(
        self,
        model: str | ModelRef,
        adapters: AdapterRegistry | None = None,
        also_allowed: Callable[[str], bool] = lambda model: False,
    ) -> ModelRef:
        """The model as a ModelRef, or ModelNotAllowedError with one line.

        `adapters` is the visitor's registry (shipped and their own); `also_allowed` admits a model
        for this caller only (a remote model the visitor brought their own key for).
        """
        if isinstance(model, ModelRef):
            return self._check_ref(model, also_allowed)
        text = str(model)
        if text in self.models:
            return ModelRef.parse(text)  # the operator's own string, taken as written
        base, separator, adapter = text.partition(ADAPTER_SEPARATOR)
        if not self._allowed_base(base, also_allowed):
            raise self._refusal(text)
        if not separator:
            return ModelRef(base)  # never ModelRef.parse: that reads an adapter part as a folder
        return self._adapter_ref(text, base, adapter, adapters or self.adapters)

    def _allowed_base(self, base: str, also_allowed: Callable[[str], bool]) -> bool:
        if base in self.models or also_allowed(base):
            return True
        return base.startswith(LOCAL_PREFIX) and base in set(self.engine_models())

    def _adapter_ref(self, text: str, base: str, name: str, registry: AdapterRegistry) -> ModelRef:
        if not NAME_PATTERN.match(name):
            raise ModelNotAllowedError(
                f"model {_shown(text)} is not offered on this public app: choose an adapter by its name "
                f"(local/<base>{ADAPTER_SEPARATOR}<adapter name>), never a folder"
            )
        try:
            info = registry.get(name)
        except AdapterError as exc:
            raise ModelNotAllowedError(str(exc)) from None
        ref = ModelRef.for_adapter(info)
        if ref.model != base:
            raise ModelNotAllowedError(f"adapter '{name}' was trained on {ref.model}, not {_shown(base)}")
        return ref

    def _check_ref(self, ref: ModelRef, also_allowed: Callable[[str], bool]) -> ModelRef:
        """A ModelRef built by the app (an adapter lane's): its base offered, its folder a registry's."""
        if ref.wire in self.models:
            return ref
        if not self._allowed_base(ref.model, also_allowed):
            raise self._refusal(str(ref))
        if ref.adapter_path is not None:
            folder = ref.adapter_path.resolve()
            if not any(folder.is_relative_to(root.resolve()) for root in self.adapter_roots):
                raise self._refusal(str(ref))
        elif ref.adapter_name is not None and not NAME_PATTERN.match(ref.adapter_name):
            raise self._refusal(str(ref))
        return ref

    def _refusal(self, text: str) -> ModelNotAllowedError:
        choices = list(dict.fromkeys(self.models))[:SHOWN_CHOICES]
        return ModelNotAllowedError(
            f"model {_shown(text)} is not offered on this public app: choose one of {', '.join(choices)}, "
            f"or local/<base>{ADAPTER_SEPARATOR}<adapter name> (the operator adds models with PLAYGROUND_MODELS)"
        )


def _shown(text: str) -> str:
    """The refused string, quoted and cut short: an answer never echoes a huge or multi-line value."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= SHOWN_CHARS else flat[:SHOWN_CHARS] + "…")
