"""Canonical bytes (RFC 8785), strict JSON for records, SHA-256 hashes and key ids."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

Json = dict[str, Any]

#: The largest integer a record may hold (the largest an IEEE double holds exactly).
MAX_INTEGER = 2**53 - 1


def canonical(value: Any, plain: bool = False) -> bytes:
    """RFC 8785 canonical JSON: sorted member names, no whitespace, UTF-8, minimal escapes.

    For plain values (ASCII member names, integers within 2**53 - 1 either way, no fractions)
    the standard library's sorted, compact form that keeps non-ASCII characters is the same
    byte for byte: it writes the same short escapes and lowercase \\u00xx for other control
    characters, and orders ASCII names as RFC 8785 does. It is many times faster, which matters
    to a verifier reading a month of records; any other value goes through rfc8785.
    ``plain=True`` skips the check for values that come from ``parse_json``, which are plain.

    A value with no canonical form (a string holding a lone surrogate, a float, an integer out
    of range) raises ValueError.
    """
    if plain or _plain(value):
        try:
            return json.dumps(
                value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(f"a string holds a lone surrogate ({error.reason})") from None
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        raise ValueError(str(error)) from None


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_INTEGER <= value <= MAX_INTEGER)
    if kind is list:
        return all(map(_plain, value))
    if kind is dict:
        return all(type(k) is str and k.isascii() for k in value) and all(
            map(_plain, value.values())
        )
    return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_id(public_key: bytes) -> str:
    """A key's id: the SHA-256 of its raw 32-byte Ed25519 public key, in hex."""
    return sha256_hex(public_key)


def parse_json(data: bytes | str) -> Any:
    """Strict JSON for records: UTF-8 only, and no duplicate member names (two parsers could
    read two different values), fractions, exponents, NaN or Infinity.

    What it returns can be encoded with ``canonical(value, plain=True)``: the only values it
    lets through that are not plain (non-ASCII member names, integers beyond 2**53 - 1, lone
    surrogates) are refused by the field checks or by ``canonical``.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text, object_pairs_hook=_members, parse_float=_no_float, parse_constant=_no_float
        )
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8") from None
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except ValueError as error:
        if "digits" in str(error):  # the interpreter's limit on integer digits
            raise ValueError("a number has too many digits") from None
        raise


def _members(items: list[tuple[str, Any]]) -> Json:
    found = dict(items)
    if len(found) != len(items):
        raise ValueError("duplicate member name")
    return found


def _no_float(text: str) -> Any:
    raise ValueError(f"numbers in records are integers, not {text}")
