"""Tours to people: who works which tour in each week (``[[contracts]]``, issue 11).

For each (contract, site) the optimizer keeps the same number H of people in every week; they
become ``{site}-{contract}-001`` to ``-H``, one tour each per week. Weeks are 0..W-1 (W = days /
7 rounded up), Monday to Sunday; the horizon is cyclic, so week 0 follows week W-1.

The rotation (``tours.rotation``) plans each (contract, site): a greedy minimum-cost
assignment of each week's slots to the people, costed on rest and weekends-off breaches, then
fairness of nights and weekend days, then changes of template or start; then improved by
sweeps and block swaps, and restarted from other first weeks while breaches remain.

**Guaranteed**: every slot filled by one person each week; the same input gives the same rows
(ties broken by index, never by hash order); breaches left reported in
``PeopleAssignment.breaches`` as ``scenarios.rules.breaches(..., cyclic=True)`` finds them,
never raised. **Not guaranteed**: no breach whenever a breach-free plan exists (a
multi-dimensional assignment, NP-hard; none was left on 3,000 random instances built to admit
one, as in ``tests/test_people.py``); night and weekend counts within one of the mean, which
depends on the mix of tours (asserted for balanced rotations). W = 1: everyone keeps their
tour. Time: O(H³) per assignment, about 0.6 s for H = 300 over four weeks and 6 s for
H = 1,000 (up to four times more when the tours cannot keep the rules and restarts run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from zoneinfo import ZoneInfo

from optimizer.tours.rotation import Slot, rotation, slot
from optimizer.tours.tour import Tour
from scenarios import rules
from scenarios.schema import Scenario, ScheduleRow


@dataclass(frozen=True)
class PeopleAssignment:
    """People on tours: ``rows``, one per person and working date sorted by site, contract,
    person and date, and ``breaches``, every contract rule they break as
    ``scenarios.rules.breaches(scenario, rows, cyclic=True)`` finds it (``Breach.row`` indexes
    ``rows``): rest and weekends off the rotation could not avoid, and any rule a tour itself
    breaks. Empty when the schedule keeps every rule."""

    rows: tuple[ScheduleRow, ...]
    breaches: tuple[rules.Breach, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """One line per breach: ``person date: rule: message``."""
        return tuple(
            f"{self.rows[b.row].person} {self.rows[b.row].date}: {b.rule}: {b.message}"
            for b in self.breaches
        )


def _weeks(scenario: Scenario) -> int:
    """Weeks W of the horizon: its days / 7, rounded up."""
    return -(-scenario.scenario.days // 7)


def _check(scenario: Scenario, tours: Sequence[Tour], counts: Mapping[str, int]) -> None:
    """Raise ``ValueError`` listing every problem of the input, one line each."""
    errors: list[str] = []
    names = [t.name for t in tours]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        errors.append(f"tour names must be unique, repeated: {', '.join(twice)}")
    named = set(names)
    for name, count in sorted(counts.items()):
        if name not in named:
            errors.append(f"counts names {name!r}, which is not one of the tours")
        if isinstance(count, bool) or not isinstance(count, Integral) or count < 0:
            errors.append(f"counts[{name!r}] must be a non-negative integer, got {count!r}")
    weeks = _weeks(scenario)
    known = {
        "contract": {c.name for c in scenario.contracts},
        "site": {s.name for s in scenario.sites},
        "shift": {s.name for s in scenario.shifts},
    }
    for tour in tours:
        for field, values in known.items():
            if getattr(tour, field) not in values:
                errors.append(f"tour {tour.name!r}: unknown {field} {getattr(tour, field)!r}")
        if not 0 <= tour.week < weeks:
            errors.append(f"tour {tour.name!r}: week {tour.week} is not in 0..{weeks - 1}")
        if not tour.dates and counts.get(tour.name, 0):
            errors.append(f"tour {tour.name!r}: has people but no dates")
    if errors:
        raise ValueError("\n".join(errors))
    totals: dict[tuple[str, str], list[int]] = {}
    for tour in tours:
        totals.setdefault((tour.contract, tour.site), [0] * weeks)[tour.week] += int(
            counts.get(tour.name, 0)
        )
    for (contract, site), people in sorted(totals.items()):
        if len(set(people)) > 1:
            by_week = ", ".join(f"week {w}: {n}" for w, n in enumerate(people))
            errors.append(f"{contract} at {site}: people differ between weeks ({by_week})")
    if errors:
        raise ValueError("\n".join(errors))


def plan_people(
    scenario: Scenario, tours: Sequence[Tour], counts: Mapping[str, int]
) -> PeopleAssignment:
    """People on ``tours``: ``counts[tour.name]`` people (missing = 0) work each tour, one
    tour per person per week (weeks 0..W-1, W = the horizon's days / 7 rounded up), named
    ``{site}-{contract}-{k:03d}`` from k = 1 within each (contract, site) in the order of
    their week-0 tours; the rotation is ``tours.rotation``'s, what it guarantees is in the
    module docstring.

    Raises ``ValueError`` listing every problem: unknown tour names in ``counts``, negative
    or non-integer counts, tours of unknown contracts, sites or templates or outside the
    horizon's weeks, and (contract, site) pairs whose people differ between weeks."""
    _check(scenario, tours, counts)
    info = scenario.scenario
    origin = dt.datetime.combine(info.start, dt.time(), tzinfo=ZoneInfo(info.timezone))
    horizon_s = info.days * 86400.0  # the cyclic shift of scenarios.rules
    by_group: dict[tuple[str, str], list[list[Slot]]] = {}
    ordered = sorted(tours, key=lambda t: (t.shift, t.start_min, sorted(t.dates), t.name))
    for tour in ordered:
        if counts.get(tour.name, 0):
            slots = by_group.setdefault(
                (tour.contract, tour.site), [[] for _ in range(_weeks(scenario))]
            )
            slots[tour.week].extend([slot(scenario, tour, origin)] * int(counts[tour.name]))
    rows: list[ScheduleRow] = []
    for (contract, site), slots in sorted(by_group.items()):
        group = rotation(scenario.contract(contract), slots, horizon_s)
        width = max(3, len(str(group.size)))
        rank = {id(slot): j for j, slot in reversed(list(enumerate(slots[0])))}
        order = sorted(range(group.size), key=lambda k: (rank[id(group.person(k)[0])], k))
        for number, k in enumerate(order, start=1):
            rows.extend(
                ScheduleRow.model_construct(  # trusted values in stored units
                    person=f"{site}-{contract}-{number:0{width}d}",
                    site=site,
                    contract=contract,
                    date=day,
                    shift=slot.tour.shift,
                    start=slot.tour.start_min,
                )
                for slot in group.person(k)
                for day in slot.tour.dates
            )
    rows.sort(key=lambda r: (r.site, r.contract or "", r.person, r.date, r.start))
    found = rules.breaches(scenario, rows, cyclic=True)
    return PeopleAssignment(rows=tuple(rows), breaches=tuple(found))


def assign_people(
    scenario: Scenario, tours: Sequence[Tour], counts: Mapping[str, int]
) -> tuple[ScheduleRow, ...]:
    """The rows of ``plan_people(scenario, tours, counts)``: one ``ScheduleRow`` per person
    and working date, sorted by (site, contract, person, date)."""
    return plan_people(scenario, tours, counts).rows
