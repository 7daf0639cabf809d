"""The simulator's own control API under /__sim/: faults, journal, clock, scenario, reset, namespaces, health.

Kept apart from the emulated APIO endpoints: its own application mounted at the prefix, its own schemas,
never journaled or faulted. Its routes are rows of `simulator.operations`.
"""
