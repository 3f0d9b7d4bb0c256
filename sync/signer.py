"""Signs closed segments and amendments into the device's hash chain, in the order they happened."""

from __future__ import annotations

import logging
from datetime import datetime

from diary.build import (
    amendment_details,
    amendment_fields,
    header,
    key_fields,
    segment_details,
    segment_fields,
)
from diary.canonical import Json, canonical, sha256_hex
from diary.records import RecordType
from diary.times import whole_second
from tracker.clock import Clock
from tracker.store import Store

from .errors import KeyringUnavailable
from .keys import DeviceKey, Vault, generate_key
from .ledger import DeviceKeyRow, Ledger, SignedRecord
from .signing import SigningReport

log = logging.getLogger(__name__)


class Signer:
    """Turns what the engine recorded into signed records. Safe to run from several processes:
    each round reads the chain's head and appends inside one write transaction."""

    def __init__(self, store: Store, ledger: Ledger, vault: Vault, clock: Clock) -> None:
        self._store = store
        self._ledger = ledger
        self._vault = vault
        self._clock = clock
        self._key: DeviceKey | None = None
        self._notices: list[str] = []

    def signing_key(self) -> DeviceKey:
        """The device key, created on first use. Raises KeyringUnavailable without a keyring."""
        if self._key is not None:
            return self._key
        row = self._ledger.current_key()
        if row is not None:
            key = self._vault.load(row.key_id, row.device_id)
            if key is not None:
                self._key = key
                return key
            self._ledger.retire_key(
                row.key_id, self._clock.now(), "its private key is no longer in the system keyring"
            )
        key = generate_key()
        self._vault.save(key)
        with self._store.atomic():
            latest = self._ledger.current_key()
            if latest is not None and (row is None or latest.key_id != row.key_id):
                # Another process (an export while tracking) made the key first: use that one.
                self._vault.delete(key.key_id)
                return self._adopt(latest)
            self._ledger.add_key(
                DeviceKeyRow(key.key_id, key.device_id, key.public_key, self._now())
            )
            self._append(key, RecordType.KEY, None, key_fields(key.public_key))
        if row is not None:
            self._notices.append(
                f"The device key {row.key_id[:12]} is no longer in the system keyring, so its chain "
                f"cannot go on. A new device key {key.key_id[:12]} starts a new chain; everything "
                "signed before stays verifiable."
            )
        log.info("created device key %s (device %s)", key.key_id, key.device_id)
        self._key = key
        return key

    def _adopt(self, row: DeviceKeyRow) -> DeviceKey:
        key = self._vault.load(row.key_id, row.device_id)
        if key is None:
            raise KeyringUnavailable(
                f"The device key {row.key_id[:12]} was just created by another Workdiary process "
                "but cannot be read from the system keyring. Try again."
            )
        self._key = key
        return key

    def sign_pending(self) -> SigningReport:
        """Sign every closed segment, then every amendment of a signed segment, not yet signed."""
        try:
            key = self.signing_key()
        except KeyringUnavailable as error:
            return SigningReport(
                0, self._ledger.unsigned_count(), str(error), self._take_notices(), error.code
            )
        signed = 0
        with self._store.atomic():
            references = {c.id: c.reference for c in self._store.contracts()}
            for segment in self._ledger.unsigned_segments():
                assert segment.end is not None, "only closed segments are signed"
                shots = self._store.screenshots([segment.id]).get(segment.id, [])
                details = segment_details(
                    segment.memo,
                    self._store.minutes([segment.id]).get(segment.id, []),
                    [s.entry() for s in sorted(shots, key=lambda s: (s.taken_at, s.id))],
                    segment.close_reason,
                )
                fields = segment_fields(
                    segment.id,
                    segment.kind,
                    segment.start,
                    segment.end,
                    sha256_hex(canonical(details)),
                )
                self._append(
                    key,
                    RecordType.SEGMENT,
                    references[segment.contract_id],
                    fields,
                    details,
                    segment_id=segment.id,
                    not_before=segment.end,
                )
                signed += 1
            amendments = self._ledger.unsigned_amendments()
            contracts = self._ledger.segment_contracts([a.segment_id for a in amendments])
            for amendment in amendments:
                details = amendment_details(amendment.memo, amendment.reason)
                fields = amendment_fields(
                    amendment.segment_id,
                    amendment.kind,
                    amendment.made_at,
                    sha256_hex(canonical(details)),
                    start=amendment.start,
                    end=amendment.end,
                    screenshot=amendment.screenshot_sha256,
                )
                self._append(
                    key,
                    RecordType.AMENDMENT,
                    contracts[amendment.segment_id],
                    fields,
                    details,
                    segment_id=amendment.segment_id,
                    amendment_id=amendment.id,
                )
                signed += 1
        return SigningReport(signed, 0, None, self._take_notices())

    def rotate(self) -> tuple[DeviceKey, DeviceKey]:
        """Replace the device key: the old key signs a record that introduces the new one."""
        old = self.signing_key()
        new = generate_key(old.device_id)
        self._vault.save(new)
        with self._store.atomic():
            self._ledger.add_key(
                DeviceKeyRow(new.key_id, new.device_id, new.public_key, self._now())
            )
            self._append(old, RecordType.KEY, None, key_fields(new.public_key))
            self._ledger.retire_key(old.key_id, self._now(), f"replaced by key {new.key_id}")
        self._vault.delete(old.key_id)
        self._key = new
        log.info("rotated device key %s to %s", old.key_id, new.key_id)
        return old, new

    def _append(
        self,
        key: DeviceKey,
        record_type: RecordType,
        contract: str | None,
        fields: Json,
        details: Json | None = None,
        *,
        segment_id: str | None = None,
        amendment_id: int | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Sign one record onto the chain's head (callers hold the write transaction)."""
        head = self._ledger.head(key.device_id)
        # signed_at never goes backwards along the chain, even if the system clock does.
        candidates = [self._now()] + ([head.signed_at] if head else [])
        signed_at = max(candidates + ([not_before] if not_before else []))
        record = header(
            record_type,
            device=key.device_id,
            key=key.key_id,
            seq=0 if head is None else head.seq + 1,
            prev=None if head is None else head.hash,
            signed_at=signed_at,
            contract=contract,
        )
        record.update(fields)
        data = canonical(record)
        self._ledger.append(
            SignedRecord(
                device_id=key.device_id,
                seq=record["seq"],
                id=record["id"],
                type=record_type.value,
                key_id=key.key_id,
                contract=contract,
                segment_id=segment_id,
                amendment_id=amendment_id,
                signed_at=signed_at,
                hash=sha256_hex(data),
                record=data,
                signature=key.sign(data),
                details=None if details is None else canonical(details),
            )
        )

    def _now(self) -> datetime:
        return whole_second(self._clock.now())

    def _take_notices(self) -> tuple[str, ...]:
        notices, self._notices = tuple(self._notices), []
        return notices
