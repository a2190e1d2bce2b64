"""What customers send: the `[[regions]]` and `[[channels]]` tables (volumes, handle times,
patience, targets, callback, bot) and the forecast CSV the loader reads for a channel."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from scenarios.schema_fields import (
    DAY_S,
    MAX_MONEY,
    MAX_WEIGHT,
    MONTH_S,
    WEEK_S,
    Duration,
    Flaw,
    Model,
    Name,
    PositiveDuration,
    Share,
    TimeZone,
)

Weight = Annotated[float, Field(ge=0.0, le=MAX_WEIGHT)]
"""A relative weight, 0..1e6."""

ChannelKind = Literal["voice", "chat", "email", "social"]
Distribution = Literal["lognormal", "gamma", "exponential", "fixed"]
CountsRule = Literal["offered", "answered", "offered_excl_short"]
ConcurrencyModel = Literal["assigned", "shared"]

REAL_TIME_KINDS: frozenset[str] = frozenset({"voice", "chat"})
"""Channel kinds whose customers wait on line and may abandon."""

HOURLY_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    # Office hours with a morning peak and an afternoon shoulder.
    "business": (
        0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.0, 8.0, 8.0,
        7.0, 7.0, 7.5, 7.0, 6.0, 4.5, 2.5, 1.5, 1.0, 0.6, 0.3, 0.2,
    ),
    # Long retail day: steady from morning into the late evening.
    "extended": (
        0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 5.5, 6.0, 6.0,
        6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 5.5, 4.5, 3.0, 1.2,
    ),
    # Social media: quiet mornings, peak in the evening after work.
    "evening": (
        1.0, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.0, 3.5, 3.5,
        4.0, 4.0, 4.0, 4.0, 4.5, 5.0, 6.0, 7.0, 7.5, 7.0, 5.0, 2.5,
    ),
}  # fmt: skip
"""Built-in 24-hour demand profiles (relative weights by local hour)."""


def _hourly_profile(value: Any) -> Any:
    if isinstance(value, str):
        if value not in HOURLY_PROFILES:
            names = ", ".join(HOURLY_PROFILES)
            raise ValueError(f"is not a built-in profile (one of: {names})")
        return HOURLY_PROFILES[value]
    if not isinstance(value, list | tuple):
        raise ValueError("must be 24 weights by local hour or a built-in profile name")
    return tuple(value)


# --------------------------------------------------------------------------------------------
# [[regions]]


class Region(Model):
    """A `[[regions]]` row: where customers are."""

    name: Name = Field(description="Region name.")
    timezone: TimeZone = Field(description="IANA zone; demand patterns follow this local time.")
    share: Share = Field(description="Share of every channel's volume; shares sum to 1.")
    language: Name = Field("any", description="Language its customers need ('any' = anyone).")


# --------------------------------------------------------------------------------------------
# [[channels]]


class Volume(Model):
    """Expected contacts over all regions."""

    per: Literal["week", "day"] = Field(description="'week' or 'day'.")
    count: float = Field(ge=0.0, le=1e8, description="Expected contacts per week or average day.")


class HandleTime(Model):
    """Agent handle time of one contact."""

    mean: PositiveDuration = Field(le=DAY_S, description="Mean handle time, e.g. '6m'.")
    cv: float = Field(1.0, ge=0.0, le=5.0, description="Coefficient of variation.")
    distribution: Distribution = Field(
        "lognormal", description="lognormal, gamma, exponential (cv 1) or fixed (cv 0)."
    )


class Patience(Model):
    """How long a real-time customer waits before abandoning."""

    mean: PositiveDuration = Field(le=DAY_S, description="Mean patience, e.g. '3m'.")
    cv: float = Field(1.0, ge=0.0, le=5.0, description="Coefficient of variation.")
    distribution: Distribution = Field(
        "exponential", description="lognormal, gamma, exponential or fixed."
    )


class Target(Model):
    """The response-time target of a channel."""

    within: PositiveDuration = Field(
        le=MONTH_S, description="Answer (or first response) within this time."
    )
    share: Share = Field(description="Share of contacts that must meet it, e.g. 0.80.")
    counts: CountsRule = Field(
        "offered",
        description=(
            "Denominator: 'offered' (answered + abandoned), 'answered', or "
            "'offered_excl_short' (abandons shorter than short_abandon dropped)."
        ),
    )
    short_abandon: Duration = Field(
        5.0,
        ge=0.0,
        le=3600.0,
        description="Abandons shorter than this are not counted by offered_excl_short.",
    )


class Callback(Model):
    """Voice only: virtual hold. A waiting caller is offered a call back and keeps their place."""

    offer_after: Duration = Field(ge=0.0, le=DAY_S, description="Offer made after this wait.")
    accept_share: Share = Field(description="Share of callers still waiting who accept.")
    within: PositiveDuration = Field(
        le=WEEK_S, description="Target: call back within this time of accepting."
    )


class Bot(Model):
    """A chatbot or self-service step in front of a channel."""

    containment: Share = Field(description="Share resolved by the bot (used when simulating).")
    options: tuple[Share, ...] = Field(
        (), description="Containment levels the optimizer may choose from."
    )
    time: Duration = Field(ge=0.0, le=DAY_S, description="Time every contact spends with the bot.")
    cost_per_session: float = Field(
        0.0, ge=0.0, le=MAX_MONEY, description="Cost of one bot session."
    )
    escalated_handle_time_factor: float = Field(
        1.0, gt=0.0, le=10.0, description="Handle-time multiplier for escalated contacts."
    )
    recontact_share: Share = Field(
        0.0, description="Share of contained contacts that come back without the bot."
    )
    recontact_after: Duration = Field(0.0, ge=0.0, le=MONTH_S, description="When they come back.")


class Redial(Model):
    """Real-time kinds only: customers who abandon and try again (Erlang X retrials)."""

    share: Share = Field(description="Share of abandoning customers who try again.")
    after: PositiveDuration = Field(
        le=WEEK_S, description="Mean of the exponential delay before they try again, e.g. '5m'."
    )


class Resolution(Model):
    """First-contact resolution: contacts handled by an agent that come back unresolved."""

    first_contact: float = Field(
        ge=0.01,
        le=1.0,
        description=(
            "Share of contacts handled by an agent that are resolved (do not come back); at "
            "least 0.01 (at 0.01 each contact comes back 99 times on average; at 0 forever)."
        ),
    )
    repeat_after: PositiveDuration = Field(
        le=MONTH_S, description="Mean of the exponential delay before a repeat contact, e.g. '1d'."
    )
    repeat_channel: str | None = Field(
        None, description="Channel the repeat contacts come back on (default: the same channel)."
    )


class Channel(Model):
    """A `[[channels]]` row: what customers send."""

    name: Name = Field(description="Channel name, referenced by sites and routing.")
    kind: ChannelKind = Field(
        description="voice, chat (real time, may abandon), email or social (asynchronous)."
    )
    volume: Volume | None = Field(None, description="{ per = 'week'|'day', count = N }.")
    forecast: str | None = Field(
        None,
        description=(
            "Alternative to volume: CSV path (relative to the scenario file) with "
            "interval_start (ISO 8601 with offset, years 1900..2200), volume (0..1000000 "
            "contacts in the interval), optional region and aht [s] (> 0, at most 86400), "
            "optional channel (then only the rows of this channel are read, as from a "
            "multi-channel workbench forecast). Regular files of at most 20 MB."
        ),
    )
    weekday_weights: tuple[Weight, ...] = Field(
        (1.0,) * 7, description="7 relative weights, Mon..Sun."
    )
    hourly_profile: Annotated[tuple[Weight, ...], BeforeValidator(_hourly_profile)] = Field(
        HOURLY_PROFILES["flat"],
        description="24 weights by local hour, or flat, business, extended, evening.",
    )
    region_shares: dict[str, Share] | None = Field(
        None, description="Overrides regions.share for this channel."
    )
    forecast_error: float = Field(
        0.0, ge=0.0, le=2.0, description="CV of a per-day gamma volume multiplier (mean 1)."
    )
    handle_time: HandleTime = Field(description="{ mean, cv, distribution }.")
    patience: Patience | None = Field(
        None, description="Real-time kinds only; omitted = nobody abandons."
    )
    target: Target = Field(description="{ within, share, counts, short_abandon }.")
    concurrency: int = Field(1, ge=1, le=10, description="Chat only: contacts held at once.")
    concurrency_slowdown: tuple[Annotated[float, Field(gt=0.0, le=10.0)], ...] | None = Field(
        None, description="Chat only: handle-time factor by number held, e.g. [1.0, 1.25]."
    )
    concurrency_model: ConcurrencyModel = Field(
        "assigned",
        description=(
            "Chat only: 'assigned' fixes a chat's slowdown factor when it is assigned; 'shared' "
            "rescales every held chat's remaining work when the number held changes "
            "(limited processor sharing)."
        ),
    )
    callback: Callback | None = Field(None, description="Voice only: virtual hold.")
    bot: Bot | None = Field(None, description="Chatbot in front of the channel.")
    redial: Redial | None = Field(
        None, description="Real-time kinds only: abandoning customers who try again."
    )
    resolution: Resolution | None = Field(
        None, description="First-contact resolution and where repeat contacts come back."
    )

    @property
    def real_time(self) -> bool:
        """True for voice and chat (customers wait on line)."""
        return self.kind in REAL_TIME_KINDS

    def slowdown(self, held: int) -> float:
        """Handle-time factor for a chat assigned when the agent will hold ``held`` contacts."""
        if self.concurrency_slowdown is None:
            return 1.0
        return self.concurrency_slowdown[min(held, len(self.concurrency_slowdown)) - 1]

    @classmethod
    def flaws(cls, values: Mapping[str, Any]) -> Iterator[Flaw]:
        """Exactly one of volume and forecast; 7 weekday and 24 hourly weights, not all zero;
        patience, concurrency and callback only for the kinds that have them."""
        if "volume" in values and "forecast" in values:
            if values["volume"] is None and values["forecast"] is None:
                yield Flaw(None, "give exactly one of 'volume' and 'forecast'")
            elif values["volume"] is not None and values["forecast"] is not None:
                yield Flaw(None, "give exactly one of 'volume' and 'forecast', not both")
        for key, count, what in (
            ("weekday_weights", 7, "one per weekday, Mon..Sun"),
            ("hourly_profile", 24, "one per local hour"),
        ):
            weights = values.get(key)
            if weights is None:
                continue
            if len(weights) != count:
                yield Flaw(key, f"needs {count} numbers ({what}), not {len(weights)}")
            elif sum(weights) <= 0:
                yield Flaw(key, "weights are all zero: at least one must be above 0")
        kind = values.get("kind")
        if kind is None:
            return  # the rules below depend on the kind
        if values.get("patience") is not None and kind not in REAL_TIME_KINDS:
            yield Flaw("patience", f"is for voice and chat only, not {kind}")
        if kind != "chat" and values.get("concurrency", 1) != 1:
            yield Flaw("concurrency", f"is for chat only, not {kind}")
        slowdown = values.get("concurrency_slowdown")
        if kind != "chat" and slowdown:
            yield Flaw("concurrency_slowdown", f"is for chat only, not {kind}")
        elif slowdown is not None and len(slowdown) != values.get("concurrency", len(slowdown)):
            yield Flaw(
                "concurrency_slowdown",
                f"needs one factor per contact held (concurrency = {values['concurrency']}), "
                f"not {len(slowdown)}",
            )
        if kind != "chat" and values.get("concurrency_model", "assigned") != "assigned":
            yield Flaw("concurrency_model", f"is for chat only, not {kind}")
        if values.get("callback") is not None and kind != "voice":
            yield Flaw("callback", f"is for voice only, not {kind}")
        if values.get("redial") is not None and kind not in REAL_TIME_KINDS:
            yield Flaw("redial", f"is for voice and chat only, not {kind} (nobody abandons)")


class Forecast(Model):
    """A forecast CSV, read and resolved by the loader (not written in the TOML file)."""

    path: str = Field(description="The CSV path as written in the scenario.")
    start_utc_s: tuple[float, ...] = Field(description="Row starts [s since 1970-01-01 UTC].")
    volume: tuple[float, ...] = Field(description="Expected contacts in the row's interval.")
    region: tuple[str | None, ...] = Field(description="Region of the row, None = all.")
    aht_s: tuple[float | None, ...] = Field(description="Mean handle time [s], None = channel's.")
