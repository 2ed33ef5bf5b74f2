"""The operator's money: caps on what visitors may spend of the operator's provider keys.

`PLAYGROUND_BUDGET_USD_PER_SESSION` caps one visitor (one signed browser id), and
`PLAYGROUND_BUDGET_USD_PER_DAY` all visitors together in a UTC day. Only remote calls paid with the
operator's keys count: local models cost no money, and a visitor's own key is theirs to spend.

Before a call is sent the gateway reserves its worst case (the prompt's tokens, plus every token
the answer may have, at litellm's prices); a reservation that would take the session or the day
past its cap is refused with one line, so nothing is sent. After the call the reservation is
settled at the call's actual cost (or at the worst case, when the answer was cut off and its
usage is unknown). Reservations count while calls are in flight, so parallel lanes and repeats
cannot pass a cap together. The day's total is kept in `<cache>/budget/<YYYY-MM-DD>.json`, so a
restart does not reset it; a session's total lives as long as the process.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playground.errors import ModelError

SESSION_SETTING = "PLAYGROUND_BUDGET_USD_PER_SESSION"
DAY_SETTING = "PLAYGROUND_BUDGET_USD_PER_DAY"


class BudgetExceeded(ModelError):
    """A call would take a session or the day past its budget; one line, nothing was sent."""


@dataclass(frozen=True)
class Reservation:
    """Money held for one call in flight."""

    session: str
    day: str
    amount: float


@dataclass(frozen=True)
class Spend:
    """What a session and the whole app have spent today, with the caps (None: no cap)."""

    session_usd: float
    day_usd: float
    session_cap: float | None
    day_cap: float | None

    def line(self) -> str:
        """One line for the page, e.g. "Spent this session: $0.0123 of $0.50; today, all visitors: $1.20 of $5.00"."""

        def part(spent: float, cap: float | None) -> str:
            return f"${spent:.4f}" + (f" of {usd(cap)}" if cap is not None else "")

        return (
            f"Spent on the operator's keys this session: {part(self.session_usd, self.session_cap)}; "
            f"today, all visitors: {part(self.day_usd, self.day_cap)}"
        )


def usd(amount: float) -> str:
    """Dollars as a person reads them: cents from $1, more decimals below (so $0.00012 is not $0.0001)."""
    if amount >= 1:
        return f"${amount:,.2f}"
    return f"${amount:.4f}" if amount >= 0.01 else f"${amount:.6f}"


def _day(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


class Budget:
    """A thread-safe ledger of the operator's spending, per session and per UTC day."""

    def __init__(
        self,
        per_session_usd: float | None,
        per_day_usd: float | None,
        ledger_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_session_usd = per_session_usd
        self.per_day_usd = per_day_usd
        self.ledger_dir = Path(ledger_dir)
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, float] = {}  # settled spending per session (this process)
        self._held_session: dict[str, float] = {}  # reserved, in flight
        self._day = ""
        self._day_spent = 0.0
        self._held_day = 0.0

    @property
    def active(self) -> bool:
        """True when a cap is set; without one, nothing is estimated or refused."""
        return self.per_session_usd is not None or self.per_day_usd is not None

    def _roll(self) -> str:
        """Today's UTC date, loading its total from the ledger when the day changed (lock held)."""
        today = _day(self._clock())
        if today != self._day:
            self._day, self._held_day = today, 0.0
            self._day_spent = self._read_day(today)
        return today

    def _read_day(self, day: str) -> float:
        try:
            return float(json.loads((self.ledger_dir / f"{day}.json").read_text())["spent_usd"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0

    def _write_day(self) -> None:
        self.ledger_dir.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".budget.", dir=self.ledger_dir)
        with os.fdopen(fd, "w") as out:
            json.dump({"day": self._day, "spent_usd": round(self._day_spent, 8)}, out)
        os.replace(staging, self.ledger_dir / f"{self._day}.json")

    def reserve(self, session: str, amount: float, model: str) -> Reservation:
        """Hold `amount` dollars for a call of `model`; BudgetExceeded (nothing held) past a cap."""
        with self._lock:
            day = self._roll()
            spent = self._sessions.get(session, 0.0) + self._held_session.get(session, 0.0)
            if self.per_session_usd is not None and spent + amount > self.per_session_usd:
                raise BudgetExceeded(
                    f"this answer from {model} could cost up to {usd(amount)}, and this session has spent "
                    f"{usd(spent)} of its {usd(self.per_session_usd)} budget: it was not sent (the operator can "
                    f"raise {SESSION_SETTING})"
                )
            today = self._day_spent + self._held_day
            if self.per_day_usd is not None and today + amount > self.per_day_usd:
                raise BudgetExceeded(
                    f"this answer from {model} could cost up to {usd(amount)}, and this app has spent {usd(today)} "
                    f"of today's {usd(self.per_day_usd)} budget: it was not sent (the operator can raise "
                    f"{DAY_SETTING}; the day starts again at 00:00 UTC)"
                )
            self._held_session[session] = self._held_session.get(session, 0.0) + amount
            self._held_day += amount
            return Reservation(session, day, amount)

    def settle(self, held: Reservation, actual: float | None) -> None:
        """The call ended: replace what was held by what it cost (None: it failed and cost nothing)."""
        with self._lock:
            self._held_session[held.session] = max(0.0, self._held_session.get(held.session, 0.0) - held.amount)
            cost = max(0.0, actual or 0.0)
            if held.day == self._roll():
                self._held_day = max(0.0, self._held_day - held.amount)
                self._day_spent += cost
                if cost:
                    self._write_day()
            elif cost:  # the call began yesterday: it is yesterday's spending
                previous = self._read_day(held.day) + cost
                self.ledger_dir.mkdir(parents=True, exist_ok=True)
                (self.ledger_dir / f"{held.day}.json").write_text(json.dumps({"day": held.day, "spent_usd": previous}))
            self._sessions[held.session] = self._sessions.get(held.session, 0.0) + cost

    def spend(self, session: str) -> Spend:
        """What this session and all visitors have spent today (settled calls only)."""
        with self._lock:
            self._roll()
            return Spend(self._sessions.get(session, 0.0), self._day_spent, self.per_session_usd, self.per_day_usd)
