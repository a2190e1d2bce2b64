"""Forecasting from history: read what a planner has (per-interval counts or per-contact
records), learn volumes in local time, pick a method by rolling-origin backtest, fit handle
times and patience, and write a forecast a scenario's channel can use unchanged."""
