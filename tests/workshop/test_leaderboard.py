"""The leaderboard's maths: votes as comparisons, Bradley-Terry ratings, bootstrap intervals."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from playground.workshop.leaderboard import ALL_BAD, TIE, Ballot, comparisons, fit, leaderboard

THREE = ("a", "b", "c")


def test_a_vote_for_one_lane_beats_each_other_lane_of_its_round() -> None:
    assert sorted(comparisons(Ballot(THREE, "a"))) == [("a", "b", 1.0), ("a", "c", 1.0)]


def test_a_tie_is_half_a_win_each_way_and_all_bad_is_no_comparison() -> None:
    pairs = comparisons(Ballot(THREE, TIE))
    halves = [("a", "b"), ("b", "a"), ("a", "c"), ("c", "a"), ("b", "c"), ("c", "b")]
    assert sorted(pairs) == sorted((w, lost, 0.5) for w, lost in halves)
    assert comparisons(Ballot(THREE, ALL_BAD)) == []
    assert comparisons(Ballot(THREE, "z")) == []  # a choice outside the round counts for nothing


def test_unregularised_ratings_are_the_bradley_terry_odds() -> None:
    # Two entrants: the maximum-likelihood log-odds is ln(wins of a / wins of b).
    ballots = [Ballot(("a", "b"), "a"), Ballot(("a", "b"), "a"), Ballot(("a", "b"), "b")]
    theta = fit(["a", "b"], ballots, alpha=0.0)
    assert theta[0] - theta[1] == pytest.approx(math.log(2))
    assert theta.sum() == pytest.approx(0.0)


def test_a_tie_is_exactly_half_a_win_each_way() -> None:
    # One win for a and one tie: a has 1.5 wins to b's 0.5, so the log-odds is ln 3.
    theta = fit(["a", "b"], [Ballot(("a", "b"), "a"), Ballot(("a", "b"), TIE)], alpha=0.0)
    assert theta[0] - theta[1] == pytest.approx(math.log(3))
    won = fit(["a", "b"], [Ballot(("a", "b"), "a")] * 2)
    tied = fit(["a", "b"], [Ballot(("a", "b"), "a"), Ballot(("a", "b"), TIE)])
    assert won[0] - won[1] > tied[0] - tied[1] > 0  # regularised, the order stays


def test_the_board_ranks_by_rating_with_intervals_around_it_and_counts_every_vote() -> None:
    ballots = [Ballot(THREE, "a")] * 4 + [Ballot(THREE, "b"), Ballot(THREE, TIE), Ballot(THREE, ALL_BAD)]
    board = leaderboard(ballots)
    assert [s.entrant for s in board.standings] == ["a", "b", "c"]
    assert [s.rank for s in board.standings] == [1, 2, 3]
    for standing in board.standings:
        assert standing.low <= standing.rating <= standing.high
    top = board.standings[0]
    assert (top.wins, top.ties, top.all_bad, top.ballots) == (4, 1, 1, 7)
    assert (board.votes, board.ties, board.all_bad) == (7, 1, 1)
    assert board.comparisons == 5 * 2 + 3  # five votes for one of three (two pairs each), one tie over three pairs
    assert top.low < top.rating < top.high  # the bootstrap gives a real interval, not a point


def test_the_same_votes_always_give_the_same_board() -> None:
    ballots = [Ballot(THREE, "a"), Ballot(THREE, "b"), Ballot(THREE, "a"), Ballot(("a", "c"), "c")]
    assert leaderboard(ballots) == leaderboard(list(ballots))


def test_only_all_bad_votes_rate_nobody_apart() -> None:
    board = leaderboard([Ballot(("a", "b"), ALL_BAD)])
    assert board.comparisons == 0 and board.all_bad == 1
    assert {s.rating for s in board.standings} == {1000.0}
    assert leaderboard([]).standings == ()


def test_an_entrant_that_always_wins_gets_a_finite_rating() -> None:
    board = leaderboard([Ballot(("a", "b"), "a")] * 5)
    assert all(np.isfinite([s.rating, s.low, s.high]).all() for s in board.standings)
    assert board.standings[0].entrant == "a"


def test_a_board_of_hundreds_of_votes_is_quick() -> None:
    entrants = [f"lane-{i}" for i in range(6)]
    ballots = [Ballot(tuple(entrants[i % 6 : i % 6 + 3] or entrants[:3]), entrants[i % 6]) for i in range(400)]
    started = time.perf_counter()
    board = leaderboard(ballots)
    assert time.perf_counter() - started < 5.0  # the reveal waits for it (0.1 s here on 2 busy cores)
    assert board.votes == 400 and len(board.standings) == 6
