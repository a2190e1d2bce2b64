"""Tours in the shift MILP: people on weekly tours staff the shift columns.

``add_tours`` extends the model of ``optimizer.shifts.model`` when its problem has tours:

* one integer variable per tour, ``t_<tour>``, counts the people on it [people];
* each column's agents equal the people on the tours that work it (``tour_link_<column>``),
  so the shift variables become continuous and the tours are the decisions; a column no tour
  works is fixed at 0;
* the people of a contract at a site are as many in every week of the horizon
  (``people_week_<contract>_<site>_<w>``: each works every week; with one week nothing to add),
  and at most the contract's ``people.max`` there (``people_max_<contract>_<site>``);
* with ``weekends_off = { every = N }``, in each week at least one in N of them has the
  weekend off (``weekends_off_<contract>_<site>_<w>``), so that a rotation over N weeks can
  give each one a whole weekend off (``tours.people`` rotates them); over W >= N weeks, whose
  weekends wrap around as the rotation's do, each person needs ceil(W / N) weekends off (a
  window of N weeks must hold one of them: one in N each week is not enough, e.g. 4 weeks
  with N = 3 need 2 each, 1.33 on average from the weekly rows), so the weekends off of the
  horizon are at least ceil(W / N) times its people (``weekends_off_<contract>_<site>``).

The cost stays on the shift variables (a tour costs its shifts), so the objective is unchanged.
"""

from __future__ import annotations

from collections import defaultdict

import pulp

from optimizer.shifts.model import Model, _expr


def add_tours(model: Model) -> None:
    """Add the tour variables and rows of the module docstring to ``model`` (built without
    them, its shift variables continuous)."""
    problem, prob, name = model.problem, model.prob, model.name
    link: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    groups: dict[tuple[str, str], dict[int, list[tuple[pulp.LpVariable, bool]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for tour in problem.tours:
        var = prob.add_variable(name("t", tour.name), lowBound=0, cat=pulp.LpInteger)
        model.tour[tour.name] = var
        for worked in tour.columns:
            link[worked].append(var)
        groups[tour.contract, tour.site][tour.week].append((var, tour.weekend_off))
    for column in problem.columns:
        x = model.x[column.name]
        terms = link.get(column.name)
        if not terms:
            x.upBound = 0.0
            continue
        prob.addConstraint(
            pulp.LpConstraint(
                _expr([(x, 1.0), *((v, -1.0) for v in terms)]),
                pulp.LpConstraintEQ,
                name("tour_link", column.name),
                0.0,
            )
        )
    settings = {(g.contract, g.site): g for g in problem.tour_groups}
    for (contract, site), weeks in groups.items():
        first = weeks[min(weeks)]
        for week in sorted(weeks)[1:]:
            terms = [(v, 1.0) for v, _ in weeks[week]] + [(v, -1.0) for v, _ in first]
            prob.addConstraint(
                pulp.LpConstraint(
                    _expr(terms), pulp.LpConstraintEQ, name("people_week", contract, site, week), 0
                )
            )
        group = settings.get((contract, site))
        if group is not None and group.max_people is not None:
            prob.addConstraint(
                pulp.LpConstraint(
                    _expr((v, 1.0) for v, _ in first),
                    pulp.LpConstraintLE,
                    name("people_max", contract, site),
                    float(group.max_people),
                )
            )
        every = None if group is None else group.weekends_every
        if every is not None and every > 1:
            for week, tours in sorted(weeks.items()):
                terms = [(v, float(every) * off - 1.0) for v, off in tours]
                prob.addConstraint(
                    pulp.LpConstraint(
                        _expr(terms),
                        pulp.LpConstraintGE,
                        name("weekends_off", contract, site, week),
                        0.0,
                    )
                )
            if len(weeks) >= every:
                needed = -(-len(weeks) // every)  # ceil(W / N) weekends off per person
                terms = [(v, 1.0) for tours in weeks.values() for v, off in tours if off]
                terms += [(v, -float(needed)) for v, _ in first]
                prob.addConstraint(
                    pulp.LpConstraint(
                        _expr(terms),
                        pulp.LpConstraintGE,
                        name("weekends_off", contract, site),
                        0.0,
                    )
                )
        elif every == 1:
            for _, tours in weeks.items():
                for v, off in tours:
                    if not off:
                        v.upBound = 0.0
