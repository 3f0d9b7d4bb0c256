"""Text from outside (a bundle, a memo, a contract's title) made safe to print on a terminal:
control and direction-changing characters are shown as escapes, never acted on."""

from __future__ import annotations

import unicodedata

#: Control characters, format characters (the bidirectional overrides among them), line and
#: paragraph separators, and lone surrogates.
_UNSAFE = ("Cc", "Cf", "Zl", "Zp", "Cs")


def safe(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape (\\x1b, \\u202e)."""
    if text.isprintable():  # the usual case, and quick
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if unicodedata.category(char) not in _UNSAFE:
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def money_text(cents: int) -> str:
    """Cents as the command line writes amounts, two decimals and no currency: 1234 -> 12.34."""
    return f"{cents // 100}.{cents % 100:02d}"
