"""The marketplace's HTTP API (docs/api.md) as the device uses it: the card, sign-in, contracts,
enrollment, uploads of records and screenshots. Every failure is one of three errors: try again
later (MarketplaceUnreachable), sign in again (SignInAgain), or refused with a problem code
(MarketplaceRefused); an upload that was partly accepted returns its receipts and its refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from diary.canonical import Json
from diary.receipts import MarketplaceKey, Receipt, read_receipt

from .backoff import retry_after_seconds
from .errors import MarketplaceRefused, MarketplaceUnreachable, SignInAgain

#: Seconds to connect, and to wait for an answer (a batch of 500 records takes well under 5 s).
TIMEOUT = (5.0, 60.0)


@dataclass(frozen=True)
class Card:
    """What /.well-known/workdiary-marketplace says: the marketplace's name and receipt key."""

    name: str
    key: MarketplaceKey


@dataclass(frozen=True)
class Refusal:
    """A record the marketplace refused: its problem code, why, and its place in the batch."""

    code: str
    detail: str
    index: int | None
    seq: int | None


@dataclass
class UploadAnswer:
    """The receipts of the records up to the first refused, and that refusal if there was one."""

    receipts: list[Receipt] = field(default_factory=list)
    accepted: int = 0
    already_held: int = 0
    refusal: Refusal | None = None


class MarketplaceClient:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()

    # The API -------------------------------------------------------------------------------

    def card(self) -> Card:
        found = self._json("GET", "/.well-known/workdiary-marketplace", signed=False)
        try:
            return Card(str(found["name"]), MarketplaceKey.from_json(found["receipt_key"]))
        except (KeyError, TypeError, ValueError) as error:
            raise MarketplaceUnreachable(
                f"{self.url} does not answer as a Workdiary marketplace ({error})."
            ) from None

    def login(self, email: str, password: str) -> Json:
        """Sign in: ``{token, expires_at, account}``; the token is kept for later calls."""
        found = self._json(
            "POST", "/v1/sessions", json={"email": email, "password": password}, signed=False
        )
        self.token = str(found["token"])
        return dict(found)

    def logout(self) -> None:
        self._request("DELETE", "/v1/sessions/current")

    def me(self) -> Json:
        return dict(self._json("GET", "/v1/me"))

    def contracts(self) -> list[Json]:
        found: list[Json] = self._json("GET", "/v1/contracts")
        return found

    # A client's and a mediator's requests (docs/api.md, "Billing weeks", "Disputes") -----

    def week(self, contract: str, week: str) -> Json:
        return dict(self._json("GET", f"/v1/contracts/{contract}/weeks/{week}"))

    def week_bundle(self, contract: str, week: str) -> bytes:
        """The week as a bundle with the marketplace's receipts (a zip file's bytes)."""
        return self._request("GET", f"/v1/contracts/{contract}/weeks/{week}/bundle").content

    def approve(self, contract: str, week: str) -> Json:
        return dict(self._json("POST", f"/v1/contracts/{contract}/weeks/{week}/approve"))

    def dispute(self, contract: str, week: str, segments: list[str], reason: str) -> Json:
        return dict(
            self._json(
                "POST",
                f"/v1/contracts/{contract}/weeks/{week}/disputes",
                json={"segments": segments, "reason": reason},
            )
        )

    def dispute_detail(self, dispute: str) -> Json:
        return dict(self._json("GET", f"/v1/disputes/{dispute}"))

    def disputes(self) -> list[Json]:
        found: list[Json] = self._json("GET", "/v1/disputes")
        return found

    def decide(self, dispute: str, segment: str, decision: str, reason: str) -> Json:
        return dict(
            self._json(
                "POST",
                f"/v1/disputes/{dispute}/decisions",
                json={"segment": segment, "decision": decision, "reason": reason},
            )
        )

    def comment(self, dispute: str, text: str) -> Json:
        return dict(self._json("POST", f"/v1/disputes/{dispute}/comments", json={"text": text}))

    # A device's requests -------------------------------------------------------------------

    def enroll(self, genesis: Json) -> Receipt:
        found = self._json("POST", "/v1/devices", json={"genesis": genesis})
        return read_receipt(found["receipt"])

    def devices(self) -> list[Json]:
        found: list[Json] = self._json("GET", "/v1/devices")
        return found

    def upload(self, lines: list[Json] | bytes) -> UploadAnswer:
        """Upload a batch of one device's records, in chain order: their upload lines, or the
        body already written (sync/uploader.py's ``upload_body``)."""
        if isinstance(lines, bytes):
            headers = {"Content-Type": "application/json"}
            answer = self._request(
                "POST", "/v1/records", data=lines, headers=headers, refusals=True
            )
        else:
            answer = self._request("POST", "/v1/records", json={"records": lines}, refusals=True)
        body = _body(answer)
        found = UploadAnswer(
            receipts=[read_receipt(r) for r in body.get("receipts", [])],
            accepted=int(body.get("accepted", 0)),
            already_held=int(body.get("already_held", 0)),
        )
        if answer.status_code >= 400:
            found.refusal = Refusal(
                str(body.get("code")), str(body.get("detail")), body.get("index"), body.get("seq")
            )
        return found

    def put_screenshot(self, sha256: str, data: bytes) -> bool:
        """Upload a screenshot file; False when the marketplace held it already."""
        answer = self._request(
            "PUT",
            f"/v1/screenshots/{sha256}",
            data=data,
            headers={"Content-Type": "image/jpeg"},
        )
        return bool(_body(answer).get("stored"))

    # HTTP ----------------------------------------------------------------------------------

    def _json(self, method: str, path: str, signed: bool = True, **kwargs: Any) -> Any:
        return _body(self._request(method, path, signed=signed, **kwargs))

    def _request(
        self,
        method: str,
        path: str,
        signed: bool = True,
        refusals: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """The answer of a request; MarketplaceUnreachable for what may pass, SignInAgain for a
        token refused, MarketplaceRefused for any other refusal (unless ``refusals``: a
        problem that carries receipts is then the caller's to read)."""
        headers = dict(kwargs.pop("headers", {}))
        if signed and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            answer = self.http.request(
                method, self.url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.Timeout:
            raise MarketplaceUnreachable(
                f"{self.url} did not answer within {self.timeout[1]:g} s."
            ) from None
        except requests.RequestException as error:
            raise MarketplaceUnreachable(f"Cannot reach {self.url}: {_why(error)}.") from None
        status = answer.status_code
        if status == 429 and (problem := _problem(answer))[0] == "too-many-sign-ins":
            # The person's to read (the wait is in its words), not a marketplace out of reach.
            raise MarketplaceRefused(problem[1], problem=problem[0], status=status)
        if status == 429 or status >= 500:
            wait = retry_after_seconds(answer.headers.get("Retry-After"), datetime.now(UTC))
            raise MarketplaceUnreachable(
                f"{self.url} cannot take requests now (HTTP {status}).", retry_after=wait
            )
        if status == 401 and signed:
            problem = _problem(answer)
            raise SignInAgain(f"{self.url} does not take this sign-in any more: {problem[1]}")
        if status >= 400:
            code, detail = _problem(answer)
            if refusals and "receipts" in _body(answer, quiet=True):
                return answer
            raise MarketplaceRefused(detail, problem=code, status=status)
        return answer


def _why(error: requests.RequestException) -> str:
    """Why a request went nowhere, in words (not the library's class names)."""
    if isinstance(error, requests.exceptions.SSLError):
        return "no secure (https) connection could be made; is its address http://?"
    if isinstance(
        error,
        requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema
        | requests.exceptions.InvalidURL,
    ):
        return "that is not a web address (one starts with http:// or https://)"
    if isinstance(error, requests.ConnectionError):
        return "nothing answers at that address"
    return "the connection failed"


def _problem(answer: requests.Response) -> tuple[str, str]:
    body = _body(answer, quiet=True)
    code = body.get("code") if isinstance(body.get("code"), str) else f"http-{answer.status_code}"
    detail = body.get("detail") if isinstance(body.get("detail"), str) else answer.reason
    return str(code), str(detail)


def _body(answer: requests.Response, quiet: bool = False) -> Any:
    try:
        return answer.json()
    except ValueError:
        if quiet:
            return {}
        raise MarketplaceUnreachable(
            f"{answer.url} answered HTTP {answer.status_code} with something that is not JSON: "
            "is it a Workdiary marketplace?"
        ) from None
