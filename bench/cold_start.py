"""Cold start to first answer: `python app.py` launched, page served, first Compare answer done.

.venv/bin/python bench/cold_start.py      (uses the converted model in .cache/ if present)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gradio_client import Client

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"GRADIO_SERVER_PORT": str(port), "HF_HUB_OFFLINE": "1", "PLAYGROUND_MAX_TOKENS": "32"}
    started = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        page_up = time.perf_counter() - started
        client = Client(url, verbose=False)
        api = client.view_api(return_format="dict", print_info=False)
        endpoint = next(name for name in api["named_endpoints"] if name.startswith("/run"))
        n_inputs = len(api["named_endpoints"][endpoint]["parameters"])
        scenario = "company-knowledge"
        lane_values = ["local/smollm2-135m-instruct", "few-shot", None][: n_inputs - 2]
        result = client.predict(scenario, "What is the capital of France?", *lane_values, api_name=endpoint)
        first_answer = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "page_up_s": round(page_up, 2),
                    "first_answer_s": round(first_answer, 2),
                    "answer": str(result[0])[:80],
                },
                indent=2,
            )
        )
    finally:
        app.terminate()
        app.wait(timeout=30)


if __name__ == "__main__":
    main()
