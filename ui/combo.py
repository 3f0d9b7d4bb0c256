"""The id chosen in a combo box, never read from item data that is None.

PySide6 6.12.0 (pyproject.toml pins below it) got the references of None wrong there: reading item data that is None (an item added with None, or any read of an empty box)
released a reference to None that was never taken, and the window and the diary read their
pickers all day. So no item holds None, and an empty box is never read."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

#: The data of an item that stands for "all of them" in a picker of ids (ids start at 1).
ALL = 0


def chosen_id(combo: QComboBox) -> int | None:
    """The id of the chosen item; None for none chosen, or for the ALL item."""
    if combo.currentIndex() < 0:
        return None
    data = combo.currentData()
    return data if isinstance(data, int) and data != ALL else None
