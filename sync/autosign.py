"""An engine listener that signs whatever the engine has just closed or amended."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tracker.errors import TrackerError
from tracker.events import EngineEvent, IdleResolved, SegmentClosed, TrackingStopped

from .signer import Signer, SigningReport

log = logging.getLogger(__name__)

#: Events after which there is something new to sign.
TRIGGERS = (SegmentClosed, IdleResolved, TrackingStopped)


class SignOnClose:
    """Signs after each trigger event. Signing never stops tracking: a failure is reported and
    the records wait in the database until the next round."""

    def __init__(self, signer: Signer, report: Callable[[SigningReport], None]) -> None:
        self._signer = signer
        self._report = report

    def __call__(self, event: EngineEvent) -> None:
        if not isinstance(event, TRIGGERS):
            return
        try:
            report = self._signer.sign_pending()
        except TrackerError as error:  # a full disk, say: the records wait, tracking goes on
            log.warning("signing failed: %s", error)
            report = SigningReport(0, -1, str(error))
        self._report(report)
