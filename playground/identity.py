"""Who a visitor is: a random id the server signs, kept by the browser, bound to each page's requests.

The browser keeps `<id>.<signature>` (in Gradio's BrowserState, which is plain localStorage: anyone
can read or write it). The signature is HMAC-SHA256 of the id under a server secret that is made
once and kept in the cache folder, so an id survives a reload and a restart, and an id the server
did not mint is refused. Gradio's `session_hash` (chosen by the client, new on every page load)
only says which page a request came from: the page binds its hash to its verified id when it
loads, and every handler asks `Identities.resolve(session_hash)`. A hash no page ever bound (a raw
API client) gets an id of its own, never a shared one. Nothing here imports gradio.

A click can reach the server before its page's load event (two requests on two connections, the
load's held up by a busy server). Such a request waits, at most `wait_s`, for the load to bind its
page: the id a page will speak for is only known once its stored token arrives (a returning
visitor's id is in their browser, not on the server), so waiting is the one way an early click
acts under that id and not a throwaway one. A load is sent as the page opens and its handler is
quick, so the wait is short; a client that never loads a page (a script) waits once, then gets
its own id. Should the load still come later than that, with no stored token (a new visitor), the
page adopts the id its early requests already used, so nothing they did is lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from playground.errors import UsageError

SECRET_BYTES = 32
ID_BYTES = 16  # 128 random bits: never guessed, never collides
MAX_PAGES = 50_000  # bindings kept at most (a flood of API clients cannot grow memory without bound)


class IdentityKeyError(UsageError):
    """The server secret on disk cannot be used (a usage error: exit code 2)."""


def load_or_create_secret(path: Path) -> bytes:
    """The server secret in `path`, made (random, mode 0600) the first time.

    Created under a temporary name and linked into place, so two processes starting at once
    agree on one secret and nobody ever reads a half-written file.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(SECRET_BYTES))
            try:
                os.link(staging, path)  # fails if another process made it first: theirs is kept
            except FileExistsError:
                pass
        finally:
            staging.unlink(missing_ok=True)
    secret = path.read_bytes()
    if len(secret) < SECRET_BYTES:
        raise IdentityKeyError(
            f"{path} holds {len(secret)} bytes where {SECRET_BYTES} random bytes belong; "
            "remove the file and restart (visitors then get new ids)"
        )
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def new_id() -> str:
    """A fresh random id (128 bits): never guessed, never shared."""
    return _b64(secrets.token_bytes(ID_BYTES))


class Signer:
    """Mints signed ids and checks them against one server secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < SECRET_BYTES:
            raise IdentityKeyError(f"the identity secret must be at least {SECRET_BYTES} bytes")
        self._secret = secret

    def _signature(self, identity: str) -> str:
        return _b64(hmac.new(self._secret, identity.encode(), hashlib.sha256).digest())

    def mint(self) -> str:
        """A new id with its signature: what the browser keeps."""
        return self.sign(new_id())

    def sign(self, identity: str) -> str:
        """The token the browser keeps for this id (an id the server made: see Identities.arrive)."""
        return f"{identity}.{self._signature(identity)}"

    def verify(self, token: object) -> str | None:
        """The id inside a signed token, or None for anything this server did not sign."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
            return None
        identity, signature = token.split(".")
        if not identity or not hmac.compare_digest(signature, self._signature(identity)):
            return None
        return identity

    @property
    def browser_secret(self) -> str:
        """A stable key for BrowserState's own obfuscation (sent to the browser: protects nothing).

        Derived from the server secret so a value stored before a restart still decrypts after it.
        """
        return hmac.new(self._secret, b"browser-state", hashlib.sha256).hexdigest()[:32]


class Identities:
    """The signer, and which id each page (Gradio session_hash) speaks for.

    A binding unused for `idle_s` is forgotten (a closed page sends no more requests), and past
    `max_pages` the least recently used goes; an open page renews its binding on every request and
    rebinds from its stored id on its timer, so forgetting one never costs a visitor their identity.
    A binding is *provisional* when a request made it before any page load (resolve, not arrive):
    only such an id may be adopted by the page that loads with that hash and no stored token.
    """

    def __init__(
        self,
        signer: Signer,
        *,
        idle_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.signer = signer
        self.idle_s = idle_s
        self._clock = clock
        self._max_pages = max_pages
        # hash -> (id, last seen, provisional), oldest first
        self._pages: OrderedDict[str, tuple[str, float, bool]] = OrderedDict()
        self._changed = threading.Condition()  # the lock, and a bound page wakes the requests waiting for it

    def arrive(self, session_hash: str | None, token: object) -> tuple[str, str]:
        """A page loaded with the token it had stored: (its id, the token to store).

        A token that verifies keeps its id. A missing or forged one gets a new id, or the
        provisional id this page's early requests already worked under (see the module docstring).
        """
        identity = self.signer.verify(token)
        with self._changed:
            if identity is None:
                bound = self._pages.get(session_hash) if session_hash else None
                identity = bound[0] if bound is not None and bound[2] else new_id()
                token = self.signer.sign(identity)
            if session_hash:
                self._seen(session_hash, identity, provisional=False)
        return identity, str(token)

    def bind(self, session_hash: str, identity: str) -> None:
        """Requests from this page now speak for `identity` (a verified one)."""
        with self._changed:
            self._seen(session_hash, identity, provisional=False)

    def resolve(self, session_hash: str | None, wait_s: float = 0.0) -> str:
        """The id a request speaks for: its page's, or (a page that never loaded) a new one of its own.

        With `wait_s`, a hash no page has bound yet waits that long for its page's load to bind it.
        """
        if not session_hash:
            return new_id()  # no page at all: nothing to share with anyone
        with self._changed:
            if session_hash not in self._pages and wait_s > 0:
                self._changed.wait_for(lambda: session_hash in self._pages, timeout=wait_s)
            bound = self._pages.get(session_hash)
            identity, provisional = (bound[0], bound[2]) if bound is not None else (new_id(), True)
            self._seen(session_hash, identity, provisional)
            return identity

    def leave(self, session_hash: str | None) -> str | None:
        """The page closed: forget its binding; the id it spoke for (None if it had none)."""
        with self._changed:
            bound = self._pages.pop(session_hash or "", None)
        return bound[0] if bound else None

    def pages(self) -> int:
        with self._changed:
            return len(self._pages)

    def _seen(self, session_hash: str, identity: str, provisional: bool) -> None:
        """Record a request of this page now; forget the idle pages (the oldest come first); wake waiters."""
        now = self._clock()
        self._pages[session_hash] = (identity, now, provisional)
        self._pages.move_to_end(session_hash)
        while self._pages:
            oldest, (_, seen, _) = next(iter(self._pages.items()))
            if now - seen <= self.idle_s and len(self._pages) <= self._max_pages:
                break
            del self._pages[oldest]
        self._changed.notify_all()
