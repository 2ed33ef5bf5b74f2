"""The workshop leaderboard: Bradley-Terry ratings from the room's votes, with bootstrap intervals.

Each vote is a ballot over the round's entrants (a lane on its model). A vote for one entrant among
{A, B, C} is two comparisons, A beats B and A beats C; a "tie" vote counts half a win each way for
every pair of the round's entrants; an "all bad" vote is counted and shown but is no comparison.
The wins go into a matrix (wins[i, j]: how often i beat j, halves included) fitted by
`choix.ilsr_pairwise_dense`; the rating is that log-strength on the Elo scale (1000 + 400·θ/ln 10,
so 400 points are 10:1 odds), lightly regularised so that an entrant that always (or never) wins
still gets a finite rating. The interval is the 2.5-97.5 percentile range over bootstrap resamples
of the ballots (fixed seed: the same votes always give the same board); a resample is a reweighting
of the ballots' matrices, so a board of hundreds of votes takes well under a second. No Gradio here:
the tab is ui/workshop_tab.py.
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
ALPHA = 0.1  # ILSR's pseudo-rate between every pair: finite ratings for an entrant that always (or never) wins
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
    comparisons: int  # pairs of entrants the votes compared (a tie compares each pair once)


def comparisons(ballot: Ballot) -> list[tuple[str, str, float]]:
    """The ballot's (winner, loser, weight) comparisons: a vote wins 1 over each other entrant, a tie 0.5 each way."""
    entrants = list(dict.fromkeys(ballot.entrants))
    if ballot.choice == TIE:
        return [pair for a, b in combinations(entrants, 2) for pair in ((a, b, 0.5), (b, a, 0.5))]
    if ballot.choice not in entrants:  # ALL_BAD, or a choice that is not in the round
        return []
    return [(ballot.choice, other, 1.0) for other in entrants if other != ballot.choice]


def win_matrix(entrants: Sequence[str], ballot: Ballot) -> np.ndarray:
    """wins[i, j]: how much the ballot says entrant i beat entrant j (`entrants`' order)."""
    index = {name: i for i, name in enumerate(entrants)}
    wins = np.zeros((len(entrants), len(entrants)))
    for winner, loser, weight in comparisons(ballot):
        if winner in index and loser in index:
            wins[index[winner], index[loser]] += weight
    return wins


def fit_matrix(wins: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Bradley-Terry log-strengths (mean zero) from a win matrix; all zero when nothing was compared."""
    import choix  # imported on first use: the app starts without it loaded

    if wins.shape[0] < 2 or not wins.any():
        return np.zeros(wins.shape[0])
    params = choix.ilsr_pairwise_dense(wins, alpha=alpha)
    return params - params.mean()


def fit(entrants: Sequence[str], ballots: Sequence[Ballot], alpha: float = ALPHA) -> np.ndarray:
    """Bradley-Terry log-strengths (mean zero), one per entrant in `entrants`' order."""
    wins = sum((win_matrix(entrants, b) for b in ballots), np.zeros((len(entrants), len(entrants))))
    return fit_matrix(wins, alpha)


def _rating(theta: np.ndarray) -> np.ndarray:
    return BASE_RATING + SCALE * theta


def _intervals(entrants: list[str], ballots: list[Ballot]) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles of the ratings over resamples of the ballots (each a multinomial reweighting)."""
    rng = np.random.default_rng(SEED)
    matrices = np.array([win_matrix(entrants, b) for b in ballots])
    weights = rng.multinomial(len(ballots), np.full(len(ballots), 1 / len(ballots)), size=BOOTSTRAPS)
    draws = np.array([fit_matrix(np.tensordot(w, matrices, axes=1)) for w in weights])
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
    compared = sum(len({frozenset(c[:2]) for c in comparisons(b)}) for b in ballots)
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
