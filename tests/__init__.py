"""Workdiary's test suite: tests/ mirrors the packages; e2e/ runs the whole program."""
