"""Analytic queueing: Erlang B/C/A (``erlang``) and the channel models built on them
(``models``: chat with concurrency, asynchronous backlogs)."""
