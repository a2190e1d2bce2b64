"""The simulation-verified plan: the loop of rounds (``loop``; one round: ``rounds``), what it
returns (``outcome``), the fresh-seed check (``verification``) and its statistical verdict
(``verdict``), the raises of asynchronous and daily requirements (``corrections``), the
time budget (``budget``), plain-language reasons (``explain``), ``plan.json`` (``summary``)
and the files the optimizer writes (``files``)."""
