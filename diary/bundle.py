"""Bundles: the zip layout (docs/protocol.md, "Bundles"), reading one, and verifying it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .archive import Archive, TooLong
from .canonical import Json, parse_json
from .checks import ScreenshotFile
from .entries import Entry, read_line
from .errors import BadBundle
from .failures import Failure
from .limits import LIMITS, Limits
from .members import KEYS, MANIFEST, MARKETPLACE, RECEIPTS, RECORDS, screenshot_member
from .receipts import MarketplaceKey, Receipt, read_receipt
from .records import RecordType
from .schema import CONTRACT, HASH
from .times import WEEK, day_start, is_timestamp, parse_timestamp
from .verify import Head, Receipts, Scope, Verdict, verify_records

BUNDLE_FORMAT = "workdiary-bundle/2"
#: Bundles of this format carried a keys.json that nothing signed (docs/protocol.md, "Formats").
OLD_FORMATS = ("workdiary-bundle/1",)


#: The longest contract title or client name a manifest may give (longer ones are not shown).
NAME_LENGTH = 200


@dataclass(frozen=True)
class ContractName:
    """A contract's title and its client's name, as a bundle's manifest gives them: the
    exporter's word, which no record signs (docs/protocol.md, "Bundles")."""

    title: str
    client: str

    @classmethod
    def of(cls, title: str, client: str) -> ContractName:
        """As a manifest gives them: each cut to NAME_LENGTH characters."""
        return cls(title[:NAME_LENGTH], client[:NAME_LENGTH])

    def to_json(self) -> Json:
        return {"title": self.title, "client": self.client}


@dataclass(frozen=True)
class Manifest:
    """What a bundle says it covers. It is not signed: the records decide what verifies."""

    json: Json
    scope: Scope
    heads: dict[str, Head]
    #: The names it gives the contracts of its scope, by contract id (none in older bundles).
    names: dict[str, ContractName] = field(default_factory=dict)


@dataclass
class BundleVerdict(Verdict):
    """A verdict on a bundle file, with the manifest it read and the contract names it gives
    (unsigned: shown as the manifest's word)."""

    path: Path = field(default_factory=Path)
    manifest: Json = field(default_factory=dict)
    contract_names: dict[str, ContractName] = field(default_factory=dict)


def verify_bundle(path: Path, limits: Limits = LIMITS) -> BundleVerdict:
    """Read the bundle at ``path`` and verify everything in it; BadBundle if it is none, or if
    it is larger than any bundle (docs/protocol.md, "Limits")."""
    with open_bundle(path, limits) as bundle:
        records = list(bundle.entries(RECORDS, limits.records_member))
        keys = list(bundle.entries(KEYS, limits.small_member))
        # Screenshots are hashed on another thread while the records are checked (hashing
        # lets other threads run); only files that records name, each once.
        bundle.hash_in_background(_named_screenshots(records))
        verdict = verify_records(
            records,
            keys,
            bundle.manifest.heads,
            bundle.manifest.scope,
            bundle.file,
            limits,
            bundle.receipts(),
        )
    return BundleVerdict(
        **vars(verdict),
        path=path,
        manifest=bundle.manifest.json,
        contract_names=bundle.manifest.names,
    )


def _named_screenshots(entries: list[Entry | Failure]) -> list[str]:
    names: set[str] = set()
    for entry in entries:
        if not isinstance(entry, Entry) or entry.type != RecordType.SEGMENT:
            continue
        shots = (entry.details or {}).get("screenshots")
        for shot in shots if type(shots) is list else ():
            if type(shot) is dict and HASH(shot.get("sha256")):
                names.add(screenshot_member(shot["sha256"]))
    return sorted(names)


class Bundle:
    """A bundle opened for reading: its manifest, its members line by line, its files' hashes."""

    def __init__(self, archive: Archive, manifest: Manifest, pool: ThreadPoolExecutor) -> None:
        self.archive = archive
        self.manifest = manifest
        self._pool = pool
        self._hashes: Future[dict[str, ScreenshotFile | None]] | None = None

    def entries(self, name: str, limit: int) -> Iterator[Entry | Failure]:
        for number, raw in enumerate(self.archive.lines(name, limit), start=1):
            if isinstance(raw, TooLong):
                yield Failure(
                    "format",
                    f"The line is longer than {self.archive.limits.line:,} bytes: no record "
                    "entry is that long.",
                    number,
                )
            else:
                yield read_line(raw, number)

    def receipts(self) -> Receipts | None:
        """The marketplace's receipts and key, when the bundle carries them."""
        if RECEIPTS not in self.archive:
            return None
        if MARKETPLACE not in self.archive:
            raise BadBundle(
                f"{self.archive.path} holds receipts but not the key of the marketplace that "
                f"signed them ({MARKETPLACE})."
            )
        try:
            key = MarketplaceKey.from_json(
                _json(self.archive, MARKETPLACE, self.archive.limits.small_member)
            )
        except ValueError as error:
            raise BadBundle(
                f"The {MARKETPLACE} of {self.archive.path} is not valid ({error})."
            ) from None
        return Receipts(key, self._receipt_lines())

    def _receipt_lines(self) -> Iterator[Receipt | Failure]:
        limit = self.archive.limits.records_member
        for number, raw in enumerate(self.archive.lines(RECEIPTS, limit), start=1):
            try:
                if isinstance(raw, TooLong):
                    raise ValueError("the line is too long")
                yield read_receipt(parse_json(raw))
            except ValueError as error:
                yield Failure("receipt", f"The line is not a receipt ({str(error)[:160]}).", number)

    def hash_in_background(self, names: list[str]) -> None:
        self.archive.check_inflation(names)
        self._hashes = self._pool.submit(lambda: {n: self.archive.sha256(n) for n in names})

    def file(self, sha256: str) -> ScreenshotFile | None:
        """What the bundle's file of this screenshot hashes to; None if there is no file."""
        name = screenshot_member(sha256)
        found = self._hashes.result() if self._hashes is not None else {}
        return found[name] if name in found else self.archive.sha256(name)


@contextmanager
def open_bundle(path: Path, limits: Limits = LIMITS) -> Iterator[Bundle]:
    if path.is_dir():
        raise BadBundle(
            f"{path} is a folder: a bundle is a zip file (manifest.json, keys.jsonl and "
            "records.jsonl at its top, screenshots/ beside them). Verify the zip file as it "
            "was sent, or zip the folder's contents again (from inside it: zip -r ../bundle.zip .)."
        )
    if path.exists() and not path.is_file():
        raise BadBundle(f"{path} is not a regular file: a bundle is a zip file.")
    if not path.is_file():
        raise BadBundle(f"There is no file {path}.")
    archive = Archive(path, limits)
    try:
        if MANIFEST not in archive:
            raise BadBundle(f"{path} is not a Workdiary bundle: it has no {MANIFEST}.")
        manifest = _read_manifest(_json(archive, MANIFEST, limits.small_member), path, limits)
        missing = [n for n in (KEYS, RECORDS) if n not in archive]
        if missing:
            raise BadBundle(f"{path} is not a Workdiary bundle: it has no {', '.join(missing)}.")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-files") as pool:
            yield Bundle(archive, manifest, pool)
    finally:
        archive.close()


def _json(archive: Archive, name: str, limit: int) -> Any:
    try:
        return parse_json(archive.read(name, limit))
    except ValueError as error:
        raise BadBundle(
            f"The {name} of {archive.path} is not valid JSON ({str(error)[:120]})."
        ) from None


def _read_manifest(manifest: Any, path: Path, limits: Limits) -> Manifest:
    try:
        if manifest["format"] in OLD_FORMATS:
            raise BadBundle(
                f"{path} was made by an older Workdiary (format {manifest['format']}), whose "
                "bundles do not prove which key belongs to which device. Ask for it to be "
                "exported again."
            )
        if manifest["format"] != BUNDLE_FORMAT:
            raise BadBundle(
                f"{path} is a bundle of format {str(manifest['format'])[:40]!r}; this verifier "
                f"reads {BUNDLE_FORMAT!r}."
            )
        start = parse_timestamp(manifest["period"]["start"])
        end = parse_timestamp(manifest["period"]["end"])
        _check_period(start, end, manifest["week"])
        contract = manifest["contract"]
        if contract is not None and not CONTRACT(contract):
            raise ValueError("contract")
        if not is_timestamp(manifest["created_at"]) or type(manifest["created_by"]) is not str:
            raise ValueError("created")
        heads: dict[str, Head] = {}
        if len(manifest["devices"]) > limits.devices:
            raise ValueError(f"it lists more than {limits.devices} devices")
        for device in manifest["devices"]:
            seq, head_hash = device["head"]["seq"], device["head"]["hash"]
            if not HASH(device["device"]) or not HASH(head_hash) or type(seq) is not int:
                raise ValueError("devices")
            if device["device"] in heads:
                raise ValueError("a device listed twice")
            heads[device["device"]] = Head(seq, head_hash)
    except (KeyError, TypeError, ValueError) as error:
        raise BadBundle(f"The manifest of {path} is not valid ({error}).") from None
    scope = Scope(start, end, contract)
    return Manifest(manifest, scope, heads, contract_names(manifest.get("contracts"), scope))


def contract_names(given: Any, scope: Scope) -> dict[str, ContractName]:
    """The names a manifest's ``contracts`` gives the contracts of its scope. They are not
    signed and decide nothing, so what is not a name (not an object of a title and a client,
    strings of at most NAME_LENGTH characters, under a contract id) is left out, never refused;
    and a bundle of one contract names that one only."""
    if type(given) is not dict:
        return {}
    names = {}
    for contract, name in given.items():
        if scope.contract is not None and contract != scope.contract:
            continue
        if not CONTRACT(contract) or type(name) is not dict:
            continue
        title, client = name.get("title"), name.get("client")
        if (
            type(title) is str
            and type(client) is str
            and max(len(title), len(client)) <= NAME_LENGTH
        ):
            names[contract] = ContractName(title, client)
    return names


#: The longest period a bundle may cover (a month and then some).
MAX_PERIOD_DAYS = 35


def _check_period(start: datetime, end: datetime, week: Any) -> None:
    """The period is whole UTC days, 1 to MAX_PERIOD_DAYS of them, and a week label (which
    verify prints) names exactly the billing week the period is; else ValueError."""
    if start != day_start(start) or end != day_start(end) or not start < end:
        raise ValueError("the period is not whole UTC days")
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValueError(f"the period is longer than {MAX_PERIOD_DAYS} days")
    if week is None:
        return
    year, number, weekday = start.isocalendar()
    if week != f"{year}-W{number:02d}" or weekday != 1 or end - start != WEEK:
        raise ValueError(f"the week {str(week)[:20]!r} is not the period it labels")
