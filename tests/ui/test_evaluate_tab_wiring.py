"""The Evaluate tab's run event keeps its progress bar (Gradio finds gr.Progress only before *args)."""

from __future__ import annotations


def test_the_evaluation_reports_progress() -> None:
    from playground.config import Settings
    from playground.services import Services
    from playground.ui import build_app

    app = build_app(Services.from_settings(Settings.from_env()))
    (evaluate,) = [fn for fn in app.fns.values() if fn.name == "evaluate"]
    assert evaluate.tracks_progress
    assert len(evaluate.inputs) > 12, "the lanes' settings are inputs too"
