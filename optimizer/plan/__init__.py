"""The simulation-verified plan: the simulate-and-correct loop (``loop``), the statistical
verdict on a simulated plan (``verdict``), the corrections of the requirements
(``corrections``), plain-language reasons (``explain``), ``plan.json`` (``summary``) and the
files the optimizer writes (``files``)."""
