"""The composition root: the store, the settings, the platform, the engine and its signing, built
in one place for the command line and the desktop app alike."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sync.autosign import SigningRunner, SignOnClose
from sync.signing import SigningReport
from tracker.activity import ActivityCounter
from tracker.clock import Clock
from tracker.settings import Settings, load_settings
from tracker.store import DATABASE_FILE, Store

if TYPE_CHECKING:  # each is imported where it is built: a command loads only what it needs
    from sync.local_marketplace import LocalMarketplace
    from sync.signer import Signer
    from tracker.engine import Engine
    from tracker.platform import Platform

#: The program as a command: ``main.py`` under the interpreter, or the frozen executable.
ENTRY_POINT = Path(__file__).resolve().with_name("main.py")


def own_command(*args: str) -> list[str]:
    """How this program runs itself: the frozen app's executable, or python main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, str(ENTRY_POINT), *args]


class Composition:
    """Builds Workdiary's parts for one data dir, each with its dependencies, in order."""

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.data_dir = data_dir
        self.clock = clock

    def open_store(self) -> Store:
        """A connection to the diary's database (one per thread that uses it)."""
        return Store(self.data_dir / DATABASE_FILE, self.clock)

    def settings(self) -> Settings:
        return load_settings(self.data_dir)

    def platform(self) -> Platform:
        """This session's input, idle time and screen; SessionUnsupported says why not."""
        from tracker.platform import detect_platform

        return detect_platform()

    def signing_runner(self, report: Callable[[SigningReport], None]) -> SigningRunner:
        """Signing in short processes of their own (sync/autosign.py): the tracker, which runs all
        day, never loads the keyring library or the private key."""
        return SigningRunner(
            own_command("--data-dir", str(self.data_dir), "sign", "--json"), report
        )

    def local_marketplace(self) -> LocalMarketplace:
        """The marketplace on this computer, its data in this data dir (`login --local`)."""
        from sync.local_marketplace import LocalMarketplace

        return LocalMarketplace(self.data_dir, own_command())

    def signer(self, store: Store) -> Signer:
        """The signer itself, with the system keyring: for the sign, keys and export commands."""
        from sync.keys import KeyringVault
        from sync.ledger import Ledger
        from sync.signer import Signer

        return Signer(store, Ledger(store), KeyringVault(), self.clock)

    def engine(
        self,
        store: Store,
        settings: Settings,
        counter: ActivityCounter,
        platform: Platform | None,
        signing: SigningRunner | None,
        *,
        can_ask: bool,
    ) -> Engine:
        """The engine on this platform (None: nothing can be recorded here, yet the diary can be
        read and edited), asking for a round of signing whenever there is something to sign
        (``signing`` None: the caller signs, as the self-test does)."""
        from tracker.engine import Engine
        from tracker.screenshots import ScreenshotTaker

        engine = Engine(
            self.clock,
            store,
            settings,
            counter,
            screenshots=ScreenshotTaker(self.data_dir, platform.screen) if platform else None,
            idle=platform.idle if platform else None,
            input_source=platform.input if platform else None,
            can_ask=can_ask,
        )
        if signing is not None:
            engine.subscribe(SignOnClose(signing.request, signing.request_later))
        return engine
