"""Newsflow's operator side: CLI, settings, local broker, feeders and subscribers."""

from pipeline import __version__

__all__ = ["__version__"]
