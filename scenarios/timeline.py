"""Resolve a scenario's calendars once into UTC seconds since the start of the horizon.

Nothing downstream of this module touches local time except for labels. Time ``t = 0`` is local
midnight of ``scenario.start`` in ``scenario.timezone``; the horizon is ``[0, length_s)`` and is
treated as cyclic (time ``t`` outside it replays ``t mod length_s``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from scenarios.schema import Channel, RosterRow, Scenario, Site
from scenarios.units import WEEKDAYS, format_time_of_day

UTC = dt.UTC


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """UTC instant of local midnight starting ``day`` in ``zone``."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def local_hour_starts(day: dt.date, zone: ZoneInfo) -> list[tuple[int, dt.datetime]]:
    """``(local hour, UTC start)`` of every local hour that exists on ``day`` in ``zone``.

    A spring-forward day lacks the skipped hour (23 entries); a fall-back day has the repeated
    hour twice (25 entries). Works for zones with half- and quarter-hour offsets.
    """
    found: dict[dt.datetime, int] = {}
    for hour in range(24):
        for fold in (0, 1):
            wall = dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone, fold=fold)
            instant = wall.astimezone(UTC)
            back = instant.astimezone(zone)
            if back.replace(tzinfo=None) == wall.replace(tzinfo=None, fold=0):
                found[instant] = hour
    return sorted(((hour, instant) for instant, hour in found.items()), key=lambda x: x[1])


@dataclass(frozen=True)
class Horizon:
    """The planning horizon on the UTC time line.

    Attributes: ``start_utc`` (aware datetime), ``length_s`` [s], ``interval_s`` [s],
    ``n_intervals``, ``zone`` (planning clock), ``dates`` (planning days in local time).
    """

    start_utc: dt.datetime
    length_s: float
    interval_s: int
    n_intervals: int
    zone: ZoneInfo
    dates: tuple[dt.date, ...]

    @classmethod
    def of(cls, scenario: Scenario) -> Horizon:
        """The horizon of ``scenario``."""
        info = scenario.scenario
        zone = ZoneInfo(info.timezone)
        start = local_midnight(info.start, zone)
        end = local_midnight(info.start + dt.timedelta(days=info.days), zone)
        length = (end - start).total_seconds()
        interval = info.interval_s
        dates = tuple(info.start + dt.timedelta(days=k) for k in range(info.days))
        return cls(start, length, interval, math.ceil(length / interval), zone, dates)

    def seconds(self, instant: dt.datetime) -> float:
        """Seconds from the horizon start to ``instant`` (aware) [s]."""
        return (instant - self.start_utc).total_seconds()

    @cached_property
    def interval_starts_utc(self) -> pd.DatetimeIndex:
        """UTC start of every interval."""
        return pd.date_range(
            self.start_utc, periods=self.n_intervals, freq=pd.Timedelta(seconds=self.interval_s)
        )

    @cached_property
    def interval_starts_local(self) -> pd.DatetimeIndex:
        """Start of every interval on the planning clock."""
        return self.interval_starts_utc.tz_convert(self.zone)

    @cached_property
    def interval_day(self) -> np.ndarray:
        """Planning-day index (0..days-1) of every interval."""
        local = self.interval_starts_local
        first = pd.Timestamp(self.dates[0])
        days = (local.tz_localize(None).normalize() - first).days
        return np.clip(np.asarray(days, dtype=np.int64), 0, len(self.dates) - 1)

    def horizon_day(self, day: dt.date) -> int:
        """Index of the horizon day that a local ``day`` takes its demand from (cyclic).

        A day inside the horizon is itself; a day outside takes the nearest day inside with the
        same weekday; if the horizon is shorter than a week and lacks that weekday, the day
        wraps around the horizon modulo its length.
        """
        offset = (day - self.dates[0]).days
        count = len(self.dates)
        if 0 <= offset < count:
            return offset
        candidates = [k for k in range(count) if (k - offset) % 7 == 0]
        if candidates:
            return min(candidates, key=lambda k: abs(k - offset))
        return offset % count


# --------------------------------------------------------------------------------------------
# Demand


def interval_integrals(
    t0_s: np.ndarray, t1_s: np.ndarray, per_s: np.ndarray, step_s: float, n: int
) -> np.ndarray:
    """Integral of a piecewise-constant function over each of ``n`` intervals of ``step_s``
    [s] from time 0: segment ``k`` holds ``per_s[k]`` (e.g. arrivals per second) on
    ``[t0_s[k], t1_s[k])``, clipped to ``[0, n step_s)``; segments that straddle intervals are
    split by overlap. One value per interval (e.g. expected arrivals)."""
    out = np.zeros(n)
    t0, t1 = np.maximum(t0_s, 0.0), np.minimum(t1_s, n * step_s)
    keep = t1 > t0
    t0, t1, values = t0[keep], t1[keep], per_s[keep]
    if not len(t0):
        return out
    first = np.minimum((t0 // step_s).astype(np.int64), n - 1)
    last = np.clip(np.ceil(t1 / step_s).astype(np.int64) - 1, first, n - 1)
    for k in range(int((last - first).max()) + 1):
        index = first + k
        inside = index <= last
        overlap = np.minimum(t1, (index + 1) * step_s) - np.maximum(t0, index * step_s)
        np.add.at(out, index[inside], (values * np.maximum(overlap, 0.0))[inside])
    return out


@dataclass(frozen=True)
class Demand:
    """Piecewise-constant arrival rates of one channel on ``[0, length_s)``.

    Each row ``k`` is a segment ``[t0_s[k], t1_s[k])`` of region ``region[k]`` (index into
    ``scenario.regions``) with expected ``rate_per_s[k]`` arrivals per second [1/s] before the
    forecast-error multiplier of horizon day ``day[k]``; ``aht_s[k]`` is the mean handle time
    [s] of contacts arriving in it (NaN = the channel's own).
    """

    t0_s: np.ndarray
    t1_s: np.ndarray
    rate_per_s: np.ndarray
    day: np.ndarray
    region: np.ndarray
    aht_s: np.ndarray

    @property
    def expected(self) -> float:
        """Expected arrivals over the horizon (multiplier 1)."""
        return float(np.sum(self.rate_per_s * (self.t1_s - self.t0_s)))


def _day_volumes(channel: Channel) -> list[float]:
    """Expected volume of a whole channel on each weekday (Mon..Sun)."""
    assert channel.volume is not None
    weights = np.asarray(channel.weekday_weights, dtype=float)
    if channel.volume.per == "week":
        return list(channel.volume.count * weights / weights.sum())
    return list(channel.volume.count * weights / weights.mean())


def demand(scenario: Scenario, channel: Channel, horizon: Horizon) -> Demand:
    """Arrival-rate segments of ``channel`` over the horizon (docs/demand.md)."""
    if channel.forecast is not None:
        return _forecast_demand(scenario, channel, horizon)
    shares = scenario.region_shares(channel)
    by_weekday = _day_volumes(channel)
    profile = np.asarray(channel.hourly_profile, dtype=float)
    rows: list[tuple[float, float, float, int, int]] = []
    end = horizon.length_s
    for r_index, region in enumerate(scenario.regions):
        share = shares[region.name]
        if share <= 0:
            continue
        zone = ZoneInfo(region.timezone)
        first = horizon.start_utc.astimezone(zone).date() - dt.timedelta(days=1)
        last = (horizon.start_utc + dt.timedelta(seconds=end)).astimezone(zone).date()
        day = first
        while day <= last:
            hours = local_hour_starts(day, zone)
            next_midnight = local_midnight(day + dt.timedelta(days=1), zone)
            weight_total = sum(profile[h] for h, _ in hours)
            volume = by_weekday[day.weekday()] * share
            h_day = horizon.horizon_day(day)
            for k, (hour, begin) in enumerate(hours):
                stop = hours[k + 1][1] if k + 1 < len(hours) else next_midnight
                t0, t1 = horizon.seconds(begin), horizon.seconds(stop)
                if t1 <= 0 or t0 >= end or profile[hour] <= 0 or weight_total <= 0:
                    continue
                rate = volume * profile[hour] / weight_total / (t1 - t0)
                rows.append((max(t0, 0.0), min(t1, end), rate, h_day, r_index))
            day += dt.timedelta(days=1)
    return _table(rows, [math.nan] * len(rows))


def _forecast_demand(scenario: Scenario, channel: Channel, horizon: Horizon) -> Demand:
    """Segments from a forecast CSV: each row covers one scenario interval from its start.

    Rows without a region are split by the channel's region shares; rows starting outside the
    horizon are ignored.
    """
    table = scenario.forecasts[channel.name]
    shares = scenario.region_shares(channel)
    index = {r.name: k for k, r in enumerate(scenario.regions)}
    origin = horizon.start_utc.timestamp()
    rows: list[tuple[float, float, float, int, int]] = []
    ahts: list[float] = []
    for start, volume, region, aht in zip(
        table.start_utc_s, table.volume, table.region, table.aht_s, strict=True
    ):
        t0 = start - origin
        if not 0 <= t0 < horizon.length_s or volume <= 0:
            continue
        t1 = min(t0 + horizon.interval_s, horizon.length_s)
        day = int(horizon.interval_day[min(int(t0 // horizon.interval_s), horizon.n_intervals - 1)])
        targets = [(region, 1.0)] if region is not None else list(shares.items())
        for name, share in targets:
            if share > 0:
                rows.append((t0, t1, volume * share / (t1 - t0), day, index[name]))
                ahts.append(math.nan if aht is None else aht)
    return _table(rows, ahts)


def _table(rows: list[tuple[float, float, float, int, int]], ahts: list[float]) -> Demand:
    data = np.asarray(rows, dtype=float).reshape(-1, 5)
    return Demand(
        t0_s=data[:, 0].copy(),
        t1_s=data[:, 1].copy(),
        rate_per_s=data[:, 2].copy(),
        day=data[:, 3].astype(np.int64),
        region=data[:, 4].astype(np.int64),
        aht_s=np.asarray(ahts, dtype=float),
    )


# --------------------------------------------------------------------------------------------
# Shifts and pay


@dataclass(frozen=True)
class ShiftInstance:
    """One roster row's shift on one day: ``agents`` people from ``start_s`` to ``end_s``.

    ``row`` indexes ``scenario.roster``; ``day`` is the site-local start date; ``breaks`` are
    ``(after_s, length_s)`` from the start; ``cost_per_agent`` is the pay of one agent who
    shows up, premiums included; ``key`` names the instance for random streams (stable when
    other rows change).
    """

    row: int
    site: int
    day: dt.date
    start_s: float
    end_s: float
    paid_s: float
    breaks: tuple[tuple[float, float], ...]
    agents: int
    cost_per_agent: float
    label: str
    key: str


def _pay_factor_minutes(site: Site, horizon: Horizon, minutes: int) -> np.ndarray:
    """Cumulative pay factor per minute from the horizon start (1 + night + weekend premium)."""
    stamps = pd.date_range(horizon.start_utc, periods=minutes, freq="min").tz_convert(site.timezone)
    minute_of_day = np.asarray(stamps.hour * 60 + stamps.minute)
    factor = np.ones(minutes)
    if site.night is not None:
        begin, end = site.night.from_, site.night.to
        if begin <= end:
            night = (minute_of_day >= begin) & (minute_of_day < end)
        else:
            night = (minute_of_day >= begin) | (minute_of_day < end)
        factor += site.night.premium * night
    factor += site.weekend_premium * (np.asarray(stamps.day_of_week) >= 5)
    return np.concatenate([[0.0], np.cumsum(factor)])


def shift_instances(
    scenario: Scenario, horizon: Horizon, roster: tuple[RosterRow, ...] | None = None
) -> list[ShiftInstance]:
    """Every shift of the roster whose start lies in ``[0, length_s)`` (docs/roster.md).

    Starts are local wall-clock times of the site; a start that does not exist on a
    spring-forward day is moved forward by the gap. A shift may run past the horizon end; the
    engine wraps it to the start (cyclic horizon). On a horizon shorter than a week, a weekday
    shift that starts just before the horizon (a site ahead of the planning clock) and has no
    start of the same weekday inside it wraps to the horizon's end, priced at the wrapped time.
    Labour cost integrates the pay factor over the shift minute by minute in the site's local
    time and scales by paid / length.
    """
    roster = scenario.roster if roster is None else roster
    longest = max((s.length for s in scenario.shifts), default=0.0)
    minutes = math.ceil((horizon.length_s + longest) / 60) + 2
    factors = {
        site.name: _pay_factor_minutes(site, horizon, minutes)
        for site in scenario.sites
        if any(r.site == site.name for r in roster)
    }
    site_index = {s.name: k for k, s in enumerate(scenario.sites)}
    out: list[ShiftInstance] = []
    for row_index, row in enumerate(roster):
        site = scenario.site(row.site)
        shift = scenario.shift(row.shift)
        zone = ZoneInfo(site.timezone)
        first = horizon.start_utc.astimezone(zone).date() - dt.timedelta(days=1)
        last = (horizon.start_utc + dt.timedelta(seconds=horizon.length_s)).astimezone(zone)
        day = first
        while day <= last.date():
            wall = dt.datetime(
                day.year, day.month, day.day, row.start // 60, row.start % 60, tzinfo=zone
            )
            t0 = horizon.seconds(wall.astimezone(UTC))
            if isinstance(row.days, dt.date):
                wanted = day == row.days
                t0 = t0 % horizon.length_s
            else:
                wanted = WEEKDAYS[day.weekday()] in row.days and 0 <= t0 < horizon.length_s
                if (
                    WEEKDAYS[day.weekday()] in row.days
                    and -shift.length < t0 < 0
                    and t0 + 7 * 86400 >= horizon.length_s
                ):
                    # a shorter-than-a-week horizon lacks this weekday's start inside it: the
                    # shift that began just before the horizon wraps to its end (cyclic)
                    wanted, t0 = True, t0 + horizon.length_s
            if wanted and row.agents > 0:
                cum = factors[row.site]
                a = round(t0 / 60)
                b = min(a + round(shift.length / 60), len(cum) - 1)
                hours_weighted = (cum[b] - cum[a]) / 60.0
                cost = site.hourly_cost * hours_weighted * shift.paid_s / shift.length
                out.append(
                    ShiftInstance(
                        row=row_index,
                        site=site_index[row.site],
                        day=day,
                        start_s=t0,
                        end_s=t0 + shift.length,
                        paid_s=shift.paid_s,
                        breaks=tuple((b_.after, b_.length) for b_ in shift.breaks),
                        agents=row.agents,
                        cost_per_agent=float(cost),
                        label=f"{row.site}/{row.shift}/{format_time_of_day(row.start)}/{day}",
                        key=f"{row.site}|{row.shift}|{row.start}|{day.isoformat()}",
                    )
                )
            day += dt.timedelta(days=1)
    return out
