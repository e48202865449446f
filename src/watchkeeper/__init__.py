"""Watchkeeper: an intelligence workbench for the Russia–DPRK military partnership."""

__version__ = "0.1.0"
