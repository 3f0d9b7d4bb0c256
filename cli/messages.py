"""The command line's words for errors: the facts the error states, then what to do here."""

from __future__ import annotations

from diary.errors import ProtocolError
from tracker.errors import TrackerError

from .program import command

#: What to do, by error code; ``{program}`` is the command the user runs.
ADVICE: dict[str, str] = {
    "unknown-contract": "See them with: {program} contract list",
    "memo-required": 'Give one with --memo "...".',
    "data-dir-unusable": "Choose another with --data-dir or $WORKDIARY_DATA_DIR.",
    "already-running": (
        "Stop it first (Ctrl+C in its terminal; the app quits from its tray menu, with Ctrl+Q, "
        "or with: {program} --quit), or use another --data-dir."
    ),
    "no-keyring": (
        "Install or unlock one and run: {program} sign. Tracking goes on meanwhile; closed "
        "segments wait, unsigned, until the key can be stored."
    ),
    "no-keyring-sign-in": (
        "Install or unlock one (on Debian and Ubuntu, the gnome-keyring package; your desktop "
        "unlocks it when you log in), then sign in again. Tracking works meanwhile, and "
        "nothing tracked is lost."
    ),
    "no-display-for-app": (
        "Start it from your desktop session, where DISPLAY names its X display (for example "
        "DISPLAY=:0 {program})."
    ),
    "bundle-disk-full": "Free some space, or choose another place with -o.",
    "contract-archived": "Bring it back with: {program} contract unarchive NUMBER",
    "not-signed-in": "Sign in with: {program} login URL EMAIL",
    "sign-in-again": (
        "Sign in again with: {program} login URL EMAIL, or {program} login --local for the "
        "marketplace on this computer (nothing waiting is lost)."
    ),
    "marketplace-unreachable": (
        "Nothing waiting is lost: try again with {program} sync, or see {program} status."
    ),
    "receipt-key-changed": (
        "To accept it: {program} login URL EMAIL --accept-new-key (or login --local "
        "--accept-new-key for the marketplace on this computer)."
    ),
    "marketplace-key-changed": (
        "If the marketplace announced a new key, sign in again to accept it: {program} login "
        "URL EMAIL --accept-new-key (or login --local --accept-new-key)"
    ),
    "export-unsigned": (
        "Once signing works (it needs the system keyring; check with: {program} sign), export "
        "again: export signs what waits first."
    ),
}


def advice(code: str | None) -> str | None:
    text = ADVICE.get(code or "")
    return None if text is None else text.format(program=command())


def explain(error: TrackerError | ProtocolError) -> str:
    """The error's facts, then the advice for its code on the command line."""
    more = advice(error.code)
    return f"{error} {more}" if more else str(error)
