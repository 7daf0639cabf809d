"""Thin handlers for the emulated APIO endpoints: parse, validate, call the core, check, render.

Which handler serves which path, and with which credentials, is said once, in `simulator.operations`.
"""
