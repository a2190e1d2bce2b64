"""Speed and memory benchmarks of the simulation engine.

Run them all with ``python -m benchmarks`` (from the repository root). They print a table and
write the figures to ``benchmarks/out/latest.json``; ``benchmarks/README.md`` explains each
figure and its goal. Everything is measured in one process on one core, except the memory run
(a fresh subprocess, so that its peak RSS is its own) and the parallel comparison.
"""
