"""The collaborators the app and the command line share, built once and passed in.

Composition only: each collaborator does its own job (the gateway, the scenario catalog, the
knowledge bases, the answer caches, the training jobs); Services wires them to one workspace.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from pathlib import Path

from playground.budget import Budget
from playground.config import Settings
from playground.costs.hardware import Hardware
from playground.evaluation.cache import AnswerCache, AnswerCaches
from playground.evaluation.judge import Judge
from playground.evaluation.runner import DEFAULT_BATCH_SIZE, EvalRun, Progress, run_evaluation
from playground.evaluation.sets import EvalItem
from playground.identity import Identities, Signer, load_or_create_secret
from playground.knowledge.base import KnowledgeBase
from playground.knowledge.bases import KnowledgeBases
from playground.knowledge.embedding import Embedder, make_embedder
from playground.lanes import LaneContext, LaneJob, get_lane
from playground.limits import Limits
from playground.llamacpp.served import ServedModels
from playground.llamacpp.server import ServerConfig
from playground.llm import Gateway
from playground.local_models import EMBEDDED_ALIAS, LocalEngines
from playground.model_policy import ModelPolicy
from playground.scenarios import Scenario, ScenarioCatalog
from playground.training.jobs import TrainingJobs
from playground.training.registry import AdapterRegistry
from playground.workspace import Workspace, workspace_for
from playground.workspace_pool import SINGLE_USER_KEY, WorkspacePool

SHARED_WORKSPACE = "shared"


def shipped_adapters(adapters_dir: Path, base: str) -> list[Path]:
    """The shipped adapters trained on this base: a llama.cpp server starts with all of them."""
    return AdapterRegistry([(adapters_dir, True)]).trained_on(base)


def model_policy(settings: Settings, served: ServedModels) -> ModelPolicy:
    """What a visitor of a public app may choose: the operator's models, engine-served ones, adapters by name."""
    models = (settings.default_model, f"local/{EMBEDDED_ALIAS}", *settings.extra_models)
    return ModelPolicy(
        models=tuple(dict.fromkeys(m for m in models if m)),
        adapters=AdapterRegistry([(settings.adapters_dir, True)]),
        adapter_roots=(settings.adapters_dir, settings.workspaces_dir),
        engine_models=lambda: [f"local/{name}" for name in served.engine_models()],
    )


@dataclass
class Services:
    """Settings, the model gateway, the scenario catalog and the knowledge bases of one process."""

    settings: Settings
    gateway: Gateway
    scenarios: ScenarioCatalog
    jobs: TrainingJobs = field(default_factory=TrainingJobs)
    caches: AnswerCaches = field(default_factory=AnswerCaches)
    limits: Limits = field(default_factory=Limits)  # the size of work one request may ask for
    _embedder: Embedder | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _bases: KnowledgeBases | None = None
    _pool: WorkspacePool | None = None
    _identities: Identities | None = None
    budget: Budget = None  # type: ignore[assignment]  # the operator's spending caps; made from settings

    def __post_init__(self) -> None:
        if self.budget is None:
            settings = self.settings
            self.budget = Budget(settings.budget_usd_per_session, settings.budget_usd_per_day, settings.budget_dir)
        self._pool = WorkspacePool(
            self.settings.workspaces_dir,
            idle_s=self.settings.workspace_idle_s,
            max_bytes=int(self.settings.workspace_max_mb * 1024 * 1024),
            on_release=self._stop_workspace,
            single_user=self.settings.shared_workspace,
        )
        self._bases = KnowledgeBases(
            lambda: self.embedder,
            lambda: self.workspace(SHARED_WORKSPACE, copy_documents=False),
            max_upload_bytes=self.upload_bytes,
            chunk_size=self.settings.chunk_size,
            overlap=self.settings.chunk_overlap,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engines = LocalEngines(settings.models_cache_dir)
        config = ServerConfig(
            model=Path(),
            slots=settings.engine_slots,
            context_per_slot=settings.engine_context,
            threads=settings.engine_threads,
        )
        served = ServedModels(
            config,
            settings.lora_cache_dir,
            known_adapters=lambda base: shipped_adapters(settings.adapters_dir, base),
            engine_urls=settings.engine_urls,
            layout=settings.engine_layout,
            quant=settings.local_quant,
            copies_dir=settings.served_gguf_dir,
            max_servers=settings.max_servers,
        )
        policy = model_policy(settings, served) if settings.public else None
        gateway = Gateway(
            engines, timeout_s=settings.request_timeout_s, served=served, retries=settings.retries, policy=policy
        )
        return cls(
            settings=settings,
            gateway=gateway,
            scenarios=ScenarioCatalog(settings.sample_data_dir),
            limits=Limits.from_env(public=settings.public),
        )

    @property
    def upload_bytes(self) -> int:
        """The largest file a visitor may upload (PLAYGROUND_MAX_UPLOAD_MB), in bytes."""
        return int(self.settings.max_upload_mb * 1024 * 1024)

    @property
    def embedder(self) -> Embedder:
        """One embedder per process, shared by every workspace (loaded on first use)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(
                    self.settings.embedder, self.gateway.embed, self.settings.embedder_cache_dir
                )
            return self._embedder

    def model_choices(self) -> list[str]:
        """Models a picker should offer: the default and local ones first, then reachable remote ones."""
        local = [self.settings.default_model, f"local/{EMBEDDED_ALIAS}"]
        local = list(dict.fromkeys(m for m in local if m))
        return self.gateway.available_models(local, self.settings.extra_models)

    def workspace(self, key: str, copy_documents: bool = True) -> Workspace:
        """The workspace of one browser session; the command line's reads the scenario's own documents."""
        return workspace_for(self.settings.workspaces_dir, key, copy_documents)

    @property
    def sessions(self) -> WorkspacePool:
        """The browser sessions' workspaces (each removed when its session ends or idles out)."""
        assert self._pool is not None
        return self._pool

    @property
    def identities(self) -> Identities:
        """Visitors' signed ids and the pages that speak for them (the secret is read or made on first use)."""
        with self._lock:
            if self._identities is None:
                signer = Signer(load_or_create_secret(self.settings.identity_key_file))
                self._identities = Identities(signer, idle_s=self.settings.workspace_idle_s)
            return self._identities

    def pool_key(self, session: str) -> str:
        """The pool entry a browser session uses: its own, or the single-user app's one shared entry."""
        return SINGLE_USER_KEY if self.settings.shared_workspace else session

    def session_workspace(self, session: str) -> Workspace:
        """A browser session's own workspace, or the one shared workspace of a single-user app."""
        return self.sessions.open(self.pool_key(session))

    def for_session(self, session: str) -> Services:
        """These services as one browser session uses them: remote models called with its own keys.

        In public mode its gateway also finds `local/<base>::<name>` among the session's own adapters.
        """
        keys = self.sessions.keys(self.pool_key(session))
        public = self.settings.public
        if not keys and not public and not self.budget.active:
            return self
        scoped = copy.copy(self)  # shares everything else: workspaces, caches, jobs, knowledge bases
        scoped.gateway = self.gateway.with_keys(keys)
        if self.budget.active:
            scoped.gateway = scoped.gateway.with_budget(self.budget, session)
        if public:
            scoped.gateway = scoped.gateway.with_adapters(lambda: self.adapters(self.session_workspace(session)))
        return scoped

    def _stop_workspace(self, workspace: Workspace) -> None:
        """Stop what a workspace being removed has running, and let go of what it had open."""
        self.jobs.cancel_under(workspace.root)
        self.caches.close_under(workspace.root)
        served = getattr(self.gateway, "served", None)  # a test's fake gateway has none
        if served is not None:
            served.close_under(workspace.root)  # its adapters' llama.cpp servers
        assert self._bases is not None
        self._bases.forget(workspace)

    def knowledge(self, workspace: Workspace, scenario: Scenario) -> KnowledgeBase:
        """The scenario's knowledge base in this workspace (its own copy of the documents)."""
        assert self._bases is not None
        return self._bases.get(workspace, scenario)

    def adapters(self, workspace: Workspace | None = None) -> AdapterRegistry:
        """Shipped adapters (read-only) plus, for a browser session, the ones it trained."""
        folders = [(self.settings.adapters_dir, True)]
        if workspace is not None and workspace.copy_documents:
            folders.append((workspace.adapters_dir, False))
        return AdapterRegistry(folders)

    def lane_context(self, workspace: Workspace, hardware: Hardware | None = None) -> LaneContext:
        """The workspace's knowledge and adapters; local work priced on `hardware` (default: this machine)."""
        return LaneContext(
            knowledge=lambda scenario: self.knowledge(workspace, scenario),
            adapters=self.adapters(workspace),
            hardware=hardware,
        )

    def answer_cache(self, workspace: Workspace) -> AnswerCache:
        """The workspace's evaluation answer cache (one connection per file in this process)."""
        return self.caches.get(workspace.answer_cache_file)

    def evaluate(
        self,
        workspace: Workspace,
        scenario: Scenario,
        items: list[EvalItem],
        jobs: list[LaneJob],
        *,
        set_name: str,
        use_cache: bool = True,
        judge_model: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        hardware: Hardware | None = None,
    ) -> EvalRun:
        """An evaluation in this workspace: its knowledge, adapters and answer cache (judge cached too)."""
        cache = self.answer_cache(workspace) if use_cache else None
        return run_evaluation(
            self.gateway,
            scenario,
            items,
            jobs,
            self.lane_context(workspace, hardware),
            set_name=set_name,
            cache=cache,
            batch_size=batch_size,
            judge=Judge(self.gateway, judge_model, cache) if judge_model else None,
            progress=progress,
            cancel=cancel,
        )

    def lane_jobs(self, lane: str, model: str | None = None, **options: object) -> list[LaneJob]:
        """The lane's jobs for an evaluation: one, or one per variant (the baseline's three methods)."""
        job = self.lane_job(lane, model, **options)
        variants = get_lane(lane).variants(job.options)
        return [LaneJob(lane, variant, None if label == lane else label) for label, variant in variants]

    def lane_job(self, lane: str, model: str | None = None, **options: object) -> LaneJob:
        """A job for one lane with the settings' defaults filled in (None means: keep the default)."""
        defaults = {"max_tokens": self.settings.max_tokens, "temperature": self.settings.temperature}
        chosen = {name: value for name, value in options.items() if value is not None or name == "system_prompt"}
        return LaneJob(lane, get_lane(lane).options(model or self.settings.default_model, **(defaults | chosen)))
