"""Workshop rooms, kept in memory: a short join code, rounds of anonymised answers, one vote per participant.

A facilitator opens a room and gets a code; participants join with it. Each round is one question
asked of several lanes; its answers are labelled A, B, C… in an order shuffled once per round, and
the lanes' names (and the models they ran on) stay hidden from every view this module hands out
until the facilitator reveals them, which also closes the vote. A participant votes for one answer,
or "tie" (all as good) or "all bad"; `round_votes` hands the revealed rounds' votes to the
leaderboard (playground/workshop/leaderboard.py). A participant is whatever id the caller gives (a visitor's signed
browser id, which survives a reload): each has one vote per round, and a second vote replaces the
first. Where voting needs an account (a Hugging Face login), one account has one vote per round too,
whichever browser casts it. The facilitator is an id as well, so a reload finds their room again.
Rooms nobody acted in for `idle_s` seconds are dropped (reading a room does not keep it alive).
Thread-safe: one lock guards every room.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from playground.errors import UsageError
from playground.limits import Limits, over_limit
from playground.records import Answer
from playground.workshop.leaderboard import ALL_BAD, SPECIAL_VOTES, TIE, Ballot

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed without mistakes
CODE_LENGTH = 5
MAX_ROOMS = 1000  # a public host keeps memory bounded; rooms expire long before a real workshop hits this


class WorkshopError(UsageError):
    """A workshop action that cannot be done now (a usage error: exit code 2)."""


class UnknownRoomError(WorkshopError):
    """No room has this code (never opened, mistyped, or expired)."""


class NoRoundError(WorkshopError):
    """The room has no round yet: nothing to vote on or reveal."""


class VoteError(WorkshopError):
    """The vote cannot be counted: an unknown label, answers still coming, or the vote is closed."""


class NotHostError(WorkshopError):
    """Only the visitor who opened a room may run its rounds, reveal them or export its votes."""


class RoomsFullError(WorkshopError):
    """Too many rooms are open in this process."""


class LoginRequiredError(VoteError):
    """This workshop counts one vote per Hugging Face account: the voter has not signed in."""


def voter_account(login: str, username: str | None) -> str | None:
    """The account a vote counts against: None where no login is required (PLAYGROUND_WORKSHOP_LOGIN)."""
    if login != "hf":
        return None
    if not username:
        raise LoginRequiredError("sign in with Hugging Face to vote: this workshop counts one vote per account")
    return f"hf:{username}"


def normalize_code(code: str | None) -> str:
    """A typed code as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t")


@dataclass(frozen=True)
class Choice:
    """One answer of a round as a participant sees it; lane, record and votes only after the reveal."""

    label: str
    text: str
    done: bool
    failed: bool
    lane: str | None = None
    answer: Answer | None = None
    votes: int | None = None
    entrant: str | None = None  # the lane on its model, e.g. "finetuned · support-tone"


@dataclass(frozen=True)
class RoundView:
    """A round as one viewer sees it (their own vote included)."""

    number: int
    question: str
    choices: tuple[Choice, ...]
    revealed: bool
    votes_cast: int
    my_vote: str | None = None  # a label, TIE or ALL_BAD
    ties: int | None = None  # after the reveal: "tie" votes
    all_bad: int | None = None  # after the reveal: "all bad" votes

    @property
    def answering(self) -> bool:
        """Some lane is still answering: voting opens when every answer is in."""
        return not all(choice.done for choice in self.choices)

    @property
    def labels(self) -> list[str]:
        return [choice.label for choice in self.choices]


@dataclass(frozen=True)
class RoomView:
    """A room as one viewer sees it: its code, how many joined, and the current round."""

    code: str
    participants: int
    rounds: int
    current: RoundView | None


@dataclass(frozen=True)
class Tally:
    """One answer of one round with its lane and votes: a row of the facilitator's table and of the export."""

    round: int
    question: str
    label: str
    lane: str
    votes: int
    revealed: bool
    answer: Answer | None
    entrant: str = ""


@dataclass(frozen=True)
class RoundVotes:
    """One round's entrants by label and its vote counts (labels, TIE, ALL_BAD): the leaderboard's input."""

    number: int
    question: str
    revealed: bool
    entrants: dict[str, str]  # label -> entrant
    counts: dict[str, int]

    def ballots(self) -> list[Ballot]:
        """One ballot per vote cast, over the round's entrants."""
        entrants = tuple(self.entrants.values())
        return [
            Ballot(entrants, choice if choice in SPECIAL_VOTES else self.entrants[choice])
            for choice, count in self.counts.items()
            for _ in range(count)
            if choice in SPECIAL_VOTES or choice in self.entrants
        ]


def labels_for(count: int) -> list[str]:
    """A, B, C… (then AA, AB… past 26, which no workshop needs)."""
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(count)]


@dataclass
class _Round:
    number: int
    question: str
    seed: int
    labels: dict[str, str]  # label -> lane
    entrants: dict[str, str] = field(default_factory=dict)  # lane -> entrant (lane on its model)
    answers: dict[str, Answer] = field(default_factory=dict)  # lane -> latest answer
    votes: dict[str, str] = field(default_factory=dict)  # participant -> label
    accounts: dict[str, str] = field(default_factory=dict)  # account -> the participant whose vote it cast
    revealed: bool = False

    @classmethod
    def start(
        cls, number: int, question: str, lanes: Sequence[str], seed: int, entrants: Mapping[str, str] | None = None
    ) -> _Round:
        shuffled = list(dict.fromkeys(lanes))
        random.Random(seed).shuffle(shuffled)
        labels = dict(zip(labels_for(len(shuffled)), shuffled, strict=True))
        named = {lane: (entrants or {}).get(lane) or lane for lane in shuffled}
        return cls(number, question, seed, labels, named)

    def entrant(self, lane: str) -> str:
        return self.entrants.get(lane) or lane

    def count(self, label: str) -> int:
        return sum(1 for chosen in self.votes.values() if chosen == label)

    def view(self, participant: str | None) -> RoundView:
        choices = []
        for label, lane in self.labels.items():
            answer = self.answers.get(lane)
            done = answer is not None and answer.done
            failed = done and answer is not None and bool(answer.error)
            text = answer.text if answer is not None else ""
            if failed:  # an error message may name the lane or its adapter: shown only with the name
                text = f"error: {answer.error}" if self.revealed and answer else "(no answer: this lane failed)"
            if self.revealed:
                entrant = self.entrant(lane)
                choices.append(Choice(label, text, done, failed, lane, answer, self.count(label), entrant))
            else:
                choices.append(Choice(label, text, done, failed))
        return RoundView(
            self.number,
            self.question,
            tuple(choices),
            self.revealed,
            len(self.votes),
            self.votes.get(participant) if participant is not None else None,
            self.count(TIE) if self.revealed else None,
            self.count(ALL_BAD) if self.revealed else None,
        )

    def round_votes(self) -> RoundVotes:
        counts = {choice: self.count(choice) for choice in [*self.labels, *SPECIAL_VOTES]}
        entrants = {label: self.entrant(lane) for label, lane in self.labels.items()}
        return RoundVotes(self.number, self.question, self.revealed, entrants, counts)


@dataclass
class _Room:
    code: str
    last_active: float
    host: str | None = None  # the facilitator's id: only they run rounds, reveal and export
    participants: set[str] = field(default_factory=set)
    rounds: list[_Round] = field(default_factory=list)

    @property
    def current(self) -> _Round | None:
        return self.rounds[-1] if self.rounds else None


class Rooms:
    """Every open room of one app, by code; rooms idle for `idle_s` seconds are dropped."""

    def __init__(
        self,
        idle_s: float = 3600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        max_rooms: int = MAX_ROOMS,
        per_host: int | None = None,
    ) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._max_rooms = max_rooms
        self._per_host = per_host  # rooms one facilitator's session may hold open (None: no limit)
        self._rooms: dict[str, _Room] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._rooms)

    def open(self, host: str | None = None) -> str:
        """A new room for the facilitator `host` (their visitor id); its code is unique among the open rooms."""
        with self._lock:
            self._expire()
            if len(self._rooms) >= self._max_rooms:
                raise RoomsFullError(f"{self._max_rooms} workshop rooms are open: try again when one has expired")
            if self._per_host is not None and host is not None:
                held = sum(1 for room in self._rooms.values() if room.host == host)
                if held >= self._per_host:
                    raise over_limit(
                        "workshop rooms open by this visitor",
                        held + 1,
                        self._per_host,
                        Limits.setting("rooms_per_visitor"),
                    )
            code = self._new_code()
            self._rooms[code] = _Room(code, self._clock(), host)
            return code

    def join(self, code: str, participant: str) -> RoomView:
        """Join a room (joining twice is joining once); the room as this participant sees it."""
        with self._lock:
            room = self._room(code, touch=True)
            room.participants.add(participant)
            return self._view(room, participant)

    def start_round(
        self,
        code: str,
        question: str,
        lanes: Sequence[str],
        host: str | None = None,
        entrants: Mapping[str, str] | None = None,
    ) -> int:
        """A new round asking `lanes`: their answers get fresh labels; earlier rounds are kept for the export.

        `entrants` names each lane on its model for the leaderboard (a lane's own name where missing).
        """
        if not lanes:
            raise WorkshopError("a round needs at least one lane")
        with self._lock:
            room = self._hosted(code, host)
            number = len(room.rounds) + 1
            room.rounds.append(_Round.start(number, question, lanes, self._rng.getrandbits(32), entrants))
            return number

    def record_answers(self, code: str, number: int, answers: Mapping[str, Answer], host: str | None = None) -> None:
        """The round's answers as they stand (call again as they stream); lanes not in the round are ignored."""
        with self._lock:
            round_ = self._round(self._hosted(code, host), number)
            lanes = set(round_.labels.values())
            round_.answers.update({lane: answer for lane, answer in answers.items() if lane in lanes})

    def vote(self, code: str, participant: str, label: str, account: str | None = None) -> RoundView:
        """Count the participant's vote in the current round, replacing an earlier one.

        With an `account`, the vote also replaces one that account cast from another browser.
        """
        with self._lock:
            room = self._room(code, touch=True)
            round_ = self._round(room)
            label = " ".join(str(label or "").split()).upper()[:20]  # any value may arrive: show a short one
            if round_.revealed:
                raise VoteError("the lanes are revealed: voting on this round is closed")
            if label not in round_.labels and label not in SPECIAL_VOTES:
                allowed = ", ".join([*round_.labels, "tie", "all bad"])
                raise VoteError(f"choose one of {allowed} (not '{label}')")
            if round_.view(None).answering:
                raise VoteError("the lanes are still answering: vote when every answer is in")
            room.participants.add(participant)
            if account is not None:
                earlier = round_.accounts.get(account)
                if earlier is not None and earlier != participant:
                    round_.votes.pop(earlier, None)
                round_.accounts[account] = participant
            round_.votes[participant] = label
            return round_.view(participant)

    def reveal(self, code: str, host: str | None = None) -> RoundView:
        """Show the current round's lanes and votes to everyone; the vote closes."""
        with self._lock:
            round_ = self._round(self._hosted(code, host))
            if round_.view(None).answering:
                raise NoRoundError("the lanes are still answering: reveal when every answer is in")
            round_.revealed = True
            return round_.view(None)

    def view(self, code: str, participant: str | None = None) -> RoomView:
        """The room as this participant (or the facilitator: None) sees it; reading does not keep it alive."""
        with self._lock:
            return self._view(self._room(code), participant)

    def hosted_by(self, host: str) -> str | None:
        """The code of the newest open room `host` runs (a facilitator's page reloaded), if any."""
        with self._lock:
            self._expire()
            return next((c for c, room in reversed(self._rooms.items()) if room.host == host), None)

    def joined_by(self, participant: str) -> str | None:
        """The code of the newest open room `participant` joined (a participant's page reloaded), if any."""
        with self._lock:
            self._expire()
            return next((c for c, room in reversed(self._rooms.items()) if participant in room.participants), None)

    def tallies(self, code: str, host: str | None = None) -> list[Tally]:
        """Every round's answers with their lanes and votes, revealed or not: the facilitator's export."""
        with self._lock:
            room = self._hosted(code, host, touch=False)
            return [
                Tally(
                    r.number, r.question, label, lane, r.count(label), r.revealed, r.answers.get(lane), r.entrant(lane)
                )
                for r in room.rounds
                for label, lane in r.labels.items()
            ]

    def round_votes(self, code: str, host: str | None = None) -> list[RoundVotes]:
        """Every round's entrants and vote counts, revealed or not (the leaderboard keeps the revealed ones)."""
        with self._lock:
            return [r.round_votes() for r in self._hosted(code, host, touch=False).rounds]

    def revealed_votes(self, code: str) -> list[RoundVotes]:
        """The revealed rounds' entrants and counts: what everyone in the room has seen (the participants' board)."""
        with self._lock:
            return [r.round_votes() for r in self._room(code).rounds if r.revealed]

    def _new_code(self) -> str:
        while True:
            code = "".join(self._rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self._rooms:
                return code

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, room in self._rooms.items() if now - room.last_active > self.idle_s]:
            del self._rooms[code]

    def _room(self, code: str, touch: bool = False) -> _Room:
        self._expire()
        wanted = normalize_code(code)
        room = self._rooms.get(wanted)
        if room is None:
            minutes = f"{self.idle_s / 60:.0f} minutes"
            shown = wanted or "(none)"
            raise UnknownRoomError(
                f"no workshop room has the code {shown}: check it with the facilitator "
                f"(a room closes after {minutes} without activity)"
            )
        if touch:
            room.last_active = self._clock()
        return room

    def _hosted(self, code: str, host: str | None, touch: bool = True) -> _Room:
        """The room, if `host` is the visitor who opened it (a participant cannot reveal or run rounds)."""
        room = self._room(code, touch=touch)
        if room.host is not None and host != room.host:
            raise NotHostError(f"only the facilitator who opened room {room.code} can run its rounds, reveal or export")
        return room

    @staticmethod
    def _round(room: _Room, number: int | None = None) -> _Round:
        if not room.rounds:
            raise NoRoundError("this room has no round yet: run a question first")
        if number is None:
            return room.rounds[-1]
        if not 1 <= number <= len(room.rounds):
            raise NoRoundError(f"this room has no round {number}")
        return room.rounds[number - 1]

    @staticmethod
    def _view(room: _Room, participant: str | None) -> RoomView:
        current = room.current.view(participant) if room.current is not None else None
        return RoomView(room.code, len(room.participants), len(room.rounds), current)
