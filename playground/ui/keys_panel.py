"""The provider keys panel: password fields whose keys last for this browser until forgotten or idle.

The keys go to the session's entry in the workspace pool (memory only) and the fields are
cleared at once, so a key is never written to disk, echoed back, or kept in the page.
"""

from __future__ import annotations

import gradio as gr

from playground.provider_keys import PROVIDER_KEY_VARS, PROVIDER_TITLES, ProviderKeys
from playground.services import Services
from playground.ui.session import session_id


def _status(keys: ProviderKeys) -> str:
    if not keys:
        return "No key entered in this session: keys set in the environment (Space secrets) still apply."
    titles = [title for provider, title in PROVIDER_TITLES.items() if PROVIDER_KEY_VARS[provider] in keys.names()]
    return (
        f"This session calls {', '.join(titles)} with the key you entered (never stored on disk). It stays for "
        "this browser, reloads included, until you press **Forget my keys** or the page is left idle: "
        "on a shared computer, press Forget my keys before you go."
    )


def build_keys_panel(services: Services) -> None:
    """An accordion with one password field per provider, a Use button and a Forget button."""

    def owner(request: gr.Request) -> str:
        return services.pool_key(session_id(services, request))

    with gr.Accordion("Provider keys (this browser only, until forgotten or idle)", open=False, elem_id="keys-panel"):
        fields = {
            provider: gr.Textbox(
                label=f"{title} API key",
                type="password",
                placeholder=PROVIDER_KEY_VARS[provider],
                elem_id=f"key-{provider}",
            )
            for provider, title in PROVIDER_TITLES.items()
        }
        with gr.Row():
            use = gr.Button("Use these keys", elem_id="keys-use")
            forget = gr.Button("Forget my keys", elem_id="keys-forget")
        status = gr.Markdown(_status(ProviderKeys()), elem_id="keys-status")
        gr.Markdown("Then type a model such as `openai/gpt-4o-mini` in a lane's model picker.")

    def use_keys(request: gr.Request, *values: str) -> list[object]:
        session = owner(request)
        given = {PROVIDER_KEY_VARS[p]: v for p, v in zip(fields, values, strict=True) if v and v.strip()}
        merged = {name: services.sessions.keys(session).get(name) or "" for name in PROVIDER_KEY_VARS.values()}
        keys = ProviderKeys(merged | given)
        services.sessions.set_keys(session, keys)
        return [_status(keys), *([""] * len(fields))]  # the page keeps no copy

    def forget_keys(request: gr.Request) -> list[object]:
        services.sessions.set_keys(owner(request), ProviderKeys())
        return [_status(ProviderKeys()), *([""] * len(fields))]

    inputs = list(fields.values())
    use.click(use_keys, inputs, [status, *inputs], show_progress="hidden", api_visibility="private")
    forget.click(forget_keys, None, [status, *inputs], show_progress="hidden", api_visibility="private")
