"""The llama.cpp engine on the real embedded GGUF: streaming through litellm, adapters per request,
restarts for new adapters, concurrent slots, and clear errors. Loading the GGUF takes under a second.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from playground.config import REPO_ROOT
from playground.llamacpp.served import PER_ADAPTER, SHARED, ServedModels, lora_scales
from playground.llamacpp.server import ServerConfig
from playground.llm import Completion, Gateway, ModelError
from playground.local_models import EMBEDDED_ALIAS, LocalEngines, embedded_gguf_file

pytestmark = pytest.mark.integration

BASE = "local/smollm2-135m-instruct"
PRICING = REPO_ROOT / "adapters" / "pricing"
SUPPORT = REPO_ROOT / "adapters" / "support-tone"
QUESTION = [
    {"role": "system", "content": "You estimate prices. Answer with a dollar amount only."},
    {"role": "user", "content": "How much does this cost? Stainless steel chef's knife, 8 inch, with sheath."},
]


def make_gateway(
    tmp_path: Path, slots: int = 1, adapters: tuple[Path, ...] = (PRICING,), layout: str = SHARED, **options
) -> Gateway:
    served = ServedModels(
        ServerConfig(model=Path(), slots=slots, context_per_slot=2048),
        tmp_path / "lora-gguf",
        known_adapters=lambda base: list(adapters),
        layout=layout,
        **options,
    )
    return Gateway(LocalEngines(tmp_path / "models"), served=served)


def answer(gateway: Gateway, model: str, messages: list[dict] = QUESTION, max_tokens: int = 24) -> str:
    return gateway.complete(model, messages, max_tokens=max_tokens).text


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    return make_gateway(tmp_path_factory.mktemp("engine"))


def test_streams_with_the_servers_usage_and_no_price(gateway: Gateway) -> None:
    items = list(gateway.stream(BASE, QUESTION, max_tokens=16))
    done = items[-1]
    assert isinstance(done, Completion)
    assert "".join(items[:-1]) == done.text and done.text
    assert done.usage.prompt_tokens == gateway.prompt_tokens(BASE, QUESTION)
    assert 0 < done.usage.completion_tokens <= 16
    assert done.cost_usd is None, "a local model's price is unknown, never $0"
    assert 0 < done.ttft_s <= done.latency_s


def test_adapter_per_request_and_no_leak_between_adapters_with_caching_on(tmp_path: Path) -> None:
    """base, adapter, base on one slot (prompt caching on): each answer equals its answer alone."""
    alone = {}
    for model in (BASE, f"{BASE}::{PRICING}"):
        fresh = make_gateway(tmp_path / model.rsplit("/", 1)[-1].replace(":", "_"))
        alone[model] = answer(fresh, model)
        fresh.served.close()
    shared = make_gateway(tmp_path / "shared")
    sequence = [BASE, f"{BASE}::{PRICING}", BASE, f"{BASE}::{PRICING}"]
    answers = [answer(shared, model) for model in sequence]
    assert answers == [alone[model] for model in sequence]
    assert alone[BASE] != alone[f"{BASE}::{PRICING}"], "the adapter changes the answer"


@pytest.mark.parametrize("quant", ["keep", "q4_0"])
def test_every_local_quant_serves_the_base_and_converts_its_adapters(tmp_path: Path, quant: str) -> None:
    gateway = make_gateway(tmp_path, quant=quant)
    base, tuned = answer(gateway, BASE), answer(gateway, f"{BASE}::{PRICING}")
    assert base and tuned and base != tuned, "the adapter, converted for this base file, changes the answer"
    served = gateway.served.get(EMBEDDED_ALIAS).gguf
    assert (served == embedded_gguf_file()) is (quant == "keep")
    assert quant == "keep" or f".{quant}-" in served.name
    gateway.served.close()


def test_every_request_sends_every_adapter_scale_explicitly() -> None:
    files = (Path("a.gguf"), Path("b.gguf"), Path("c.gguf"))
    assert lora_scales(files, Path("b.gguf")) == [
        {"id": 0, "scale": 0.0},
        {"id": 1, "scale": 1.0},
        {"id": 2, "scale": 0.0},
    ]
    assert all(s["scale"] == 0.0 for s in lora_scales(files, None)), "the base gets every adapter at 0"


def test_unknown_adapter_is_a_clear_error(gateway: Gateway, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no LoRA adapter at"):
        gateway.complete(f"{BASE}::{tmp_path / 'missing'}", QUESTION, max_tokens=4)


def test_a_new_adapter_restarts_the_server_after_requests_in_flight(tmp_path: Path) -> None:
    gateway = make_gateway(tmp_path, slots=2)
    model = gateway.served.get("smollm2-135m-instruct")
    gateway.warm_up((BASE,))
    assert len(model.server.starts) == 1
    newcomer = tmp_path / "newcomer"
    shutil.copytree(SUPPORT, newcomer)
    stream = gateway.stream(BASE, QUESTION, max_tokens=24)
    first = next(stream)  # a request is in flight now
    after_restart: list[str] = []
    restarted = threading.Thread(target=lambda: after_restart.append(answer(gateway, f"{BASE}::{newcomer}")))
    restarted.start()
    restarted.join(timeout=0.5)
    assert restarted.is_alive(), "the restart waits for the request in flight"
    rest = list(stream)
    restarted.join(timeout=60)
    assert isinstance(rest[-1], Completion) and rest[-1].text.startswith(first)
    assert len(model.server.starts) == 2 and len(model.server.config.adapters) == 2
    # The first answer after the restart (its prompt read fresh) equals a fresh server's with the same weights.
    # Asked again, the prompt would come from the slot's cache: with the Q8_0 copy the last prompt token is then
    # read alone instead of in a batch, whose arithmetic differs enough to flip this small model's greedy choice.
    reference = make_gateway(tmp_path / "reference", adapters=())
    assert after_restart == [answer(reference, f"{BASE}::{SUPPORT}")]


def test_base_and_adapter_lanes_stream_at_the_same_time_on_their_own_servers(tmp_path: Path) -> None:
    """llama.cpp never batches different adapters in one server: the per-adapter layout runs them side by side."""
    gateway = make_gateway(tmp_path, slots=2, layout=PER_ADAPTER)
    gateway.warm_up((BASE, f"{BASE}::{PRICING}"))
    progress: dict[str, list[int]] = {"base": [], "adapter": []}
    totals: dict[str, int] = {}
    lock = threading.Lock()

    def run(key: str, model: str) -> None:
        for item in gateway.stream(model, QUESTION, max_tokens=48):
            with lock:
                if isinstance(item, Completion):
                    totals[key] = item.usage.completion_tokens
                else:
                    progress[key].append(sum(len(v) for v in progress.values()))

    threads = [threading.Thread(target=run, args=a) for a in (("base", BASE), ("adapter", f"{BASE}::{PRICING}"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Interleaved: the adapter lane produced pieces before the base lane had finished, and vice versa.
    assert min(progress["adapter"]) < max(progress["base"]) and min(progress["base"]) < max(progress["adapter"])
