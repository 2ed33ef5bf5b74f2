"""Start the Strategy Playground web app on the embedded defaults (no key, no GPU needed).

It listens on 127.0.0.1 (port 7860 or the next free one); on a Hugging Face Space, on 0.0.0.0:7860
(see playground/hosting.py). GRADIO_SERVER_NAME / GRADIO_SERVER_PORT override both. The queue's
concurrency and size come from PLAYGROUND_CONCURRENCY and PLAYGROUND_QUEUE_MAX.
"""

from __future__ import annotations

import logging
import sys

from playground.config import Settings
from playground.errors import PlaygroundError
from playground.hosting import bind_address
from playground.logs import configure_logging
from playground.services import Services
from playground.warm_start import WarmStart


def main() -> None:
    configure_logging(logging.INFO)
    settings = Settings.from_env()
    address = bind_address()
    services = Services.from_settings(settings)
    # Workspaces of an earlier run's sessions can never be reached again; half-written copies go too.
    services.sessions.remove_leftovers()
    # Models, embedder, indexes and prompt prefixes load while the page comes up (started before Gradio is
    # even imported): the first answer is not a cold one. PLAYGROUND_WARM_START=0 loads each on first use.
    if settings.warm_start:
        WarmStart(services).start()
    # Imported after the address is checked: Gradio reads GRADIO_SERVER_PORT itself, with a traceback for a bad one.
    from playground.ui import build_app, launch_options

    app = build_app(services).queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_max_size)
    app.launch(server_name=address.host, server_port=address.port, **launch_options(services))


if __name__ == "__main__":
    try:
        main()
    except PlaygroundError as exc:  # a bad setting or port: one line, no traceback
        print(f"app.py: error: {exc.message}", file=sys.stderr)
        sys.exit(exc.exit_code)
