"""Workdiary's tracking engine: input counting, idle, screenshots, segments and the local store."""

__version__ = "0.1.0"
