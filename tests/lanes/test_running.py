"""Running lanes: streaming snapshots, timings, isolation of one lane's failure."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from playground.lanes import (
    EmptyQuestionError,
    Lane,
    LaneContext,
    LaneJob,
    LaneOptions,
    Recorder,
    check_question,
    get_lane,
    register,
    run_lane,
    run_lanes,
    unregister,
)
from playground.llamacpp.served import ServedModels
from playground.llamacpp.server import ServerConfig
from playground.llm import Gateway
from playground.local_models import EMBEDDED_ALIAS, LocalEngines
from playground.records import Answer
from tests.fakes import FakeGateway


@pytest.fixture
def echo_lane():
    """A second registered lane, written only here: it asks the model the bare question."""

    @register
    class EchoLane(Lane):
        name, title = "echo", "Echo"

        def run(self, question, scenario, options, context, gateway):
            recorder = Recorder(Answer(lane=self.name, model=options.model), gateway, options)
            yield from recorder.call("answer", [{"role": "user", "content": question}])
            yield recorder.finish()

    yield EchoLane
    unregister("echo")


def _options(model: str):
    from playground.lanes import get_lane

    return get_lane("prompting").options(model)


def test_answer_grows_then_finishes_with_usage_and_timings(scenario) -> None:
    gateway = FakeGateway(reply="Paris it is.")
    snapshots = list(run_lane(gateway, "Capital?", scenario, LaneJob("prompting", _options("fake/a"))))
    texts = [s.text for s in snapshots if not s.done]
    assert texts[-1] == "Paris it is."
    assert texts == sorted(texts, key=len), "text only grows"
    final = snapshots[-1]
    assert final.done and final.error is None
    assert final.usage.completion_tokens == 3 and final.usage.prompt_tokens > 0
    assert 0 <= final.ttft_s <= final.latency_s
    assert final.messages[-1] == {"role": "user", "content": "Capital?"}
    assert gateway.calls[0]["model"] == "fake/a"


def test_one_failing_lane_does_not_stop_the_others(scenario) -> None:
    gateway = FakeGateway(failing={"fake/broken": "model 'fake/broken' needs FAKE_API_KEY set"})
    jobs = [LaneJob("prompting", _options("fake/ok"))]
    broken = LaneJob("prompting", _options("fake/broken"))
    final_ok = list(run_lanes(gateway, "Q?", scenario, jobs))[-1]["prompting"]
    final_broken = list(run_lane(gateway, "Q?", scenario, broken))[-1]
    assert final_ok.error is None and final_ok.text
    assert final_broken.done and final_broken.error == "model 'fake/broken' needs FAKE_API_KEY set"
    assert final_broken.text == ""


def test_lanes_run_concurrently_and_the_last_snapshot_has_all_done(scenario, echo_lane) -> None:
    gateway = FakeGateway(reply="one two three four", delay_s=0.05)
    jobs = [LaneJob("prompting", _options("fake/a")), LaneJob("echo", LaneOptions(model="fake/b"))]
    snapshots = list(run_lanes(gateway, "Q?", scenario, jobs, min_interval_s=0))
    final = snapshots[-1]
    assert all(a.done and a.text == "one two three four" for a in final.values())
    # Concurrent: some snapshot shows both lanes part-way at once.
    assert any(all(0 < len(a.text) < 18 for a in snap.values()) for snap in snapshots)


def _both_part_way(snapshots: list[dict[str, Answer]]) -> bool:
    """Some snapshot shows both lanes streaming at once (each started, neither finished)."""
    return any(all(0 < len(a.text) < 18 for a in snap.values()) for snap in snapshots)


def test_local_lanes_on_one_llama_cpp_server_stream_at_the_same_time_in_its_slots(
    scenario, echo_lane, tmp_path: Path
) -> None:
    served = ServedModels(ServerConfig(model=Path(), slots=2), tmp_path / "lora")  # no server starts here
    real = Gateway(LocalEngines(tmp_path / "models"), served=served)
    gateway = FakeGateway(reply="one two three four", delay_s=0.05)  # canned streams; no weights
    gateway.runs_one_at_a_time = real.runs_one_at_a_time  # which models queue: the real gateway's decision
    embedded = f"local/{EMBEDDED_ALIAS}"  # a GGUF model: llama.cpp decodes its slots together
    jobs = [LaneJob("prompting", _options(embedded)), LaneJob("echo", LaneOptions(model=embedded))]
    assert _both_part_way(list(run_lanes(gateway, "Q?", scenario, jobs, min_interval_s=0)))
    in_process = f"local/{tmp_path / 'a-transformers-folder'}"  # no slots: one answer at a time
    jobs = [LaneJob("prompting", _options(in_process)), LaneJob("echo", LaneOptions(model=in_process))]
    assert not _both_part_way(list(run_lanes(gateway, "Q?", scenario, jobs, min_interval_s=0)))


def test_one_at_a_time_models_take_turns_so_their_timings_exclude_the_queue(scenario, echo_lane) -> None:
    gateway = FakeGateway(reply="one two three four", delay_s=0.02, serial_models=("local/a",))
    jobs = [LaneJob("prompting", _options("local/a")), LaneJob("echo", LaneOptions(model="local/a"))]
    snapshots = list(run_lanes(gateway, "Q?", scenario, jobs, min_interval_s=0))
    assert not any(all(0 < len(a.text) < 18 for a in snap.values()) for snap in snapshots)
    final = snapshots[-1]
    assert all(a.done and a.ttft_s < 0.5 for a in final.values())


def test_unknown_lane_is_an_error_in_that_lane_only(scenario) -> None:
    final = list(run_lane(FakeGateway(), "Q?", scenario, LaneJob("nope", LaneOptions(model="m"))))[-1]
    assert final.done and "unknown lane 'nope'" in final.error


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused(question: str) -> None:
    with pytest.raises(EmptyQuestionError, match="the question is empty"):
        check_question(question)


class _OneSlowModel(FakeGateway):
    """Answers on "fake/slow" crawl (half a second a word); every other model answers at once."""

    def stream(self, model, messages, max_tokens=256, temperature=0.0, **params):
        for piece in super().stream(model, messages, max_tokens, temperature, **params):
            if str(model) == "fake/slow":
                time.sleep(0.5)
            yield piece


def test_a_slow_lane_times_out_with_a_message_and_never_holds_up_the_others(scenario) -> None:
    gateway = _OneSlowModel(reply="one two three four five six seven eight")
    jobs = [
        LaneJob("prompting", _options("fake/slow"), label="slow"),
        LaneJob("prompting", _options("fake/fast"), label="fast"),
    ]
    started = time.perf_counter()
    snapshots = list(run_lanes(gateway, "Q?", scenario, jobs, min_interval_s=0, timeout_s=1.2))
    elapsed = time.perf_counter() - started
    final = snapshots[-1]
    assert final["fast"].done and final["fast"].error is None and final["fast"].text.endswith("eight")
    assert final["slow"].done and "timed out" in final["slow"].error and final["slow"].text.startswith("one")
    assert elapsed < 3.5  # not the slow lane's 4 s
    # The fast lane finished while the slow one was still streaming: it never waited for it.
    assert any(snap["fast"].done and not snap["slow"].done for snap in snapshots)


def test_a_missing_local_gguf_is_that_lanes_one_line_error_not_an_exception(tmp_path, scenario) -> None:
    """The real gateway and served models: run_lanes used to raise ModelError out of the generator."""
    served = ServedModels(ServerConfig(model=Path()), tmp_path / "lora", copies_dir=tmp_path / "gguf")
    gateway = Gateway(LocalEngines(tmp_path / "models"), served=served)
    job = LaneJob("prompting", get_lane("prompting").options(f"local/{tmp_path}/missing.gguf"))
    *_, last = run_lanes(gateway, "What?", scenario, [job], LaneContext())
    assert last["prompting"].done and "no GGUF file at" in (last["prompting"].error or "")


class _EndlessModel(FakeGateway):
    """Streams a word every 0.1 s until its consumer closes the stream; records when that happened."""

    def __init__(self) -> None:
        super().__init__()
        self.words = 0
        self.closed = threading.Event()

    def stream(self, model, messages, max_tokens=256, temperature=0.0, **params):
        try:
            while True:
                time.sleep(0.1)
                self.words += 1
                yield "word "
        finally:
            self.closed.set()  # GeneratorExit: the HTTP stream to llama.cpp would close here


def test_a_timed_out_lane_closes_its_model_stream(scenario) -> None:
    gateway = _EndlessModel()
    job = LaneJob("prompting", _options("fake/endless"))
    *_, last = run_lanes(gateway, "Q?", scenario, [job], min_interval_s=0, timeout_s=0.5)
    assert "timed out" in last["prompting"].error
    assert gateway.closed.wait(timeout=5), "the timed-out lane's stream was never closed: its slot stays busy"
    assert gateway.words < 20, "closed within a few words of the deadline, not after minutes"


def test_a_caller_that_stops_reading_closes_the_lanes_streams(scenario) -> None:
    """A page closed mid-answer: Gradio closes the generator; the lanes must not stream on."""
    gateway = _EndlessModel()
    snapshots = run_lanes(gateway, "Q?", scenario, [LaneJob("prompting", _options("fake/endless"))], min_interval_s=0)
    next(snapshots)
    snapshots.close()
    assert gateway.closed.wait(timeout=5), "the lane kept streaming after its reader went"
