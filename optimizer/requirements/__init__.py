"""Staffing requirements per channel, language group, interval and bot level: the demand the
agent queues see (``demand``), the stationary staffing formulas (``staffing``) and the table the
MILP covers (``table``). The names below are the package's public interface."""

from optimizer.requirements.demand import (
    BotVariant,
    ChannelDemand,
    EffectiveDemand,
    bot_options,
    bot_variants,
    channel_demand,
    effective_demand,
    group_sites,
    language_groups,
    productive_share,
)
from optimizer.requirements.staffing import RealTimeModel, daily_allocation
from optimizer.requirements.table import TABLE_COLUMNS, Requirements, requirements

__all__ = [
    "TABLE_COLUMNS",
    "BotVariant",
    "ChannelDemand",
    "EffectiveDemand",
    "RealTimeModel",
    "Requirements",
    "bot_options",
    "bot_variants",
    "channel_demand",
    "daily_allocation",
    "effective_demand",
    "group_sites",
    "language_groups",
    "productive_share",
    "requirements",
]
