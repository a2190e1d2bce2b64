"""Service level of real-time channels per customer language group and interval.

The engine queues contacts per channel and customer language (``SimModel.queues``); a channel's
service level can hide one group's queue falling behind while another's is fine (a language
only one site speaks, say). ``group_cells`` gives, per queue and interval, what a test of
"this group meets its target here" needs, from the engine's per-queue counters
(``ReplicationResult.group_*``), with the channel's counting rule:

* ``offered``: answered within target / (answered + abandoned);
* ``answered``: answered within target / answered;
* ``offered_excl_short``: as ``offered`` without abandons shorter than ``short_abandon``.

Under every rule, a contact still waiting at the end of the run whose target has passed
counts in the denominator as missed. Accepted callbacks leave the denominator, as at the
channel level. Asynchronous channels are
left out (their targets are judged per channel).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.engine import ReplicationResult
from simulation.model import SimModel

GROUP_CELL_COLUMNS = ("channel", "group", "cell", "n", "mean", "sd", "target", "denominator")
"""``cell``: interval index; ``n``: replications with a defined service level; ``mean``,
``sd`` (ddof 1): of the service level over those replications; ``target``: the channel's
target share; ``denominator``: mean contacts the service level is computed over."""


def group_cells(model: SimModel, reps: Sequence[ReplicationResult]) -> pd.DataFrame:
    """One row per real-time queue (channel, language group) and interval; see the module
    docstring for the counting rules and ``GROUP_CELL_COLUMNS`` for the columns."""
    frames = []
    for q, (c, group) in enumerate(model.queues):
        spec = model.channels[c]
        if not spec.real_time:
            continue
        answered = np.stack([r.group_answered[q] for r in reps])
        within = np.stack([r.group_within[q] for r in reps])
        abandoned = np.stack([r.group_abandoned[q] for r in reps])
        missed = np.stack([r.group_open_missed[q] for r in reps])
        if spec.counts == "answered":
            denominator = answered + missed
        elif spec.counts == "offered_excl_short":
            denominator = (
                answered + missed + abandoned - np.stack([r.group_short_abandoned[q] for r in reps])
            )
        else:
            denominator = answered + missed + abandoned
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            sl = np.where(
                denominator > 0, within / np.where(denominator > 0, denominator, 1), np.nan
            )
            frames.append(
                pd.DataFrame(
                    {
                        "channel": spec.name,
                        "group": group,
                        "cell": np.arange(sl.shape[1]),
                        "n": np.sum(~np.isnan(sl), axis=0),
                        "mean": np.nanmean(sl, axis=0),
                        "sd": np.nanstd(sl, axis=0, ddof=1),
                        "target": spec.target_share,
                        "denominator": denominator.mean(axis=0),
                    }
                )
            )
    if not frames:
        return pd.DataFrame({name: [] for name in GROUP_CELL_COLUMNS})
    return pd.concat(frames, ignore_index=True)
