"""The FastAPI application: routes, RFC 9457 problem answers for every refusal, and the
OpenAPI 3.1 description (docs/openapi.json is this, written out)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .body_limit import BodyLimit
from .errors import BlobStoreUnusable, DatabaseUnusable
from .problems import Problem
from .routes import accounts, contracts, disputes, records
from .schemas import EnrollIn, UploadIn
from .schemas import Problem as ProblemSchema
from .service import Marketplace

log = logging.getLogger(__name__)
VERSION = "1.0.0"


def create_app(market: Marketplace) -> FastAPI:
    app = FastAPI(
        title="Workdiary marketplace API",
        version=VERSION,
        summary="Accounts, contracts, signed work-diary records with receipts, billing weeks.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.marketplace = market
    for router in (accounts.router, records.router, contracts.router, disputes.router):
        app.include_router(router)
    app.add_exception_handler(Problem, _problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(BlobStoreUnusable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseUnusable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)
    app.openapi = lambda: openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit)
    return app


def answer(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.to_json(request.url.path),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=problem.headers,
    )


async def _problem(request: Request, problem: Problem) -> JSONResponse:
    return answer(problem, request)


async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = error.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return answer(Problem("malformed-json", "The body is not valid JSON."), request)
    details = "; ".join(_field_error(e) for e in errors[:5])
    return answer(
        Problem("invalid-request", details[:1000] or "The request is not valid."), request
    )


#: What a field holds, for the words of a refusal.
_FORMS = {"email": "an email address like ana@example.com"}


def _field_error(error: Any) -> str:
    """One validation error in words: the field, and what was wrong with it."""
    where = [str(p) for p in error.get("loc", ()) if p != "body"]
    field = ".".join(where)
    kind = error.get("type", "")
    if not where and kind in ("model_attributes_type", "dict_type", "missing"):
        return "The body must be a JSON object: send it with Content-Type: application/json."
    if kind == "missing":
        return f"{field} is missing"
    if kind == "extra_forbidden":
        return f"{field} is not a field this endpoint takes"
    if kind == "string_pattern_mismatch":
        return f"{field} is not {_FORMS.get(where[-1], 'in the form it takes')}"
    return f"{field}: {error.get('msg', 'not valid')}"


async def _http(request: Request, error: HTTPException) -> JSONResponse:
    if error.status_code == 400:
        # A body that is not even text (not UTF-8) is refused by the framework before any
        # JSON is parsed.
        problem = Problem("malformed-json", "The body is not valid JSON.")
    elif error.status_code == 405:
        allow = dict(error.headers or {})
        problem = Problem(
            "method-not-allowed", "This endpoint does not take that method.", headers=allow
        )
    else:
        problem = Problem("not-found", "There is no such endpoint: see docs/api.md.")
    return answer(problem, request)


#: How long a device waits before it tries again when the storage failed (its backoff may
#: wait longer).
RETRY_AFTER_SECONDS = 30


async def _unavailable(
    request: Request, error: BlobStoreUnusable | DatabaseUnusable
) -> JSONResponse:
    """The storage failed (the bucket or the database does not answer, refuses the credentials,
    or is gone): the environment's fault, which a later try may not meet. Nothing of the
    request was kept: a transaction the database lost is rolled back."""
    log.error("Storage failed on %s %s: %s", request.method, request.url.path, error)
    what = "its screenshots" if isinstance(error, BlobStoreUnusable) else "its records"
    return answer(
        Problem(
            "storage-unavailable",
            f"The marketplace cannot reach the storage that holds {what}: try again later.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
        request,
    )


async def _internal(request: Request, error: Exception) -> JSONResponse:
    log.exception("Internal error on %s %s", request.method, request.url.path)
    return answer(
        Problem("internal", "The marketplace failed; nothing of the request was kept."), request
    )


def openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description, with the Problem schema every refusal uses."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = ProblemSchema.model_json_schema()
        for model in (EnrollIn, UploadIn):
            name = model.__name__
            if name not in components:
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(found.pop("$defs", {}))
                components[name] = found
        app.openapi_schema = schema
    return app.openapi_schema
