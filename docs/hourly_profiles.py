"""Draw ``docs/hourly_profiles.png``: the built-in hourly profiles of ``[[channels]]``.

Each profile is shown as the share of a day's volume arriving in each local hour (the weights
divided by their sum, as the demand model spreads a day's volume). Run from the repository
root after changing ``scenarios.schema_demand.HOURLY_PROFILES``::

    .venv/bin/python docs/hourly_profiles.py
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from scenarios.schema import HOURLY_PROFILES

OUT = Path(__file__).resolve().parent / "hourly_profiles.png"


def profile_table() -> pd.DataFrame:
    """One row per profile and local hour: ``profile``, ``hour``, ``share`` of the day."""
    rows = []
    for name, weights in HOURLY_PROFILES.items():
        total = sum(weights)
        rows += [
            {"profile": name, "hour": hour, "share": weight / total}
            for hour, weight in enumerate(weights)
        ]
    return pd.DataFrame(rows)


def profile_chart() -> alt.Chart:
    """Bars of each profile's hourly shares, one panel per profile."""
    return (
        alt.Chart(profile_table())
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title="local hour (start)"),
            y=alt.Y("share:Q", title="share of the day's volume", axis=alt.Axis(format=".0%")),
            facet=alt.Facet(
                "profile:N", columns=2, sort=list(HOURLY_PROFILES), title="hourly_profile"
            ),
        )
        .properties(width=330, height=140)
    )


def main() -> None:
    png = vl_convert.vegalite_to_png(profile_chart().to_dict(), scale=1.5)
    OUT.write_bytes(png)
    print(f"wrote {OUT} ({len(png):,} bytes)")


if __name__ == "__main__":
    main()
