"""Tests of the tracking engine."""
