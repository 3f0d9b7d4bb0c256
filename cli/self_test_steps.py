"""The self-test's shared state, and its steps of the device's own (the recording is in
cli/self_test_recording.py, the marketplace in cli/self_test_marketplace.py): the keyring,
signing, export and verify, and the clean-up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import keyring

from composition import Composition
from diary.bundle import verify_bundle
from diary.records import RecordType
from diary.times import week_start
from sync.errors import KeyringUnavailable
from sync.export import export_bundle
from sync.keys import DeviceKey, KeyringVault
from sync.ledger import Ledger, SignedRecord
from sync.local_marketplace import LocalServer
from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.tokens import KeyringTokens
from tracker import __version__
from tracker.clock import FakeClock
from tracker.errors import EnvironmentProblem
from tracker.records import Contract, Segment
from tracker.store import DATABASE_FILE, Store

T = TypeVar("T")

#: A keyring that asks its user to unlock it is given this long.
KEYRING_SECONDS = 30.0
BUNDLE = "self-test-week.zip"


class Skipped(Exception):
    """A step cannot run: what it needs did not come about (the message says why)."""


class StepFailed(Exception):
    """A step's check did not hold: the message says what was found, and what to do."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class TimedOut(StepFailed):
    """Something the step waits for did not answer in time."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EnvironmentProblem.exit_code)


class SelfTest:
    """What the steps share: the parts on the self-test's clock, and what each step leaves for
    the next ones (None until it has)."""

    def __init__(self, parts: Composition, clock: FakeClock) -> None:
        self.parts = parts
        self.clock = clock
        self.local = parts.local_marketplace()
        self.display: str | None = None
        self.screen: tuple[int, int] | None = None
        #: The contract the minute is recorded on: the marketplace's demo contract as the
        #: sign-in cached it, else one of the self-test's data dir's own.
        self.contract: Contract | None = None
        self.segment: Segment | None = None
        self.keyring_ok = False
        self.keyring_stuck = False
        self.record: SignedRecord | None = None
        self.server: LocalServer | None = None
        self.link: MarketplaceLink | None = None
        #: The sign-in's client (its token kept), to read what the marketplace holds.
        self.client: MarketplaceClient | None = None
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self.parts.open_store()
        return self._store

    def has_database(self) -> bool:
        return (self.parts.data_dir / DATABASE_FILE).exists()

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def close(self) -> None:
        self.stop_server()
        if self._store is not None:
            self._store.close()
            self._store = None


def needs(value: T | None, why: str) -> T:
    if value is None:
        raise Skipped(why)
    return value


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` came true within ``seconds``."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.02)
    return True


def within(seconds: float, what: str, function: Callable[[], T]) -> T:
    """``function``'s result, on a thread of its own given ``seconds``; TimedOut naming ``what``
    when it takes longer (the thread is then left to end with the program)."""
    results: list[T] = []
    errors: list[Exception] = []

    def call() -> None:
        try:
            results.append(function())
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=call, name="self-test", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimedOut(
            f"{what} did not answer within {seconds:g} s. If it asks to be unlocked, unlock it, "
            "then run the self-test again."
        )
    if errors:
        raise errors[0]
    return results[0]


def store_device_key(test: SelfTest) -> str:
    """The device key made, stored in the system keyring and read back, as the first signing
    does: on a thread of its own, so that a keyring waiting to be unlocked is given up on."""

    def make() -> DeviceKey:
        store = test.parts.open_store()  # one connection a thread
        try:
            key = test.parts.signer(store).signing_key()
        finally:
            store.close()
        again = KeyringVault().load(key.key_id, key.device_id)
        if again is None or again.public_key != key.public_key:
            raise StepFailed(
                "the device key read back from the system keyring is not the one stored."
            )
        return key

    try:
        key = within(KEYRING_SECONDS, "The system keyring", make)
    except TimedOut:
        test.keyring_stuck = True
        raise
    test.keyring_ok = True
    return f"{keyring.get_keyring().name}: device key {key.key_id[:12]} stored and read back"


def sign_segment(test: SelfTest) -> str:
    segment = needs(test.segment, "nothing was recorded")
    if not test.keyring_ok:
        raise Skipped("there is no device key in the keyring to sign with")
    report = test.parts.signer(test.store).sign_pending()
    if report.problem:
        raise StepFailed(report.problem, KeyringUnavailable.exit_code)
    ledger = Ledger(test.store)
    test.record = next(
        (
            signed
            for device in ledger.devices()
            for signed in ledger.chain(device)
            if signed.segment_id == segment.id and signed.type == RecordType.SEGMENT.value
        ),
        None,
    )
    if test.record is None or segment.end is None:
        raise StepFailed("signing ended without a signed record of the segment.")
    return (
        f"the segment {segment.start:%H:%M}-{segment.end:%H:%M} UTC, as record "
        f"{test.record.seq} of the device's chain, by key {test.record.key_id[:12]}"
    )


def export_and_verify(test: SelfTest) -> str:
    """A bundle of the segment's week and contract, as export writes it, checked by verify's own
    code: the segment counts, and the records and the manifest name the contract."""
    needs(test.record, "nothing was signed")
    segment = needs(test.segment, "nothing was recorded")
    contract = needs(test.contract, "nothing was recorded")
    bundle = test.parts.data_dir / BUNDLE
    export_bundle(
        test.store,
        Ledger(test.store),
        test.parts.data_dir,
        week_start(segment.start),
        contract.id,
        bundle,
        test.clock.now(),
        f"workdiary {__version__}",
        outbox=Outbox(test.store),
    )
    verdict = verify_bundle(bundle)
    if not verdict.ok:
        first = verdict.failures[0]
        problems = len(verdict.failures) + verdict.more_failures
        raise StepFailed(
            f"the bundle does not verify: {problems} problem(s), the first {first.code}: "
            f"{first.reason}"
        )
    if segment.id not in verdict.verified_segments:
        raise StepFailed("the bundle verifies, but does not count the segment recorded.")
    named = verdict.contract_names.get(contract.reference)
    counted = {reference for reference, _ in verdict.seconds}
    if named is None or counted != {contract.reference}:
        raise StepFailed(
            f"the bundle verifies, but names the contracts {', '.join(sorted(counted))} and "
            f"gives the names of {', '.join(sorted(verdict.contract_names)) or 'none'}, not "
            f"the contract {contract.reference} the segment was recorded on."
        )
    return (
        f"a bundle of {verdict.records} records and {verdict.screenshots} screenshot of "
        f"'{named.title}' with {named.client} verifies: {sum(verdict.seconds.values()) // 60} min"
    )


# The clean-up ---------------------------------------------------------------------------


def clean_up(test: SelfTest) -> str:
    """The self-test's device key and sign-in are taken out of the system keyring."""
    test.stop_server()  # when a step was interrupted
    if test.keyring_stuck:
        raise StepFailed(
            "the system keyring did not answer before, so the self-test's device key may stay "
            "in it (under the service 'workdiary'), to delete by hand."
        )
    if not test.has_database():
        return "nothing of the self-test's is in the keyring"
    keys = [row.key_id for row in Ledger(test.store).keys()]  # noqa: SIM118
    link = test.link or Outbox(test.store).link()
    account = None if link is None else link.account_id
    if not keys and account is None:
        return "nothing of the self-test's is in the keyring"
    within(KEYRING_SECONDS, "The system keyring", lambda: forget(keys, account))
    what = " and ".join(name for name, held in (("device key", keys), ("sign-in", account)) if held)
    return f"the self-test's {what} {'are' if keys and account else 'is'} out of the keyring"


def forget(keys: list[str], account: str | None) -> None:
    vault, tokens = KeyringVault(), KeyringTokens()
    for kid in keys:
        vault.delete(kid)
    if account is not None:
        tokens.delete(account)
    left = [kid for kid in keys if vault.load(kid, kid) is not None]
    if left or (account is not None and tokens.load(account) is not None):
        raise StepFailed("the self-test's entries are still in the system keyring after deleting.")
