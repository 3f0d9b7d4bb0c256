"""Screenshot files in an S3-compatible bucket (boto3), under content-addressed keys
``screenshots/ab/<sha256>.jpg`` (the filesystem store's layout), shared by any number of server
processes: nothing about the files is kept in a process's memory.

- The hash is checked before a file is accepted: ``PUT /v1/screenshots/{sha256}``
  (``put_screenshot`` in marketplace/routes/records.py) hashes the body and refuses it
  (``screenshot-hash``) before calling ``put``, and ``put`` refuses bytes that do not hash to
  their name all the same. The upload carries the bytes' SHA-256 (x-amz-checksum-sha256) and
  MD5 (Content-MD5), so an S3 server refuses bytes damaged on the way (BadDigest) rather than
  keep them; ``open`` hashes what it reads again, for a server that does not check (moto's
  does not), and logs a copy that does not hash to its name. It serves it all the same, as the
  filesystem store serves its folder's copy: whoever reviews the week verifies every file
  against its record, and shows that segment failed, with the reason, where a refusal would
  hold back the whole week.
- Nothing half-written is visible: one PutObject is atomic (a reader gets the whole object or
  none, and a failed upload leaves nothing), and a screenshot (at most 16 MiB) always goes in
  one PutObject, never a multipart upload.
- ``put`` asks first (HEAD) and answers False when the file is there. Two processes putting the
  same file at once may both upload it: the same key and the same bytes, so whichever writes
  last changes nothing (both answer ``stored: true``). A conditional put (If-None-Match: *)
  would let only one win, but not every S3-compatible server takes one, and nothing depends on
  which of two uploads stored the file.
- Every failure is BlobStoreUnusable, saying what happened: at start-up ``connect`` checks the
  bucket once (a missing bucket, missing or refused credentials, an endpoint that does not
  answer), and while serving the API answers it with 503 ``storage-unavailable``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from ..errors import BlobStoreUnusable
from .address import S3Address

log = logging.getLogger(__name__)

PREFIX = "screenshots/"
#: boto3's client is thread-safe; the API's endpoints run on up to 40 threads (anyio's
#: default), each of which may be waiting on the bucket.
_CONNECTIONS = 40
_CREDENTIALS = (
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE, ~/.aws/credentials)"
)


class S3BlobStore:
    def __init__(self, client: Any, address: S3Address) -> None:
        self.client = client
        self.address = address
        self.bucket = address.bucket

    @classmethod
    def connect(cls, address: S3Address) -> S3BlobStore:
        """The store in ``address``'s bucket, checked once: it exists and these credentials may
        use it (HEAD bucket: the credentials need s3:ListBucket, which HEAD of a file also needs
        to tell a missing file from a forbidden one)."""
        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"mode": "standard", "total_max_attempts": 3},
            max_pool_connections=_CONNECTIONS,
            s3={"addressing_style": address.addressing_style},
        )
        try:
            client = boto3.session.Session().client(
                "s3", endpoint_url=address.endpoint, region_name=address.region, config=config
            )
        except (BotoCoreError, ValueError) as error:
            raise BlobStoreUnusable(f"No S3 client for {address.where}: {error}.") from error
        store = cls(client, address)
        store.check()
        return store

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise self._failed(error, "opening", bucket=True) from error

    def key(self, sha256: str) -> str:
        return f"{PREFIX}{sha256[:2]}/{sha256}.jpg"

    def has(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as error:
            if _status(error) == 404:
                return False
            raise self._failed(error, f"looking for {self.key(sha256)} in") from error
        except BotoCoreError as error:
            raise self._failed(error, f"looking for {self.key(sha256)} in") from error
        return True

    def put(self, sha256: str, data: bytes) -> bool:
        digest = hashlib.sha256(data)
        if digest.hexdigest() != sha256:
            raise ValueError(f"the bytes do not hash to {sha256}: check them before put")
        if self.has(sha256):
            return False
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=data,
                ContentType="image/jpeg",
                ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),
            )
        except (BotoCoreError, ClientError) as error:
            raise self._failed(error, f"storing {self.key(sha256)} in") from error
        return True

    def open(self, sha256: str) -> IO[bytes]:
        """The file, read whole (at most 16 MiB), so a failure comes here rather than halfway
        through whatever reads it; a copy that does not hash to its name is logged."""
        key = self.key(sha256)
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if _status(error) == 404:
                raise FileNotFoundError(f"{key} is not in {self.address.where}") from error
            raise self._failed(error, f"reading {key} from") from error
        except BotoCoreError as error:
            raise self._failed(error, f"reading {key} from") from error
        if hashlib.sha256(data).hexdigest() != sha256:
            log.warning(
                "%s in %s does not hash to its name: the bucket holds a damaged copy, which a "
                "review shows as failed. Delete it; the freelancer's device uploads the file "
                "again.",
                key,
                self.address.where,
            )
        return io.BytesIO(data)

    def delete(self, sha256: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (BotoCoreError, ClientError) as error:
            raise self._failed(error, f"deleting {self.key(sha256)} from") from error

    def _failed(
        self, error: BotoCoreError | ClientError, doing: str, bucket: bool = False
    ) -> BlobStoreUnusable:
        """What went wrong, in words (boto3's messages carry no secret)."""
        where = self.address.where
        if isinstance(error, NoCredentialsError | PartialCredentialsError):
            why = f"no AWS credentials were found: set {_CREDENTIALS}"
        elif isinstance(error, ConnectionError):
            why = f"nothing answers at {self.address.endpoint or 'AWS'} ({error})"
        elif isinstance(error, HTTPClientError):
            why = f"the connection to {self.address.endpoint or 'AWS'} failed ({error})"
        elif isinstance(error, ClientError):
            status, code = _status(error), error.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket" or (bucket and status == 404):
                why = "the bucket does not exist: create it, or name another"
            elif status == 403 or code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
                why = (
                    f"the credentials are refused ({code or status}): check {_CREDENTIALS}, and "
                    "that they may list, read, write and delete in the bucket"
                )
            else:
                why = f"the server answered {status} {code}: {error}"
        else:
            why = str(error)
        return BlobStoreUnusable(f"{doing[0].upper()}{doing[1:]} {where} failed: {why}.")


def _status(error: ClientError) -> int:
    status: int = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status
