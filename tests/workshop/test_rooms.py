"""Workshop rooms: unique codes, one vote per participant, labels hidden until the reveal, idle rooms expire."""

from __future__ import annotations

import random
import threading

import pytest

from playground.errors import PlaygroundError, UsageError
from playground.records import Answer
from playground.workshop.rooms import (
    ALPHABET,
    CODE_LENGTH,
    NoRoundError,
    Rooms,
    RoomsFullError,
    UnknownRoomError,
    VoteError,
    WorkshopError,
    labels_for,
    normalize_code,
)

LANES = ["prompting", "rag", "finetuned"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _done(lane: str, text: str | None = None, error: str | None = None) -> Answer:
    return Answer(lane, "local/m", text=text if text is not None else f"answer of {lane}", error=error, done=True)


def _round(rooms: Rooms, code: str, lanes: list[str] = LANES, question: str = "Why?") -> int:
    number = rooms.start_round(code, question, lanes)
    rooms.record_answers(code, number, {lane: _done(lane) for lane in lanes})
    return number


@pytest.fixture
def rooms() -> Rooms:
    return Rooms(idle_s=60, rng=random.Random(7))


def test_codes_are_short_unambiguous_and_unique() -> None:
    rooms = Rooms(rng=random.Random(1))
    codes = [rooms.open() for _ in range(500)]
    assert len(set(codes)) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set("0O1IL") & set(ALPHABET)


def test_codes_stay_unique_when_the_generator_repeats_itself() -> None:
    class Repeating(random.Random):
        def __init__(self) -> None:
            super().__init__(0)
            self.calls = 0

        def choice(self, seq):  # the first two codes drawn are the same
            self.calls += 1
            return seq[0] if self.calls <= 2 * CODE_LENGTH else super().choice(seq)

    rooms = Rooms(rng=Repeating())
    assert rooms.open() != rooms.open()


def test_a_typed_code_is_forgiving_about_case_and_spaces(rooms: Rooms) -> None:
    code = rooms.open()
    typed = f" {code[:2].lower()} {code[2:]} "
    assert normalize_code(typed) == code
    assert rooms.join(typed, "p1").code == code


def test_unknown_code_is_a_clear_usage_error(rooms: Rooms) -> None:
    with pytest.raises(UnknownRoomError, match="no workshop room has the code ZZZZZ") as caught:
        rooms.join("zzzzz", "p1")
    assert isinstance(caught.value, WorkshopError | UsageError | PlaygroundError)
    assert caught.value.exit_code == 2
    with pytest.raises(UnknownRoomError, match=r"\(none\)"):
        rooms.view("")


def test_vote_and_reveal_before_any_round_are_errors(rooms: Rooms) -> None:
    code = rooms.open()
    with pytest.raises(NoRoundError, match="no round yet"):
        rooms.reveal(code)
    with pytest.raises(NoRoundError):
        rooms.vote(code, "p1", "A")
    assert rooms.view(code).current is None


def test_labels_hide_the_lanes_until_the_reveal(rooms: Rooms) -> None:
    code = rooms.open()
    rooms.join(code, "p1")
    _round(rooms, code)
    current = rooms.view(code, "p1").current
    assert current is not None and current.labels == ["A", "B", "C"]
    for choice in current.choices:
        assert choice.lane is None and choice.answer is None and choice.votes is None
        assert choice.text.startswith("answer of ")  # the text is shown, the name is not
    revealed = rooms.reveal(code)
    assert revealed.revealed and sorted(c.lane for c in revealed.choices) == sorted(LANES)
    after = rooms.view(code, "p1").current
    assert after is not None and all(c.lane and c.answer is not None for c in after.choices)
    assert {c.label: c.text for c in after.choices} == {c.label: f"answer of {c.lane}" for c in after.choices}


def test_a_failed_answer_hides_its_error_until_the_reveal(rooms: Rooms) -> None:
    code = rooms.open()
    number = rooms.start_round(code, "Why?", ["finetuned"])
    rooms.record_answers(code, number, {"finetuned": _done("finetuned", "", "finetuned: no adapter for this")})
    hidden = rooms.view(code).current
    assert hidden is not None and hidden.choices[0].failed
    assert "finetuned" not in hidden.choices[0].text and "failed" in hidden.choices[0].text
    shown = rooms.reveal(code).choices[0]
    assert shown.text == "error: finetuned: no adapter for this"


def test_the_mapping_is_shuffled_per_round_and_stable_within_it(rooms: Rooms) -> None:
    code = rooms.open()
    mappings = []
    for _ in range(12):
        _round(rooms, code)
        first = rooms.view(code).current
        again = rooms.view(code).current
        rooms.reveal(code)
        revealed = rooms.view(code).current
        assert first is not None and again is not None and revealed is not None
        assert [c.text for c in first.choices] == [c.text for c in again.choices]
        mappings.append(tuple(c.lane for c in revealed.choices))
    assert len(set(mappings)) > 1, "every round had the same mapping"
    assert {m[0] for m in mappings} != {"prompting"}, "prompting was always A"


def test_one_vote_per_participant_and_a_revote_replaces_it(rooms: Rooms) -> None:
    code = rooms.open()
    for participant in ("p1", "p2", "p3"):
        rooms.join(code, participant)
    _round(rooms, code)
    rooms.vote(code, "p1", "A")
    rooms.vote(code, "p1", "A")  # the same vote twice counts once
    rooms.vote(code, "p2", "b")
    rooms.vote(code, "p3", "A")
    view = rooms.vote(code, "p3", "C")  # changed their mind
    assert view.my_vote == "C" and view.votes_cast == 3
    assert rooms.view(code, "p2").current.my_vote == "B"  # type: ignore[union-attr]
    counts = {c.label: c.votes for c in rooms.reveal(code).choices}
    assert counts == {"A": 1, "B": 1, "C": 1}
    assert {t.label: t.votes for t in rooms.tallies(code)} == counts


def test_bad_votes_are_refused(rooms: Rooms) -> None:
    code = rooms.open()
    number = rooms.start_round(code, "Why?", LANES)
    rooms.record_answers(code, number, {"prompting": _done("prompting")})
    with pytest.raises(VoteError, match="still answering"):
        rooms.vote(code, "p1", "A")
    with pytest.raises(NoRoundError, match="still answering"):
        rooms.reveal(code)
    rooms.record_answers(code, number, {lane: _done(lane) for lane in LANES})
    with pytest.raises(VoteError, match="choose one of A, B, C"):
        rooms.vote(code, "p1", "D")
    rooms.vote(code, "p1", "A")
    rooms.reveal(code)
    with pytest.raises(VoteError, match="closed"):
        rooms.vote(code, "p1", "B")
    assert rooms.view(code, "p1").current.my_vote == "A"  # type: ignore[union-attr]


def test_a_new_round_starts_a_fresh_vote_and_keeps_the_old_one(rooms: Rooms) -> None:
    code = rooms.open()
    _round(rooms, code, question="First?")
    rooms.vote(code, "p1", "A")
    rooms.reveal(code)
    _round(rooms, code, question="Second?")
    current = rooms.view(code, "p1").current
    assert current is not None and current.number == 2 and current.my_vote is None and not current.revealed
    assert current.votes_cast == 0 and all(c.lane is None for c in current.choices)
    tallies = rooms.tallies(code)
    assert [t.round for t in tallies] == [1, 1, 1, 2, 2, 2]
    assert sum(t.votes for t in tallies if t.round == 1) == 1 and not any(t.revealed for t in tallies[3:])


def test_answers_for_lanes_outside_the_round_are_ignored(rooms: Rooms) -> None:
    code = rooms.open()
    number = rooms.start_round(code, "Why?", ["rag"])
    rooms.record_answers(code, number, {"rag": _done("rag"), "chain": _done("chain")})
    assert [t.lane for t in rooms.tallies(code)] == ["rag"]
    with pytest.raises(NoRoundError):
        rooms.record_answers(code, 5, {})
    with pytest.raises(WorkshopError):
        rooms.start_round(code, "Why?", [])


def test_participants_are_counted_once(rooms: Rooms) -> None:
    code = rooms.open()
    rooms.join(code, "p1")
    rooms.join(code, "p1")
    assert rooms.join(code, "p2").participants == 2


def test_idle_rooms_expire_and_activity_keeps_them(rooms: Rooms) -> None:
    clock = Clock()
    rooms = Rooms(idle_s=60, clock=clock, rng=random.Random(3))
    busy, idle = rooms.open(), rooms.open()
    clock.now += 50
    rooms.join(busy, "p1")
    rooms.view(idle)  # reading does not keep a room alive
    clock.now += 20
    assert rooms.view(busy).participants == 1
    with pytest.raises(UnknownRoomError, match="1 minutes without activity"):
        rooms.view(idle)
    assert len(rooms) == 1
    clock.now += 61
    assert len(rooms) == 0


def test_the_number_of_rooms_is_capped() -> None:
    rooms = Rooms(rng=random.Random(0), max_rooms=2)
    rooms.open()
    rooms.open()
    with pytest.raises(RoomsFullError):
        rooms.open()


def test_concurrent_votes_are_all_counted(rooms: Rooms) -> None:
    code = rooms.open()
    _round(rooms, code)

    def vote(n: int) -> None:
        rooms.vote(code, f"p{n}", "ABC"[n % 3])

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {c.label: c.votes for c in rooms.reveal(code).choices} == {"A": 20, "B": 20, "C": 20}


def test_labels_for_counts_past_the_alphabet() -> None:
    assert labels_for(3) == ["A", "B", "C"]
    assert labels_for(28)[-2:] == ["AA", "AB"]


def test_only_the_facilitators_session_runs_rounds_reveals_and_exports() -> None:
    from playground.workshop.rooms import NotHostError

    rooms = Rooms()
    code = rooms.open(host="facilitator")
    rooms.join(code, "mallory")
    for attempt in (
        lambda: rooms.start_round(code, "Q?", ["prompting", "rag"], host="mallory"),
        lambda: rooms.start_round(code, "Q?", ["prompting", "rag"]),
    ):
        with pytest.raises(NotHostError, match="only the facilitator"):
            attempt()
    number = rooms.start_round(code, "Q?", ["prompting", "rag"], host="facilitator")
    with pytest.raises(NotHostError):
        rooms.record_answers(code, number, {}, host="mallory")
    with pytest.raises(NotHostError):
        rooms.reveal(code, host="mallory")
    with pytest.raises(NotHostError):
        rooms.tallies(code, host="mallory")  # a participant cannot read the lanes behind the labels
    assert all(t.lane for t in rooms.tallies(code, host="facilitator"))


def test_tie_and_all_bad_are_votes_counted_apart_from_the_answers(rooms: Rooms) -> None:
    code = rooms.open()
    _round(rooms, code)
    rooms.vote(code, "p1", "A")
    rooms.vote(code, "p2", "tie")
    assert rooms.vote(code, "p3", "all  bad").my_vote == "ALL BAD"
    with pytest.raises(VoteError, match=r"A, B, C, tie, all bad \(not '<SCRIPT><SCRIPT><SCR'\)"):
        rooms.vote(code, "p4", "<script>" * 50)  # refused, and echoed short
    hidden = rooms.view(code).current
    assert hidden is not None and hidden.ties is None and hidden.all_bad is None  # counts wait for the reveal
    assert hidden.votes_cast == 3
    revealed = rooms.reveal(code)
    assert (revealed.ties, revealed.all_bad) == (1, 1)
    assert sum(c.votes or 0 for c in revealed.choices) == 1


def test_each_lanes_model_is_hidden_until_the_reveal_and_feeds_the_ballots(rooms: Rooms) -> None:
    code = rooms.open()
    entrants = {"prompting": "prompting · local/m", "finetuned": "finetuned · support-tone"}
    number = rooms.start_round(code, "Why?", ["prompting", "finetuned"], entrants=entrants)
    rooms.record_answers(code, number, {lane: _done(lane) for lane in entrants})
    assert all(c.entrant is None and c.lane is None for c in rooms.view(code).current.choices)  # type: ignore[union-attr]
    label_of = {}
    rooms.vote(code, "p1", "A")
    rooms.vote(code, "p2", "TIE")
    rooms.vote(code, "p3", "ALL BAD")
    for choice in rooms.reveal(code).choices:
        assert choice.entrant == entrants[choice.lane or ""]
        label_of[choice.label] = choice.entrant
    (votes,) = rooms.round_votes(code)
    assert votes.revealed and votes.entrants == label_of
    ballots = votes.ballots()
    assert sorted(b.choice for b in ballots) == sorted([label_of["A"], "TIE", "ALL BAD"])
    assert all(set(b.entrants) == set(entrants.values()) for b in ballots)
    assert {t.entrant for t in rooms.tallies(code)} == set(entrants.values())


def test_everyone_sees_the_votes_of_revealed_rounds_only(rooms: Rooms) -> None:
    code = rooms.open(host="host")
    for number in (1, 2):
        rooms.start_round(code, "Why?", LANES, host="host")
        rooms.record_answers(code, number, {lane: _done(lane) for lane in LANES}, host="host")
        rooms.vote(code, "p1", "B")
        assert rooms.revealed_votes(code) == []  # nothing before a reveal (round 1 is never revealed)
    rooms.reveal(code, host="host")
    (shown,) = rooms.revealed_votes(code)  # asked by anyone: no host needed
    assert shown.number == 2 and shown.counts["B"] == 1
