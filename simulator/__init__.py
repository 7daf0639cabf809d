"""apio-sim: a simulator of the Netaxis APIO call-center statistics API."""

__version__ = "0.1.0"
