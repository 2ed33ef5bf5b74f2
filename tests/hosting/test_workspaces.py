"""Two visitors never see each other's data; an idle workspace goes; the disk cap holds."""

from __future__ import annotations

import html
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from playground.config import Settings
from playground.evaluation.sets import EvalItem
from playground.llm import Gateway
from playground.local_models import LocalEngines
from playground.provider_keys import ProviderKeys
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from playground.training.jobs import BUSY_MESSAGE, JobError, JobState
from playground.training.trainer import TrainConfig
from playground.workspace import WorkspaceFullError
from playground.workspace_pool import SINGLE_USER_KEY
from tests.fakes import ToyEmbedder, final_answer
from tests.hosting.conftest import Clock, make_services

ALICES_KEY = "sk-alice-0123456789abcdef"
BOBS_KEY = "sk-bob-0123456789abcdefgh"
REMOTE = "openai/gpt-4o-mini"
SECRET_DOC = ("launch-plan.md", b"# Launch plan\n\nThe launch code word is falcon-seventeen.\n")


def _adapter(folder: Path, name: str) -> None:
    path = folder / name
    path.mkdir(parents=True)
    (path / "adapter_config.json").write_text("{}")
    (path / "card.json").write_text('{"base_model": "smollm2-135m-instruct", "steps": 2}')


def test_two_sessions_never_see_each_others_documents_adapters_or_results(services, scenario) -> None:
    a, b = services.session_workspace("alice"), services.session_workspace("bob")
    assert a.root != b.root

    # Documents and their index.
    services.knowledge(a, scenario).add_files([SECRET_DOC])
    kb_a, kb_b = services.knowledge(a, scenario), services.knowledge(b, scenario)
    assert "launch-plan.md" in [p.name for p in kb_a.files()]
    assert "launch-plan.md" not in [p.name for p in kb_b.files()]
    assert "launch-plan.md" in {p.source for p in kb_a.search("launch code word", k=3).passages}
    assert "launch-plan.md" not in {p.source for p in kb_b.search("launch code word", k=3).passages}
    assert "launch-plan.md" not in [p.name for p in scenario.knowledge_base.iterdir()]  # shipped data untouched

    # Adapters trained in a session.
    _adapter(a.adapters_dir, "alices-adapter")
    assert "alices-adapter" in services.adapters(a).names()
    assert "alices-adapter" not in services.adapters(b).names()

    # Evaluation results: answers cached and exported in the session's own folder only.
    items = [EvalItem(1, "Who is the chief executive officer?", "Teodora Blanchet")]
    jobs = services.lane_jobs("prompting", "fake/m")
    run = services.evaluate(a, scenario, items, jobs, set_name="demo")
    assert len(run.rows) == 1 and a.answer_cache_file.exists()
    assert not b.answer_cache_file.exists()
    assert not any(path.is_relative_to(b.root) for path in a.root.rglob("*"))


def _real_gateway_services(settings: Settings, tmp_path: Path) -> Services:
    """Services over the real Gateway: only litellm.completion is replaced (the `completions` fixture)."""
    gateway = Gateway(LocalEngines(tmp_path / "models"), timeout_s=5)
    services = Services(settings=settings, gateway=gateway, scenarios=ScenarioCatalog(settings.sample_data_dir))
    services._embedder = ToyEmbedder()
    return services


def _ask_remote(services: Services, session: str, scenario) -> None:
    """One prompting answer on a remote model through the session's own services, as Compare asks it."""
    gateway = services.for_session(session).gateway
    answer = final_answer("prompting", "Capital?", scenario, gateway=gateway, model=REMOTE)
    assert answer.error is None and answer.text == "Paris."


def test_a_call_through_a_session_reaches_the_provider_with_its_own_key_only(
    settings: Settings, scenario, tmp_path: Path, completions
) -> None:
    services = _real_gateway_services(settings, tmp_path)
    services.sessions.set_keys("alice", ProviderKeys({"OPENAI_API_KEY": ALICES_KEY}))
    _ask_remote(services, "alice", scenario)
    assert completions[-1]["model"] == REMOTE and completions[-1].get("api_key") == ALICES_KEY
    _ask_remote(services, "bob", scenario)  # bob entered no key: none of alice's goes with his call
    assert completions[-1]["model"] == REMOTE and "api_key" not in completions[-1]
    services.sessions.set_keys("bob", ProviderKeys({"OPENAI_API_KEY": BOBS_KEY}))
    _ask_remote(services, "bob", scenario)
    assert completions[-1].get("api_key") == BOBS_KEY
    _ask_remote(services, "alice", scenario)
    assert completions[-1].get("api_key") == ALICES_KEY
    assert len(completions) == 4


def test_a_training_job_is_visible_and_cancellable_only_by_its_own_session(services, tmp_path: Path) -> None:
    a, b = services.session_workspace("alice"), services.session_workspace("bob")
    jobs = services.jobs
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        jobs._process, jobs._owner, jobs._out = child, str(a.root), a.adapters_dir / "mine"
        jobs._state = JobState(status="running", adapter="mine", message="training")
        assert jobs.state(str(a.root)).adapter == "mine"
        seen_by_bob = jobs.state(str(b.root))
        assert seen_by_bob.status == "busy" and seen_by_bob.adapter is None and "mine" not in seen_by_bob.message
        assert not jobs.cancel(str(b.root))
        config = TrainConfig(data=tmp_path / "d.jsonl", out=b.adapters_dir / "bobs")
        with pytest.raises(JobError, match="another session"):
            jobs.start(config, owner=str(b.root))
        assert BUSY_MESSAGE in jobs.state(str(b.root)).message
        services.sessions.release("alice")  # alice's session ends: her job goes with it
        assert child.wait(timeout=10) != 0
        assert jobs.state(str(a.root)).status == "cancelled"
    finally:
        child.kill()


def test_an_idle_workspace_is_removed_and_a_busy_one_is_kept(services, scenario, clock: Clock) -> None:
    workspace = services.session_workspace("alice")
    services.knowledge(workspace, scenario).add_files([SECRET_DOC])
    services.sessions.set_keys("alice", ProviderKeys({"OPENAI_API_KEY": "sk-alice-0123456789abcdef"}))
    assert workspace.root.is_dir()

    clock.now += 59
    services.session_workspace("alice")  # used again just before the idle time ran out
    clock.now += 59
    assert not services.sessions.expire("alice") and workspace.root.is_dir()

    clock.now += 2  # 61 s without use
    assert services.sessions.expire("alice")
    assert not workspace.root.exists()
    assert not services.sessions.keys("alice")
    assert services.sessions.idle_for("alice") is None
    # Coming back later starts from the shipped documents again, not from a stale open index.
    fresh = services.session_workspace("alice")
    assert "launch-plan.md" not in [p.name for p in services.knowledge(fresh, scenario).files()]


def test_leftovers_of_an_earlier_run_go_at_start_but_the_single_user_workspace_stays(settings: Settings) -> None:
    single_user = make_services(replace(settings, shared_workspace=True))
    root = settings.workspaces_dir
    (root / "session-old" / "company" / "kb").mkdir(parents=True)
    (root / f"session-{SINGLE_USER_KEY}" / "adapters" / ".mine.tmp1").mkdir(parents=True)  # a killed job's staging
    (root / f"session-{SINGLE_USER_KEY}" / "adapters" / "kept").mkdir(parents=True)
    (root / "shared" / "demo" / ".index.copying").mkdir(parents=True)
    single_user.sessions.remove_leftovers()
    assert not (root / "session-old").exists()
    assert (root / f"session-{SINGLE_USER_KEY}" / "adapters" / "kept").is_dir()
    assert not (root / f"session-{SINGLE_USER_KEY}" / "adapters" / ".mine.tmp1").exists()
    assert not (root / "shared" / "demo" / ".index.copying").exists()
    make_services(settings).sessions.remove_leftovers()  # a multi-user app keeps no workspace over a restart
    assert not (root / f"session-{SINGLE_USER_KEY}").exists()


def test_a_visitor_called_local_gets_no_exemption_from_expiry_on_a_multi_user_app(services, clock: Clock) -> None:
    special = services.session_workspace(SINGLE_USER_KEY)
    special.root.mkdir(parents=True, exist_ok=True)
    clock.now += 61
    services.session_workspace("alice")  # opening a workspace sweeps the idle ones
    assert not special.root.exists()
    assert services.sessions.idle_for(SINGLE_USER_KEY) is None


class Later(list):
    """The pool's scheduled checks, run by hand: (delay, action) pairs."""

    def __call__(self, delay_s: float, action) -> None:
        self.append((delay_s, action))

    def run_next(self) -> float:
        delay_s, action = self.pop(0)
        action()
        return delay_s


def test_a_closed_page_keeps_its_workspace_for_a_reload_and_for_work_still_running(services, clock: Clock) -> None:
    later = Later()
    services.sessions._schedule = later
    workspace = services.session_workspace("alice")
    workspace.root.mkdir(parents=True, exist_ok=True)
    with services.sessions.busy("alice"):  # an evaluation still running when the page closes
        services.sessions.expire_when_idle("alice")
        services.sessions.expire_when_idle("alice")  # a second close (another tab) adds no second check
        assert workspace.root.is_dir() and len(later) == 1
        assert later[0][0] == pytest.approx(60.5)
        clock.now += 600
        later.run_next()  # the evaluation is still going: checked again later, nothing removed
        assert workspace.root.is_dir() and len(later) == 1
    clock.now += 30  # the evaluation ended 30 s ago
    assert later.run_next() == pytest.approx(60.5)
    assert workspace.root.is_dir() and later[0][0] == pytest.approx(30.5)  # next check when it would be idle
    services.session_workspace("alice")  # the visitor reloaded and used it again
    clock.now += 31
    later.run_next()
    assert workspace.root.is_dir()
    clock.now += 60
    later.run_next()
    assert not workspace.root.exists() and not later  # idle at last: removed, no more checks


def test_the_single_user_workspace_is_never_expired(settings: Settings, clock: Clock) -> None:
    single_user = make_services(replace(settings, shared_workspace=True), clock)
    single_user.sessions._schedule = Later()
    workspace = single_user.session_workspace("anyone")
    workspace.root.mkdir(parents=True, exist_ok=True)
    clock.now += 10_000
    single_user.sessions.expire_when_idle(SINGLE_USER_KEY)
    assert not single_user.sessions.expire(SINGLE_USER_KEY) and not single_user.sessions.sweep()
    assert workspace.root.is_dir() and not single_user.sessions._schedule


def test_the_shared_workspace_setting_gives_every_session_the_same_workspace_and_keys(
    settings: Settings, scenario, tmp_path: Path, completions
) -> None:
    shared = _real_gateway_services(replace(settings, shared_workspace=True), tmp_path)
    assert shared.session_workspace("alice").root == shared.session_workspace("bob").root
    shared.sessions.set_keys(SINGLE_USER_KEY, ProviderKeys({"OPENAI_API_KEY": ALICES_KEY}))
    _ask_remote(shared, "anyone", scenario)
    assert completions[-1].get("api_key") == ALICES_KEY


def test_the_disk_cap_refuses_an_upload_with_one_message_and_keeps_what_is_stored(services, scenario) -> None:
    workspace = services.session_workspace("alice")
    kb = services.knowledge(workspace, scenario)
    kb.max_upload_bytes = 5 * 1024 * 1024
    before = sorted(p.name for p in kb.files())
    hits_before = kb.search("per diem", k=2).passages
    big = ("big.md", b"# Big\n\n" + b"word " * 300_000)  # 1.5 MB, over the 1 MB cap
    with pytest.raises(WorkspaceFullError, match=r"workspace is full: .* MB used of 1 MB.*delete documents"):
        kb.add_files([big])
    assert sorted(p.name for p in kb.files()) == before
    assert kb.search("per diem", k=2).passages == hits_before


def test_no_cap_for_the_command_lines_workspace(services) -> None:
    cli = services.workspace("cli", copy_documents=False)
    assert cli.max_bytes is None
    cli.check_room(10**12)  # never refuses


class _WordTokenizer:
    """Words as tokens, for the Train tab's estimate: no model's tokenizer is loaded."""

    def apply_chat_template(self, messages: list[dict], tokenize: bool = False) -> str:
        return " ".join(m["content"] for m in messages)

    def __call__(self, texts: list[str]) -> dict:
        return {"input_ids": [text.split() for text in texts]}


def test_training_past_the_cap_is_refused_and_no_job_starts(services, tmp_path: Path, monkeypatch) -> None:
    import gradio as gr

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))  # the training file stands for an upload

    from playground.ui.train_tab import build_train_tab

    started: list[list[str]] = []

    def no_trainer(command: list[str], **kwargs) -> None:  # the edge: the trainer's child process
        started.append(command)
        raise OSError("no trainer in the tests")

    monkeypatch.setattr("playground.training.jobs.subprocess.Popen", no_trainer)
    loaded = SimpleNamespace(tokenizer=_WordTokenizer())
    services.gateway.engines = SimpleNamespace(get=lambda name: SimpleNamespace(load=lambda: loaded))
    data = tmp_path / "train.jsonl"
    data.write_text('{"prompt": "Capital of France?", "completion": "Paris."}\n' * 4)
    with gr.Blocks() as app:
        picker = gr.Dropdown(["demo"], value="demo")
        with gr.Tab("Train") as tab:
            build_train_tab(services, picker, tab)
    (start,) = [fn for fn in app.fns.values() if fn.name == "start_job"]  # the Start training button
    values = {c.elem_id: c.value for c in start.inputs}
    values |= {"train-upload": str(data), "train-name": "mine"}
    with warnings.catch_warnings(record=True) as warned:  # gr.Warning, outside a running app
        warnings.simplefilter("always")
        shown = start.fn(gr.Request(session_hash="alice"), *values.values())  # a 1 MB cap; an adapter needs 30 MiB
    workspace = services.session_workspace(services.identities.resolve("alice"))  # the page's visitor
    assert started == [], "a training job was started past the cap"
    assert services.jobs.state(str(workspace.root)).status == "idle"
    assert not (workspace.adapters_dir / "mine").exists()
    status = html.unescape(shown[0])
    assert "this session's workspace is full" in status and "a new adapter needs 31.5 MB more" in status
    assert [str(w.message) for w in warned] == [status.split("⚠ ", 1)[1].removesuffix("</div>")]


def test_a_session_busy_with_a_long_request_is_never_idle(services, scenario, clock: Clock) -> None:
    workspace = services.session_workspace("alice")
    services.knowledge(workspace, scenario).add_files([SECRET_DOC])
    with services.sessions.busy("alice"):  # an evaluation that runs for ten minutes
        clock.now += 600
        assert services.sessions.idle_for("alice") == 0.0
        expired = services.sessions.expire("alice")
        assert workspace.root.is_dir(), "a busy session's workspace was removed under it"
        assert "launch-plan.md" in [p.name for p in services.knowledge(workspace, scenario).files()]
        assert not expired
    assert services.sessions.idle_for("alice") == 0.0  # idle time counts from the end of the request
    clock.now += 61
    assert services.sessions.expire("alice")


def test_an_idle_workspace_of_a_client_without_a_page_goes_when_another_session_opens(services, clock) -> None:
    api_client = services.session_workspace("script")  # no page: no session state, no unload event
    api_client.root.mkdir(parents=True, exist_ok=True)
    clock.now += 61
    services.session_workspace("alice")
    assert not api_client.root.exists() and services.sessions.idle_for("script") is None
    assert services.sessions.idle_for("alice") == 0.0
