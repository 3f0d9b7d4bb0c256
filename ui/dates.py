"""Days written the way the user's locale writes them."""

from __future__ import annotations

from PySide6.QtCore import QLocale


def day_format() -> str:
    """The locale's short date format, with the year in full (Qt's has two digits for some
    locales: "M/d/yy" for en_US becomes "M/d/yyyy", "dd.MM.yy" for de_DE "dd.MM.yyyy").

    Without a locale (C or POSIX, as in many containers) Qt writes "d MM yyyy"; ISO 8601
    reads better there."""
    locale = QLocale()
    if locale.language() is QLocale.Language.C:
        return "yyyy-MM-dd"
    form = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return form if "yyyy" in form else form.replace("yy", "yyyy")
