"""Where the screenshots are kept when not in the data dir: an S3-compatible bucket, named as
``s3://BUCKET?endpoint=URL&region=NAME``, parsed and checked before anything is opened.
Credentials never go in the address: boto3 finds them as it always does (the AWS environment
variables, a profile in ~/.aws, or the machine's role)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from ..errors import BlobsAddressInvalid

FORM = "s3://BUCKET, with ?endpoint=URL&region=NAME for a server other than AWS's"
#: S3's rules for a bucket's name (the ones every S3-compatible server takes).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_OPTIONS = ("endpoint", "region", "addressing")
_ADDRESSING = ("path", "virtual")


@dataclass(frozen=True)
class S3Address:
    bucket: str
    #: The S3 API's address (http://127.0.0.1:9000), or None for AWS's own.
    endpoint: str | None = None
    #: None: the region boto3 finds (AWS_DEFAULT_REGION, the profile), else us-east-1.
    region: str | None = None
    #: How the bucket is named in requests: in the path (what servers other than AWS expect,
    #: and the default with an endpoint) or in the host name (AWS's default).
    addressing: str | None = None

    @property
    def where(self) -> str:
        """The bucket and its server in words, for messages (it holds no secret)."""
        return f"bucket {self.bucket} at {self.endpoint or 'AWS'}"

    @property
    def addressing_style(self) -> str:
        return self.addressing or ("path" if self.endpoint else "auto")


def parse_blobs_address(text: str) -> S3Address:
    """The bucket that ``text`` names; BlobsAddressInvalid says what is wrong with it (without
    repeating what it holds before the bucket's name, where a password could have been put)."""
    parts = urlsplit(text)
    if parts.scheme != "s3":
        raise BlobsAddressInvalid(f"A blob store is named {FORM}; this is not an s3:// address.")
    if "@" in parts.netloc:
        raise BlobsAddressInvalid(
            "Credentials do not go in the blob store's address: boto3 reads them from "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from a profile (AWS_PROFILE)."
        )
    bucket = parts.netloc
    if not _BUCKET.fullmatch(bucket):
        raise BlobsAddressInvalid(
            f"{bucket!r} is not a bucket's name: 3 to 63 lowercase letters, digits, dots and "
            "hyphens, starting and ending with a letter or a digit."
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise BlobsAddressInvalid(
            f"The address names only the bucket ({FORM}): the screenshots go under "
            "screenshots/ in it."
        )
    options = _options(parts.query)
    endpoint = options.get("endpoint")
    if endpoint is not None:
        _check_endpoint(endpoint)
    region = options.get("region")
    if region is not None and not _REGION.fullmatch(region):
        raise BlobsAddressInvalid(f"{region!r} is not a region's name (like eu-west-1).")
    addressing = options.get("addressing")
    if addressing is not None and addressing not in _ADDRESSING:
        raise BlobsAddressInvalid(f"addressing is path or virtual, not {addressing!r}.")
    return S3Address(bucket, endpoint and endpoint.rstrip("/"), region, addressing)


def _options(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise BlobsAddressInvalid(
            f"The options after ? are not name=value pairs joined by &: {FORM}."
        ) from None
    options: dict[str, str] = {}
    for name, value in pairs:
        if name not in _OPTIONS:
            raise BlobsAddressInvalid(
                f"{name!r} is not an option of the blob store's address: it takes "
                f"{', '.join(_OPTIONS)}."
            )
        if name in options:
            raise BlobsAddressInvalid(f"The option {name} is given twice.")
        if not value:
            raise BlobsAddressInvalid(f"The option {name} is empty.")
        options[name] = value
    return options


def _check_endpoint(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlobsAddressInvalid(
            f"The endpoint {endpoint!r} is not an http:// or https:// address of a server."
        )
    if "@" in parts.netloc:
        raise BlobsAddressInvalid(
            "Credentials do not go in the endpoint's address: boto3 reads them from "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from a profile (AWS_PROFILE)."
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise BlobsAddressInvalid(f"The endpoint {endpoint!r} has no valid port.") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BlobsAddressInvalid(
            f"The endpoint {endpoint!r} is a server's address alone (scheme, host and port)."
        )
