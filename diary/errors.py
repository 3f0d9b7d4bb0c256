"""The protocol's errors: each carries a stable code and the facts; front ends say what to do."""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of the errors the protocol package raises on purpose. ``str(error)`` states what
    is wrong, in a sentence, and never how to run a program about it."""

    code = "protocol"


class BadBundle(ProtocolError):
    """A file given to verify is not a readable Workdiary bundle."""

    code = "bad-bundle"
