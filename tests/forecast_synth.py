"""Synthetic history for the forecast tests: the generators live in ``forecasting.synthetic``
(shared with the benchmarks and the notebook)."""

from forecasting.synthetic import contact_rows, interval_rows, rates, write

__all__ = ["contact_rows", "interval_rows", "rates", "write"]
