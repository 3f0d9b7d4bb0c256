"""Devices, signed records and screenshots: what a freelancer's devices upload."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from diary.canonical import parse_json
from diary.limits import LIMITS

from .. import ingest
from ..problems import Problem
from ..schemas import DeviceOut, EnrollIn, ScreenshotOut, UploadIn, UploadOut
from ..service import Market, Marketplace, Token, signed_in
from ..storage import Transaction
from ..unused import delete_unused
from .common import problems, stamp

router = APIRouter(tags=["records"])
log = logging.getLogger(__name__)

#: A batch of 500 records of at most 64 KiB each, with room for the JSON around them.
MAX_BATCH_BYTES = 500 * LIMITS.line + (1 << 20)
MAX_SCREENSHOT = LIMITS.screenshot
_SHA256 = re.compile(r"[0-9a-f]{64}")


async def _body(request: Request, limit: int, code: str) -> bytes:
    """The request's body, refused once it passes ``limit`` bytes (never read whole first)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(
            code, f"The body is {int(declared):,} bytes; this endpoint takes at most {limit:,}."
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(
                code, f"The body is larger than {limit:,} bytes, the most this endpoint takes."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _named(tx: Transaction, account_id: str, sha256: str) -> None:
    if not tx.names_screenshot(account_id, sha256):
        raise _not_named(sha256)


def _not_named(sha256: str) -> Problem:
    return Problem(
        "screenshot-not-named",
        f"No segment of yours that counts names screenshot {sha256[:12]}: upload the "
        "segment's record first (the screenshots of deleted segments are not taken).",
    )


def _check_token(market: Marketplace, token: str | None) -> None:
    with market.reading() as tx:
        signed_in(tx, token, market.now())


def _json_body(data: bytes) -> Any:
    try:
        return parse_json(data)
    except ValueError as error:
        raise Problem(
            "malformed-json", f"The body is not JSON as records need it: {error}."
        ) from None


def _json_schema(model: type) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


@router.post(
    "/v1/devices",
    response_model=DeviceOut,
    status_code=201,
    responses={
        200: {"description": "Enrolled already", "model": DeviceOut},
        **problems(401, 403, 409),
    },
    openapi_extra=_json_schema(EnrollIn),
)
async def enroll(
    request: Request,
    token: Token,
    market: Market,
) -> JSONResponse:
    """Enroll a device by its genesis key record (self-signed, seq 0). Enrolling it again
    answers 200 with the same receipt."""
    body = _json_body(await _body(request, LIMITS.line * 2, "too-large"))
    if type(body) is not dict or body.keys() != {"genesis"}:
        raise Problem(
            "invalid-request", 'The body is {"genesis": ENTRY}: the device\'s key record at seq 0.'
        )

    def run() -> JSONResponse:
        with market.transaction() as tx:
            now = market.now()
            account = signed_in(tx, token, now)
            device, receipt, new = ingest.enroll(tx, account, body["genesis"], market.key, now)
            head = tx.head(device.id)
        return JSONResponse(
            {
                "device": device.id,
                "enrolled_at": stamp(device.enrolled_at),
                "head_seq": None if head is None else head.seq,
                "receipt": receipt.to_json(),
            },
            status_code=201 if new else 200,
        )

    return await run_in_threadpool(run)


@router.get("/v1/devices", response_model=list[DeviceOut], responses=problems(401))
def devices(token: Token, market: Market) -> list[dict[str, Any]]:
    """Your devices and how far the marketplace holds each one's chain."""
    with market.transaction() as tx:
        account = signed_in(tx, token, market.now())
        found = []
        for device in tx.devices(account.id):
            head = tx.head(device.id)
            found.append(
                {
                    "device": device.id,
                    "enrolled_at": stamp(device.enrolled_at),
                    "head_seq": None if head is None else head.seq,
                }
            )
    return found


@router.post(
    "/v1/records",
    response_model=UploadOut,
    responses=problems(401, 403, 409, 413),
    openapi_extra=_json_schema(UploadIn),
)
async def upload(
    request: Request,
    token: Token,
    market: Market,
) -> JSONResponse:
    """Upload up to 500 signed records of one device, in chain order. Records held already are
    answered with their receipts; the first record refused stops the batch: the records before
    it are kept and receipted, and the problem's ``receipts`` and ``index`` say which."""
    await run_in_threadpool(_check_token, market, token)  # before reading a large body
    body = _json_body(await _body(request, MAX_BATCH_BYTES, "too-large"))
    if type(body) is not dict or body.keys() != {"records"} or type(body["records"]) is not list:
        raise Problem("invalid-request", 'The body is {"records": [ENTRY, ...]}.')

    def run() -> JSONResponse:
        with market.transaction() as tx:
            now = market.now()
            account = signed_in(tx, token, now)
            result = ingest.upload(tx, account, body["records"], market.key, now)
            unused = ingest.deleted_screenshots(tx, result.kept)
        delete_unused(market, unused)
        receipts = [r.to_json() for r in result.receipts]
        if result.refused is not None:
            problem = result.refused
            problem.extra = {
                **(problem.extra or {}),
                "accepted": result.accepted,
                "already_held": result.already_held,
                "receipts": receipts,
            }
            raise problem
        return JSONResponse(
            {"accepted": result.accepted, "already_held": result.already_held, "receipts": receipts}
        )

    return await run_in_threadpool(run)


@router.put(
    "/v1/screenshots/{sha256}",
    response_model=ScreenshotOut,
    status_code=201,
    responses={
        200: {"description": "Held already", "model": ScreenshotOut},
        **problems(401, 403, 404, 409, 413),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_screenshot(
    sha256: str,
    request: Request,
    token: Token,
    market: Market,
) -> JSONResponse:
    """Upload a screenshot file by its SHA-256, once a record of yours names it."""
    if not _SHA256.fullmatch(sha256):
        raise Problem(
            "not-found", "A screenshot's name is the SHA-256 of its bytes, in lowercase hex."
        )

    declared = request.headers.get("content-length", "")

    def authorize() -> tuple[str, bool]:
        # Reads only, under no lock: a file named at this read and present at the next stays
        # until a segment that names it is deleted. (A deletion that found it named by none
        # deleted the file before a batch could name it again: batches that name a file wait
        # for its lock, which the deletion holds until the file is gone.)
        with market.reading() as tx:
            account = signed_in(tx, token, market.now())
            ingest.require_freelancer(account)
            if declared.isdigit() and int(declared) > MAX_SCREENSHOT:
                raise Problem(
                    "screenshot-too-large",
                    f"The file is {int(declared):,} bytes; a screenshot is at most "
                    f"{MAX_SCREENSHOT:,}.",
                )
            _named(tx, account.id, sha256)
        return account.id, market.blobs.has(sha256)

    account_id, held = await run_in_threadpool(authorize)
    data = await _body(request, MAX_SCREENSHOT, "screenshot-too-large")
    # The bytes are checked against their name here, before any store sees them.
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Problem(
            "screenshot-hash",
            f"The bytes hash to {hashlib.sha256(data).hexdigest()[:12]}, not to {sha256[:12]}.",
        )
    stored = False if held else await run_in_threadpool(_store, market, account_id, sha256, data)
    return JSONResponse({"sha256": sha256, "stored": stored}, status_code=201 if stored else 200)


def _store(market: Marketplace, account_id: str, sha256: str, data: bytes) -> bool:
    """Keep a screenshot whose bytes hash to its name; True if this wrote the file.

    The file is written first, in no transaction (it is content-addressed: writing it again
    changes nothing, and no lock waits on its I/O), then read back as named: a segment of the
    account still names it and the file is there, so it stays (as ``authorize`` says). Only
    when a deletion ran meanwhile is it decided again under the file's lock (``_store_again``).
    """
    stored = market.blobs.put(sha256, data)
    with market.reading() as tx:
        named = tx.names_screenshot(account_id, sha256)
    if named and market.blobs.has(sha256):
        return stored
    return _store_again(market, account_id, sha256, data) or stored


def _store_again(market: Marketplace, account_id: str, sha256: str, data: bytes) -> bool:
    """A screenshot written while a deletion ran, decided under its lock (no batch names it,
    no deletion decides meanwhile): kept, written again if the deletion took it, while a
    segment of the account names it; else refused, and the file this wrote deleted if no
    segment of anyone names it (a deletion that decided before the write never saw it)."""
    with market.transaction() as tx:
        tx.lock_screenshots(sha256)
        if tx.names_screenshot(account_id, sha256):
            return market.blobs.put(sha256, data)
        if not tx.names_screenshot(None, sha256):
            market.blobs.delete(sha256)
    raise _not_named(sha256)
