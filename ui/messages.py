"""The app's words for errors: the facts the error states, then what to do in the app."""

from __future__ import annotations

from tracker.errors import TrackerError

#: What to do, by error code, in the desktop app (there is no command line to name here).
ADVICE: dict[str, str] = {
    "no-keyring": (
        "Install or unlock one (GNOME Keyring or KWallet on Linux): Workdiary signs what waits as "
        "soon as it can. Tracking goes on meanwhile."
    ),
    "data-dir-unusable": (
        "Make that folder writable, or start Workdiary with another one in WORKDIARY_DATA_DIR."
    ),
    "memo-required": "Write what you are working on in the Memo field.",
    "autostart-unusable": (
        "Make that folder writable, or set “Start Workdiary when I log in” back as it was "
        "to save the other settings."
    ),
}


def advice(code: str | None) -> str | None:
    return ADVICE.get(code or "")


def explain(error: TrackerError) -> str:
    """The error's facts, then the advice for its code in the app."""
    more = advice(error.code)
    return f"{error} {more}" if more else str(error)
