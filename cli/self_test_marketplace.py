"""The self-test's marketplace steps: the marketplace on this computer started in the self-test's
data dir, the sign-in as its demo freelancer (which caches the demo contract the minute is then
recorded on), the sync of what was signed, checked on both sides, and the stop."""

from __future__ import annotations

from typing import Any

from diary.bundle_writer import week_label
from diary.protection import REASONS, Unprotected
from diary.receipts import signed_by
from diary.times import week_start
from sync.auto import sync_now
from sync.marketplace_client import MarketplaceClient
from sync.outbox import Outbox
from sync.segment_marks import SyncState, sync_marks
from sync.signin import fingerprint, sign_in
from sync.status import sync_status
from sync.tokens import KeyringTokens
from sync.uploader import SyncReport
from tracker.records import Segment

from .self_test_steps import SelfTest, Skipped, StepFailed, needs


def start_marketplace(test: SelfTest) -> str:
    """The marketplace on this computer, started as `login --local` starts it: on 127.0.0.1, a
    free port, its data in the self-test's data dir."""
    test.server = test.local.start()
    return f"{test.server.url}, its data in the temporary data dir"


def sign_in_locally(test: SelfTest) -> str:
    """Signed in as `login --local` signs in: the marketplace's demo freelancer, whose contracts
    are cached on the device; the demo contract among them is the one the minute is recorded
    on."""
    server = needs(test.server, "no marketplace was started")
    if not test.keyring_ok:
        raise Skipped("the sign-in is kept in the system keyring, which failed")
    email, password = test.local.demo_login("freelancer")
    client = MarketplaceClient(server.url)
    signed = sign_in(
        test.store, client, email, password, KeyringTokens(), test.clock.now(), local=True
    )
    test.link = signed.link
    demo = test.local.demo_contract()
    contract = next((c for c in test.store.contracts() if c.marketplace_id == demo), None)
    if contract is None:
        raise StepFailed(
            f"signed in as {email}, but the demo contract {demo} is not among the contracts the "
            "marketplace lists for its freelancer."
        )
    test.contract, test.client = contract, client
    return (
        f"as its demo freelancer {email}, receipt key {fingerprint(signed.link.key.key_id)}; "
        f"its contract '{contract.title}' cached"
    )


def sync_segment(test: SelfTest) -> str:
    """Upload what waits, as sync does; then, as the device sees it (the way `status` and the
    diary's marks read it), every record receipted and no screenshot waiting, and, as the
    marketplace sees it (its week, through the API), the segment counted and protected: which
    it is only with the record's details and the screenshot file they name."""
    link = needs(test.link, "not signed in to the marketplace")
    record = needs(test.record, "nothing was signed")
    segment = needs(test.segment, "nothing was recorded")
    contract = needs(test.contract, "nothing was recorded")
    if contract.marketplace_id is None:
        raise Skipped("the minute was recorded on a contract of this computer's own")
    client = needs(test.client, "not signed in to the marketplace")
    report = sync_now(
        test.store, link, test.parts.data_dir, test.clock.now(), KeyringTokens(), local=test.local
    )
    if report.refused_code:
        raise StepFailed(
            f"the marketplace refused record {report.refused_seq} ({report.refused_code}): "
            f"{report.refused_detail}"
        )
    held = Outbox(test.store).receipts_at(record.device_id, [record.seq])
    if not held:
        raise StepFailed("the marketplace took the upload, but sent no receipt of the segment.")
    if not signed_by(held[0], link.key) or held[0].record != record.hash:
        raise StepFailed(
            "the segment's receipt is not signed by the marketplace's key, or names another record."
        )
    check_nothing_waits(test, segment, report)
    week = client.week(contract.marketplace_id, week_label(week_start(segment.start)))
    minutes = check_counted(week, segment) // 60
    return (
        f"{report.receipted} records receipted and {report.screenshots} screenshot uploaded; "
        f"the marketplace counts the segment's {minutes} min as protected: it holds its details "
        "and screenshot"
    )


def check_nothing_waits(test: SelfTest, segment: Segment, report: SyncReport) -> None:
    """As `status` and the diary tell it: nothing waits, and the segment is receipted."""
    status = sync_status(test.store, test.parts.data_dir, test.clock.now())
    if status["waiting_records"] or status["waiting_screenshots"]:
        raise StepFailed(
            f"after the sync, {status['waiting_records']} record(s) and "
            f"{status['waiting_screenshots']} screenshot(s) still wait to be uploaded "
            f"({report.screenshots} screenshot(s) were)."
        )
    if report.screenshots < 1:
        raise StepFailed("the sync uploaded no screenshot file of the segment.")
    mark = sync_marks(test.store, [segment]).get(segment.id)
    if mark is None or mark.state is not SyncState.RECEIPTED:
        raise StepFailed(
            "the diary does not mark the segment as receipted: "
            f"{'it is not marked' if mark is None else mark.text}"
        )


def check_counted(week: dict[str, Any], segment: Segment) -> int:
    """The segment's billable seconds in the marketplace's week, which must count it as
    protected: verified with its details, and every screenshot they name held."""
    found = next((s for s in week.get("segments", []) if s.get("segment") == segment.id), None)
    if found is None:
        raise StepFailed(
            f"the marketplace's week {week.get('week')} does not list the segment it receipted."
        )
    if not found["protected"]:
        reasons = "; ".join(reason_text(str(r)) for r in found["unprotected"])
        raise StepFailed(
            f"the marketplace holds the segment, but it is not protected there: {reasons}."
        )
    return int(found["billable_seconds"])


def reason_text(code: str) -> str:
    """Why a segment is not protected, in the protocol's words (a code it does not know, as is)."""
    try:
        return REASONS[Unprotected(code)]
    except ValueError:
        return code


def stop_marketplace(test: SelfTest) -> str:
    server = needs(test.server, "no marketplace was started")
    test.stop_server()
    if test.local.running() is not None:
        raise StepFailed(f"the marketplace still answers at {server.url} after it was stopped.")
    return f"nothing answers at {server.url} any more"
