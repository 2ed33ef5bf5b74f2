"""Start the Strategy Playground web app on the embedded defaults (no key, no GPU needed).

Host and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (default 127.0.0.1:7860).
"""

from __future__ import annotations

import logging
import threading

from playground.config import Settings
from playground.logs import configure_logging
from playground.services import Services
from playground.ui import build_app, launch_options


def main() -> None:
    configure_logging(logging.INFO)
    services = Services.from_settings(Settings.from_env())
    # Load the default model while the page comes up, so the first answer is not a cold one.
    threading.Thread(
        target=services.gateway.warm_up, args=((services.settings.default_model,),), daemon=True, name="warm-up"
    ).start()
    build_app(services).queue(default_concurrency_limit=4).launch(**launch_options())


if __name__ == "__main__":
    main()
