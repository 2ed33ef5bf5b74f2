"""The workshop leaderboard: Bradley-Terry ratings from the room's votes, with bootstrap intervals.

Each vote is a ballot over the round's entrants (a lane on its model). A vote for one entrant among
{A, B, C} is two comparisons, A beats B and A beats C; a "tie" vote counts half a win each way for
every pair of the round's entrants; an "all bad" vote is counted and shown but is no comparison.
Half wins are fed to `choix` as whole ones by counting every win twice (a tie: once each way),
which leaves the maximum-likelihood ratings unchanged. The rating is `choix.opt_pairwise`'s
log-strength on the Elo scale (1000 + 400·θ/ln 10, so 400 points are 10:1 odds), lightly regularised
so that an entrant nobody ever voted against still gets a finite rating. The interval is the 2.5-97.5
percentile range over bootstrap resamples of the ballots (fixed seed: the same votes always give the
same board). No Gradio here: the tab is ui/workshop_tab.py.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

TIE = "TIE"  # a vote: every answer is as good as the others
ALL_BAD = "ALL BAD"  # a vote: no answer is good enough (no comparison)
SPECIAL_VOTES = (TIE, ALL_BAD)
BASE_RATING = 1000.0
SCALE = 400.0 / math.log(10.0)
ALPHA = 0.05  # L2 pull towards the mean: finite ratings for an entrant that always (or never) wins
BOOTSTRAPS = 200
SEED = 20260
INTERVAL = (2.5, 97.5)


@dataclass(frozen=True)
class Ballot:
    """One vote: the entrants of its round and what the voter chose (an entrant, TIE or ALL_BAD)."""

    entrants: tuple[str, ...]
    choice: str


@dataclass(frozen=True)
class Standing:
    """One entrant's row of the board: its rating with an interval and what the votes were."""

    rank: int
    entrant: str
    rating: float
    low: float
    high: float
    wins: int  # votes for this entrant
    ties: int  # tie votes in rounds it was in
    all_bad: int  # "all bad" votes in rounds it was in
    ballots: int  # votes cast in rounds it was in


@dataclass(frozen=True)
class Leaderboard:
    """Every entrant's standing, best first, and the room's totals."""

    standings: tuple[Standing, ...]
    votes: int
    ties: int
    all_bad: int
    comparisons: int  # pairwise comparisons the ratings are fitted on (a tie counts as one)


def comparisons(ballot: Ballot) -> list[tuple[str, str]]:
    """The ballot's (winner, loser) pairs, each win counted twice and a tie once each way."""
    entrants = list(dict.fromkeys(ballot.entrants))
    if ballot.choice == TIE:
        return [pair for a, b in combinations(entrants, 2) for pair in ((a, b), (b, a))]
    if ballot.choice not in entrants:  # ALL_BAD, or a choice that is not in the round
        return []
    return [(ballot.choice, other) for other in entrants if other != ballot.choice for _ in range(2)]


def fit(entrants: Sequence[str], ballots: Sequence[Ballot]) -> np.ndarray:
    """Bradley-Terry log-strengths (mean zero), one per entrant in `entrants`' order."""
    import choix  # imported on first use: the app starts without it loaded

    index = {name: i for i, name in enumerate(entrants)}
    pairs = [pair for ballot in ballots for pair in comparisons(ballot)]
    data = [(index[w], index[lost]) for w, lost in pairs if w in index and lost in index]
    if not data or len(entrants) < 2:
        return np.zeros(len(entrants))
    params = choix.opt_pairwise(len(entrants), data, alpha=ALPHA)
    return params - params.mean()


def _rating(theta: np.ndarray) -> np.ndarray:
    return BASE_RATING + SCALE * theta


def _intervals(entrants: list[str], ballots: list[Ballot]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    draws = np.array(
        [fit(entrants, [ballots[i] for i in rng.integers(0, len(ballots), len(ballots))]) for _ in range(BOOTSTRAPS)]
    )
    low, high = np.percentile(_rating(draws), INTERVAL, axis=0)
    return low, high


def leaderboard(ballots: Sequence[Ballot]) -> Leaderboard:
    """The board for these ballots: entrants ranked by rating (ties in rating keep first-seen order)."""
    ballots = list(ballots)
    entrants = list(dict.fromkeys(name for ballot in ballots for name in ballot.entrants))
    wins = Counter(b.choice for b in ballots)
    ties = Counter(name for b in ballots if b.choice == TIE for name in set(b.entrants))
    bad = Counter(name for b in ballots if b.choice == ALL_BAD for name in set(b.entrants))
    seen = Counter(name for b in ballots for name in set(b.entrants))
    compared = sum(len(comparisons(b)) for b in ballots) // 2
    if not entrants:
        return Leaderboard((), 0, 0, 0, 0)
    ratings = _rating(fit(entrants, ballots))
    low, high = _intervals(entrants, ballots) if compared else (ratings, ratings)
    order = sorted(range(len(entrants)), key=lambda i: -ratings[i])
    standings = tuple(
        Standing(
            rank,
            entrants[i],
            round(float(ratings[i]), 1),
            round(float(min(low[i], ratings[i])), 1),
            round(float(max(high[i], ratings[i])), 1),
            wins[entrants[i]],
            ties[entrants[i]],
            bad[entrants[i]],
            seen[entrants[i]],
        )
        for rank, i in enumerate(order, start=1)
    )
    return Leaderboard(standings, len(ballots), wins[TIE], wins[ALL_BAD], compared)
