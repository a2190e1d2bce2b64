"""The rotation of one (contract, site): which of its H people works which slot (a place on a
tour) in each week, for ``tours.people``. Weeks are 0..W-1, Monday to Sunday, on a cyclic
horizon: week 0 follows week W-1.

**Greedy.** Week 0 hands its slots (each tour repeated as often as people work it, ordered by
template, start, dates, name) to people 1..H; each later week is a minimum-cost assignment of
its slots to the people (``scipy.optimize.linear_sum_assignment``: Crouse 2016, IEEE Trans.
Aerospace and Electronic Systems 52(4):1679-1696), costed on three levels, each above any sum
of the next: (1) **breaches**: less than ``min_rest`` from the person's last shift the week
before (on the last week, also into their week 0), in absolute time with site-local dates and
starts as ``scenarios.rules``; a slot working the weekend (any time from Saturday 00:00 to
Monday 00:00 local, as that rule reads it: a Friday night shift counts) that completes
``weekends_off.every`` worked weekends in a row, windows wrapping around the horizon;
(2) **fairness**: (nights so far - fewest of anyone) x the slot's ``Tour.nights``, plus the
same for weekend days (dates on a Saturday or Sunday): by the rearrangement inequality the
heaviest slots go to who had least, which over an assignment minimises the sum over people of
nights² + weekend days²; (3) **changes** of template or start from the neighbouring weeks.

**Improvement.** Then, at most ``ROUNDS`` times: *sweeps* re-assign each week by the same costs
given both neighbours (kept when cheaper) and *block swaps* exchange two people's slots over
consecutive weeks when that removes breaches or, adding none, lowers the sum of squares (a
block changes rest only at its ends, so a whole rotation phase moves at once). While breaches
remain, all this is redone from up to ``ANCHORS`` - 1 other first weeks; the best plan is kept
(breaches, then fairness, then changes; the first among equals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import linear_sum_assignment

from optimizer.tours.tour import Tour
from scenarios.schema import Scenario
from scenarios.schema_people import Contract

DAY_MIN = 1440
"""Minutes in a day."""
ANCHORS = 4
"""Most first weeks a rotation is tried from (week 0, then others while breaches remain)."""
SWEEPS = 10
"""Most sweeps over the weeks in one round."""
ROUNDS = 3
"""Most rounds of sweeps then block swaps."""
REPAIR_PASSES = 5
"""Most passes of block swaps over the people in one round."""
REPAIR_BUDGET = 50_000
"""Most block swaps looked at in one rotation (bounds the time on tours that cannot keep the
rules)."""
_EPS_S = 1e-6
"""Tolerance on rest [s], as ``scenarios.rules``."""

Block = tuple[int, int]
"""Weeks ``begin`` to ``end`` - 1."""
_FIELDS = ("first_s", "last_s", "length_s", "code")
"""The ``Slot`` fields the cost matrix compares."""


@dataclass(frozen=True)
class Slot:
    """A place on ``tour``. Times [s] from local midnight of the horizon's first day on the
    scenario's clock, as ``scenarios.rules``; shifts in weekday order, Monday first (a week
    wrapped around the horizon has its first days dated at its end, after the week before)."""

    tour: Tour
    first_s: float
    """Start of its first shift."""
    last_s: float
    """Start of its last shift."""
    length_s: float
    """The template's length."""
    weekend_days: int
    """Dates on a Saturday or Sunday [days]."""
    weekend: bool
    """Working time from its week's Saturday 00:00 to Monday 00:00 (``weekends_off``)."""
    code: int
    """Template and start: 1440 x the template's index + the start [min]."""


def slot(scenario: Scenario, tour: Tour, origin: dt.datetime) -> Slot:
    """The slot of ``tour``, timed as ``scenarios.rules`` times a schedule's shifts."""
    zone = ZoneInfo(scenario.site(tour.site).timezone)
    length_s = scenario.shift(tour.shift).length
    dates = sorted(tour.dates, key=lambda d: (d.weekday(), d))

    def start_s(day: dt.date) -> float:
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return (local + dt.timedelta(minutes=tour.start_min) - origin).total_seconds()

    offsets = [(d.weekday() - 5) * DAY_MIN + tour.start_min for d in dates]  # from Saturday
    return Slot(
        tour=tour,
        first_s=start_s(dates[0]),
        last_s=start_s(dates[-1]),
        length_s=length_s,
        weekend_days=sum(d.weekday() >= 5 for d in dates),
        weekend=any(o < 2 * DAY_MIN and o + length_s / 60 > 0 for o in offsets),
        code=[t.name for t in scenario.shifts].index(tour.shift) * DAY_MIN + tour.start_min,
    )


def _rest_s(last_s: Any, length_s: Any, first_s: Any, horizon_s: float) -> Any:
    """Rest [s] from the end of a shift starting at ``last_s`` and lasting ``length_s`` to the
    next start ``first_s``, the first at or after ``last_s`` on the cyclic horizon of
    ``horizon_s`` (as ``scenarios.rules`` wraps the last shift into the first); numbers or
    numpy arrays that broadcast."""
    return (first_s - last_s) % horizon_s - length_s


def _weekend_breach(worked: Sequence[bool | None], week: int, every: int) -> bool:
    """Whether a window of ``every`` consecutive weekends containing ``week`` is all worked,
    windows wrapping around the horizon (as ``scenarios.rules``); None: not planned yet."""
    count = len(worked)
    windows = [[(k + j) % count for j in range(every)] for k in range(count)]
    return any(week in w and all(worked[i] is True for i in w) for w in windows)


def _load(slots: Sequence[Slot]) -> tuple[int, int]:
    """Night shifts and weekend days of ``slots``."""
    return sum(s.tour.nights for s in slots), sum(s.weekend_days for s in slots)


class Group:
    """The people of one (contract, site): ``plan[person][week]``, None until planned."""

    def __init__(
        self, contract: Contract, weeks: list[list[Slot]], horizon_s: float, anchor: int
    ) -> None:
        self.contract, self.weeks, self.horizon_s = contract, weeks, horizon_s
        self.size, self.anchor, self.budget = len(weeks[0]), anchor, REPAIR_BUDGET
        self.plan: list[list[Slot | None]] = [[None] * len(weeks) for _ in weeks[anchor]]
        for person, slot in zip(self.plan, weeks[anchor], strict=True):
            person[anchor] = slot
        self.memo: dict[tuple[int, ...], int] = {}

    def rotate(self) -> None:
        """Greedy from the anchor week on, then rounds of sweeps and block swaps."""
        count = len(self.weeks)
        if count == 1:
            return
        for k in range(1, count):
            self.assign((self.anchor + k) % count)
        for _ in range(ROUNDS):
            self.sweep()
            if not self.improve():
                return

    def person(self, index: int) -> list[Slot]:
        """The whole plan of person ``index`` (once rotated), week 0 first."""
        return [slot for slot in self.plan[index] if slot is not None]

    def score(self) -> tuple[int, int, int]:
        """(breaches, sum of nights² + weekend days², changes): lower is better."""
        breaches = fair = changes = 0
        for index in range(self.size):
            person = self.person(index)
            nights, days = _load(person)
            breaches += self.breaches(person)
            fair += nights**2 + days**2
            after = person[1:] + person[:1]
            changes += sum(a.code != b.code for a, b in zip(person, after, strict=True))
        return breaches, fair, changes

    def breaches(self, person: list[Slot]) -> int:
        """Rest and weekends-off breaches of one person's whole plan (cyclic), memoised."""
        key = tuple(id(slot) for slot in person)
        if key not in self.memo:
            count, found = len(person), 0
            for w in range(count if count > 1 else 0):
                before, after = person[w], person[(w + 1) % count]
                rest = _rest_s(before.last_s, before.length_s, after.first_s, self.horizon_s)
                found += rest < self.contract.min_rest - _EPS_S
            rule = self.contract.weekends_off
            if rule is not None:
                worked = [s.weekend for s in person]
                found += any(_weekend_breach(worked, w, rule.every) for w in range(count))
            self.memo[key] = found
        return self.memo[key]

    def costs(self, week: int) -> np.ndarray:
        """Cost [people x slots] of giving week ``week``'s slots to the people given the weeks
        planned: the three levels of the module docstring."""
        count, slots = len(self.weeks), self.weeks[week]
        least = self.contract.min_rest - _EPS_S
        mine = {f: np.array([getattr(s, f) for s in slots])[None, :] for f in _FIELDS}
        bad = np.zeros((self.size, len(slots)), dtype=np.int64)
        change = np.zeros_like(bad)
        for other, before in (((week - 1) % count, True), ((week + 1) % count, False)):
            them = [p[other] for p in self.plan]
            known = [s for s in them if s is not None]
            if len(known) < len(them):
                continue  # weeks are planned whole: this one is not yet
            theirs = {f: np.array([getattr(s, f) for s in known])[:, None] for f in _FIELDS}
            a, b = (theirs, mine) if before else (mine, theirs)
            bad += _rest_s(a["last_s"], a["length_s"], b["first_s"], self.horizon_s) < least
            change += theirs["code"] != mine["code"]
        rule = self.contract.weekends_off
        if rule is not None:
            must_off = []
            for person in self.plan:
                worked = [None if s is None else s.weekend for s in person]
                worked[week] = True
                must_off.append(_weekend_breach(worked, week, rule.every))
            bad += np.array(must_off)[:, None] & np.array([s.weekend for s in slots])[None, :]
        load = np.array(
            [_load([s for w, s in enumerate(p) if s is not None and w != week]) for p in self.plan]
        )
        load -= load.min(axis=0)
        fair = load @ np.array([_load([s]) for s in slots]).T
        fair_weight = 2 * self.size + 1
        rule_weight = self.size * fair_weight * int(fair.max(initial=0)) + 2 * self.size + 1
        return (rule_weight * bad + fair_weight * fair + change).astype(np.float64)

    def assign(self, week: int) -> None:
        """Give week ``week``'s slots to the people by minimum cost (the greedy pass)."""
        people, chosen = linear_sum_assignment(self.costs(week))
        for person, slot in zip(people, chosen, strict=True):
            self.plan[person][week] = self.weeks[week][slot]

    def sweep(self) -> None:
        """Re-assign each week given all the others, keeping only cheaper assignments, until a
        sweep changes nothing (at most ``SWEEPS``); each change lowers (breaches, fairness,
        changes) lexicographically, so it ends."""
        for _ in range(SWEEPS):
            changed = False
            for week, slots in enumerate(self.weeks):
                cost = self.costs(week)
                column = {id(s): j for j, s in enumerate(slots)}
                now = sum(cost[p, column[id(person[week])]] for p, person in enumerate(self.plan))
                people, chosen = linear_sum_assignment(cost)
                if cost[people, chosen].sum() < now:
                    for person, slot in zip(people, chosen, strict=True):
                        self.plan[person][week] = slots[slot]
                    changed = True
            if not changed:
                return

    def improve(self) -> bool:
        """Block swaps (module docstring) for people with a breach or a night or weekend count
        outside the mean rounded down and up: each takes the swap removing most breaches, then
        most sum of squares, then the earliest block and person. At most ``REPAIR_PASSES``
        passes and ``REPAIR_BUDGET`` swaps a rotation. True when it swapped anything."""
        weeks = len(self.weeks)
        blocks = [(b, e) for b in range(weeks) for e in range(b + 1, weeks + 1)]
        blocks.remove((0, weeks))  # swapping whole plans changes nothing
        people = [self.person(p) for p in range(self.size)]
        bad = [self.breaches(person) for person in people]
        load = [_load(person) for person in people]
        total = [sum(x[k] for x in load) for k in (0, 1)]
        bands = [(t // self.size, -(-t // self.size)) for t in total]
        changed = False
        for _ in range(REPAIR_PASSES):
            found = False
            alike = _alike(people, blocks)
            for p in range(self.size):
                fine = all(lo <= x <= hi for x, (lo, hi) in zip(load[p], bands, strict=True))
                if bad[p] == 0 and fine:
                    continue
                best = self._best_swap(p, people, bad, load, alike)
                if best is not None:
                    _, _, (begin, end), q = best
                    row_p, row_q = self.plan[p], self.plan[q]
                    row_p[begin:end], row_q[begin:end] = row_q[begin:end], row_p[begin:end]
                    for k in (p, q):
                        people[k] = self.person(k)
                        bad[k], load[k] = self.breaches(people[k]), _load(people[k])
                    alike = _alike(people, blocks)
                    found = changed = True
                if self.budget <= 0:
                    return changed
            if not found:
                break
        return changed

    def _best_swap(
        self,
        p: int,
        people: list[list[Slot]],
        bad: list[int],
        load: list[tuple[int, int]],
        alike: dict[Block, list[list[int]]],
    ) -> tuple[int, int, Block, int] | None:
        """The best block swap for person ``p``: (-breaches removed, change of the sum of
        squares, block, other person), or None when none improves; ``alike`` groups the
        people by their slots in each block (``_alike``)."""
        best: tuple[int, int, Block, int] | None = None
        mine = people[p]
        for (begin, end), groups in alike.items():
            my_load = _load(mine[begin:end])
            for others in groups:
                content = people[others[0]][begin:end]
                if all(a is b for a, b in zip(mine[begin:end], content, strict=True)):
                    continue  # the same slots: nothing to gain
                self.budget -= 1
                loss = bad[p] - self.breaches([*mine[:begin], *content, *mine[end:]])
                moved = [t - m for t, m in zip(_load(content), my_load, strict=True)]
                for q in others:
                    # (a + d)² + (b - d)² - a² - b², nights and weekend days
                    fair = sum(2 * d * (load[p][k] - load[q][k] + d) for k, d in enumerate(moved))
                    if loss + bad[q] < 0 or (loss + bad[q] == 0 and fair >= 0):
                        continue  # q's breaches cannot fall below 0
                    self.budget -= 1
                    theirs = people[q]
                    gain = loss + bad[q]
                    gain -= self.breaches([*theirs[:begin], *mine[begin:end], *theirs[end:]])
                    key = (-gain, fair, (begin, end), q)
                    if (gain > 0 or (gain == 0 and fair < 0)) and (best is None or key < best):
                        best = key
        return best


def _alike(people: list[list[Slot]], blocks: list[Block]) -> dict[Block, list[list[int]]]:
    """For each block, the people grouped by the slots they work in it (groups in order of
    their first person, people in index order)."""
    found: dict[Block, list[list[int]]] = {}
    for begin, end in blocks:
        groups: dict[tuple[int, ...], list[int]] = {}
        for q, person in enumerate(people):
            groups.setdefault(tuple(id(s) for s in person[begin:end]), []).append(q)
        found[begin, end] = list(groups.values())
    return found


def rotation(contract: Contract, weeks: list[list[Slot]], horizon_s: float) -> Group:
    """The rotation of one (contract, site) from week 0; while it leaves breaches, also from
    up to ``ANCHORS`` - 1 other weeks spread over the horizon, keeping the best
    (``Group.score``; the earliest among equals)."""
    best = Group(contract, weeks, horizon_s, 0)
    best.rotate()
    score = best.score()
    for anchor in sorted({len(weeks) * k // ANCHORS for k in range(1, ANCHORS)} - {0}):
        if score[0] == 0:
            break
        group = Group(contract, weeks, horizon_s, anchor)
        group.rotate()
        if group.score() < score:
            best, score = group, group.score()
    return best
