"""A squid's usual run, and how far a run is from it: pure functions, no I/O.

A squid's baseline is its last finished runs (at most :data:`MAX_RUNS`, one runs page)
that ended well (done, with a reason that is not a failure). Per measure (duration,
results, credits, credits per result) it keeps the median and the MAD (median absolute
deviation: an outlier moves neither much, unlike a mean and a standard deviation).
With fewer than :data:`MIN_RUNS` comparable runs there is no comparison at all.

A run is flagged on a measure only when it is beyond the median by more than
:data:`MAD_LIMIT` MADs **and** by a ratio (:data:`SLOW_RATIO` / :data:`COSTLY_RATIO`
times the median, or under :data:`FEW_RATIO` of it): the MAD alone flags a squid whose
runs are all alike for a trifle, the ratio alone a squid whose runs always vary.

An active run is compared at its current percent: its elapsed time against the usual
duration times that percent (slow), its results per finished task against the usual
results spread over its tasks (few results), its credits per result so far (costly).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from lobstr_tui.api import Run, StatusKind
from lobstr_tui.api.reasons import is_failure

MAX_RUNS = 30
"""The most finished runs a baseline reads (one runs page)."""
MIN_RUNS = 5
"""Fewer comparable runs than this: "too few runs to compare", and no flags."""
MAD_LIMIT = 3.0
SLOW_RATIO = 2.0
COSTLY_RATIO = 2.0
FEW_RATIO = 0.5
MIN_PERCENT = 10.0
"""An active run's elapsed time is compared at this percent at least: the first minutes
of a run (start-up, a first slow page) say little about its pace."""
MIN_TASK_SHARE = 0.1
"""Results per finished task are compared once this share of the tasks is finished."""
MIN_RESULTS = 10
"""Credits per result are compared from this many results on."""


class Measure(Enum):
    """What a baseline measures of a finished run."""

    DURATION = "duration"
    RESULTS = "results"
    CREDITS = "credits"
    CREDITS_PER_RESULT = "credits per result"


class FlagKind(Enum):
    """How a run differs from its squid's usual run."""

    SLOW = "slow"
    FEW_RESULTS = "few results"
    COSTLY = "costly"


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[half])
    return (ordered[half - 1] + ordered[half]) / 2.0


def mad(values: Sequence[float]) -> float:
    """The median absolute deviation from the median (unscaled)."""
    centre = median(values)
    return median([abs(value - centre) for value in values])


@dataclass(frozen=True, slots=True)
class Spread:
    """One measure over a squid's comparable runs."""

    median: float
    mad: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The median and MAD of ``values``."""
        return cls(median(values), mad(values), len(values))

    def above(self, value: float, ratio: float, *, scale: float = 1.0) -> float | None:
        """``value / usual`` when ``value`` is more than :data:`MAD_LIMIT` MADs above the
        usual and at least ``ratio`` times it (the usual being the median times
        ``scale``); else None."""
        usual, spread = self.median * scale, self.mad * scale
        if usual <= 0 or value <= usual + MAD_LIMIT * spread or value < ratio * usual:
            return None
        return value / usual

    def below(self, value: float, ratio: float, *, scale: float = 1.0) -> float | None:
        """``value / usual`` when ``value`` is more than :data:`MAD_LIMIT` MADs under the
        usual and at most ``ratio`` times it; else None."""
        usual, spread = self.median * scale, self.mad * scale
        if usual <= 0 or value >= usual - MAD_LIMIT * spread or value > ratio * usual:
            return None
        return value / usual


@dataclass(frozen=True, slots=True)
class Flag:
    """A run beyond its squid's usual: ``ratio`` times the usual ``median`` (scaled to
    where the run is), over ``n`` comparable runs."""

    kind: FlagKind
    ratio: float
    median: float
    n: int

    @property
    def text(self) -> str:
        """``slow: 2.4× usual (n=18)``."""
        return f"{self.kind.value}: {ratio_text(self.ratio)} usual (n={self.n})"


def ratio_text(ratio: float) -> str:
    """``2.4×``, ``0.35×``, ``12×``: two significant figures."""
    if round(ratio, 1) >= 10:
        return f"{ratio:.0f}×"
    if ratio >= 1:
        return f"{ratio:.1f}×"
    return f"{ratio:.2g}×"


def ended_well(run: Run) -> bool:
    """Done, and not for a reason that is a failure (website inaccessible, no credits
    left...): the runs a squid's usual is made of."""
    return run.status.kind is StatusKind.DONE and not is_failure(run.done_reason)


def run_seconds(run: Run) -> float | None:
    """How long a finished run took: its end less its start, else its ``duration``."""
    if run.started_at is not None and run.ended_at is not None:
        return max(0.0, (run.ended_at - run.started_at).total_seconds())
    return run.duration


def measures(run: Run) -> dict[Measure, float]:
    """A finished run's measures (those it has: no duration without times)."""
    found = {Measure.RESULTS: float(run.total_results), Measure.CREDITS: run.credit_used}
    seconds = run_seconds(run)
    if seconds is not None and seconds > 0:
        found[Measure.DURATION] = seconds
    if run.total_results > 0:
        found[Measure.CREDITS_PER_RESULT] = run.credit_used / run.total_results
    return found


@dataclass(frozen=True, slots=True)
class Usual:
    """The spread of each measure over ``n`` comparable runs (empty below
    :data:`MIN_RUNS`: nothing is compared then)."""

    n: int
    spreads: dict[Measure, Spread]

    @property
    def enough(self) -> bool:
        """True when there are enough comparable runs to flag anything."""
        return self.n >= MIN_RUNS

    @property
    def note(self) -> str | None:
        """``too few runs to compare (n=3)`` when there are too few; else None."""
        return None if self.enough else f"too few runs to compare (n={self.n})"

    def get(self, measure: Measure) -> Spread | None:
        """The spread of ``measure``, when enough runs have it."""
        spread = self.spreads.get(measure)
        return spread if spread is not None and spread.n >= MIN_RUNS else None


def usual_of(runs: Iterable[Run], *, exclude: str | None = None) -> Usual:
    """The usual run of the comparable runs among ``runs`` (the newest
    :data:`MAX_RUNS` given; ``exclude``: a run not to compare with itself)."""
    comparable = [run for run in runs if ended_well(run) and run.id != exclude][:MAX_RUNS]
    if len(comparable) < MIN_RUNS:
        return Usual(len(comparable), {})
    values: dict[Measure, list[float]] = {}
    for run in comparable:
        for measure, value in measures(run).items():
            values.setdefault(measure, []).append(value)
    return Usual(len(comparable), {m: Spread.of(v) for m, v in values.items()})


@dataclass(frozen=True, slots=True)
class Baseline:
    """A squid's last finished runs, newest first (every outcome, for its history
    picture; the comparable ones make its usual run), read at ``read_at``; ``error``:
    why the last read failed (the runs are then those of the read before, if any)."""

    squid_id: str
    runs: tuple[Run, ...]
    read_at: datetime
    error: str | None = None

    @property
    def usual(self) -> Usual:
        """The usual run over all the comparable runs."""
        return usual_of(self.runs)


def baseline_from(squid_id: str, runs: Iterable[Run], read_at: datetime) -> Baseline:
    """The baseline of a squid from its runs page (newest first): its finished runs."""
    done = tuple(run for run in runs if run.status.is_terminal)[:MAX_RUNS]
    return Baseline(squid_id, done, read_at)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an active run is: from one stats read (elapsed and percent read together),
    with the run's credits."""

    elapsed: float | None
    percent: float | None
    tasks_done: int
    tasks_total: int
    results: int
    credits: float | None


def judge_active(usual: Usual, at: Progress) -> tuple[Flag, ...]:
    """The flags of an active run against its squid's ``usual`` run, at its percent."""
    if not usual.enough:
        return ()
    flags: list[Flag] = []
    duration = usual.get(Measure.DURATION)
    if duration is not None and at.elapsed is not None and at.percent is not None:
        scale = max(MIN_PERCENT, min(100.0, at.percent)) / 100.0
        ratio = duration.above(at.elapsed, SLOW_RATIO, scale=scale)
        if ratio is not None:
            flags.append(Flag(FlagKind.SLOW, ratio, duration.median * scale, usual.n))
    results = usual.get(Measure.RESULTS)
    if results is not None and at.tasks_total > 0 and at.tasks_done >= max(
            1, math.ceil(at.tasks_total * MIN_TASK_SHARE)):
        # The usual results spread evenly over this run's tasks: per finished task.
        scale = 1.0 / at.tasks_total
        ratio = results.below(at.results / at.tasks_done, FEW_RATIO, scale=scale)
        if ratio is not None:
            flags.append(Flag(FlagKind.FEW_RESULTS, ratio, results.median * scale, usual.n))
    flags.extend(_costly(usual, at.results, at.credits))
    return tuple(flags)


def judge_ended(usual: Usual, run: Run) -> tuple[Flag, ...]:
    """The flags of a run that ended done, against the usual of the others."""
    if not usual.enough or run.status.kind is not StatusKind.DONE:
        return ()
    flags: list[Flag] = []
    duration, seconds = usual.get(Measure.DURATION), run_seconds(run)
    if duration is not None and seconds is not None:
        ratio = duration.above(seconds, SLOW_RATIO)
        if ratio is not None:
            flags.append(Flag(FlagKind.SLOW, ratio, duration.median, usual.n))
    results = usual.get(Measure.RESULTS)
    if results is not None:
        ratio = results.below(float(run.total_results), FEW_RATIO)
        if ratio is not None:
            flags.append(Flag(FlagKind.FEW_RESULTS, ratio, results.median, usual.n))
    flags.extend(_costly(usual, run.total_results, run.credit_used))
    return tuple(flags)


def _costly(usual: Usual, results: int, credits: float | None) -> list[Flag]:
    spread = usual.get(Measure.CREDITS_PER_RESULT)
    if spread is None or credits is None or results < MIN_RESULTS:
        return []
    ratio = spread.above(credits / results, COSTLY_RATIO)
    return [] if ratio is None else [Flag(FlagKind.COSTLY, ratio, spread.median, usual.n)]
