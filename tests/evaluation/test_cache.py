"""The evaluation's caching gateway: what a rerun reuses, and what it must not."""

from __future__ import annotations

from pathlib import Path

from playground.evaluation.cache import AnswerCache, CachingGateway, cache_key
from playground.llm import ToolCall
from playground.model_ref import ModelRef
from tests.fakes import FakeGateway

MESSAGES = [{"role": "user", "content": "Hi?"}]


class CountingGateway(FakeGateway):
    fits_checked: int = 0

    def check_fits(self, model, messages, max_tokens) -> int:
        self.fits_checked += 1
        return super().check_fits(model, messages, max_tokens)


def test_a_hit_returns_the_same_answer_marked_cached_with_its_tool_calls(tmp_path: Path) -> None:
    inner = CountingGateway(reply="Calling.", tool_calls_for=lambda m: [ToolCall("c1", "calculator", '{"input": "2"}')])
    gateway = CachingGateway(inner, AnswerCache(tmp_path / "cache.sqlite"))
    first = gateway.complete("api/m", MESSAGES, 32)
    again = gateway.complete("api/m", MESSAGES, 32)
    assert not first.cached and again.cached
    assert (again.text, again.usage, again.tool_calls) == (first.text, first.usage, first.tool_calls)
    assert len(inner.calls) == 1 and inner.fits_checked == 1, "a hit neither generates nor tokenizes"


def test_parameters_are_part_of_the_key(tmp_path: Path) -> None:
    inner = FakeGateway()
    gateway = CachingGateway(inner, AnswerCache(tmp_path / "cache.sqlite"))
    gateway.complete("api/m", MESSAGES, 32)
    gateway.complete("api/m", MESSAGES, 32, response_format={"type": "json_object"})
    assert len(inner.calls) == 2


def test_a_record_from_before_timings_were_kept_still_reads(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache.sqlite")
    cache.put(cache_key("api/judge", MESSAGES, 64, 0.0), {"text": "4/5", "usage": [10, 2], "cost_usd": None})
    completion = CachingGateway(FakeGateway(), cache).complete("api/judge", MESSAGES, 64)
    assert completion.cached and completion.text == "4/5" and completion.latency_s == 0.0


def test_an_adapter_without_a_content_hash_is_never_cached(tmp_path: Path) -> None:
    inner = FakeGateway()
    gateway = CachingGateway(inner, AnswerCache(tmp_path / "cache.sqlite"))
    nameless = ModelRef("local/base", adapter_name="gone", adapter_path=tmp_path / "gone")
    gateway.complete(nameless, MESSAGES, 32)
    gateway.complete(nameless, MESSAGES, 32)
    assert len(inner.calls) == 2
