"""Whole-program tests: the real program as a subprocess on a real X server."""
