"""Push an adapter to a Hugging Face Hub model repository, with the same files as its zip export.

The token comes from the caller (the command line reads HF_TOKEN); the Hub's address from
huggingface_hub itself, so HF_ENDPOINT points it at a mirror or, in the tests, at a local stand-in.
"""

from __future__ import annotations

import re
from pathlib import Path

from playground.errors import PlaygroundError, UsageError
from playground.training.archive import adapter_files
from playground.training.registry import AdapterInfo

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


class HubPushError(PlaygroundError):
    """The Hub refused or could not be reached; one line for the user."""


def check_repo_id(repo_id: str) -> str:
    """An OWNER/NAME repository id, refused with one clear line otherwise."""
    if not REPO_ID.match(repo_id or "") or ".." in repo_id:
        raise UsageError(f"invalid Hub repository '{repo_id}': use OWNER/NAME (letters, digits, '.', '_', '-')")
    return repo_id


def push_adapter(
    adapter: AdapterInfo, repo_id: str, token: str | None, lora_cache_dir: Path, *, private: bool = False
) -> str:
    """Create the model repository if needed and commit the adapter's files to it; the commit's URL."""
    check_repo_id(repo_id)
    if not token:
        raise UsageError("pushing to the Hugging Face Hub needs a token: set HF_TOKEN (a write token)")
    files = adapter_files(adapter, lora_cache_dir)
    import httpx
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    api = HfApi(token=token)
    try:
        # private=None leaves a new repository's visibility to the account's (or organisation's) default
        api.create_repo(repo_id, repo_type="model", private=True if private else None, exist_ok=True)
        commit = api.create_commit(
            repo_id,
            operations=[CommitOperationAdd(path_in_repo=name, path_or_fileobj=path) for name, path in files.items()],
            commit_message=f"Upload adapter {adapter.name} from Strategy Playground",
            repo_type="model",
        )
    except OfflineModeIsEnabled as exc:
        raise HubPushError("HF_HUB_OFFLINE is set: unset it to push to the Hub") from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "no response"
        raise HubPushError(f"the Hub refused the push to {repo_id} ({status}): {_first_line(str(exc))}") from exc
    except (httpx.TransportError, OSError) as exc:  # connection refused, DNS, TLS: nothing reached the Hub
        raise HubPushError(f"the Hub could not be reached: {exc}") from exc
    return str(commit.commit_url)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no detail given"
