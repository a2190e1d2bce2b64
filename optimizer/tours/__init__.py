"""Weekly tours: a person's week under a contract (``[[contracts]]``).

A tour is which days of the week a person works (the days-off pattern: ``days_per_week``
working days, the days off in one block or anywhere, ``days_off``) and at what start time on
each of them (within the contract's ``start_band``, ``min_rest`` apart). The tour optimizer plans
people on tours instead of independent agent-shifts per day (``[optimizer] plan = "people"``).

This package holds the formulations it builds on: the days-off part (``daysoff``: the week
patterns a contract allows, and the fewest people on them covering daily needs).
"""
