"""Where uploaded files live: the local disk by default, an S3-compatible object store when configured.

One host: files under ``UPLOAD_DIR`` (:class:`LocalStorage`). More than one host: every host must see
every file, so they go to a bucket of an S3-compatible store (:class:`S3Storage`, through boto3) when
``S3_BUCKET`` is set; ``S3_ENDPOINT_URL`` names a store other than AWS (MinIO, Ceph, Garage, moto in
the tests). Credentials come from ``S3_ACCESS_KEY_ID``/``S3_SECRET_ACCESS_KEY`` or boto3's usual chain
(``AWS_*`` variables, instance roles).

Both speak in keys made by app/uploads.py (``<shard>/<token>``) and never decide who may read a file:
the route checks the permission first, then streams the bytes (:func:`app.uploads.send_stored`).
boto3 is imported only when a store is configured, so a one-host web worker never loads it.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app

logger = logging.getLogger(__name__)


class Storage(Protocol):
    """What app/uploads.py needs from a place to keep files."""

    #: whether :meth:`put` can move a temporary file into place (a temporary file is then written
    #: next to its final place, and ``os.replace`` makes it appear whole)
    local_root: Path | None

    def put(self, source: Path, key: str, *, mime: str) -> None:
        """Store the file ``source`` under ``key``; ``source`` is consumed (moved or deleted)."""

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading. :raises FileNotFoundError: when there is no such file."""

    def delete(self, key: str) -> bool:
        """Remove a stored file; return whether there was one."""


class LocalStorage:
    """Files on this host's disk, under one folder."""

    def __init__(self, root: str | os.PathLike):
        self.local_root = Path(root)

    def path(self, key: str) -> Path:
        return self.local_root / key

    def put(self, source: Path, key: str, *, mime: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True


class S3Storage:
    """Files in a bucket of an S3-compatible object store, under a key prefix."""

    local_root = None

    def __init__(self, bucket: str, *, prefix: str = "", client=None, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None, secret_key: str | None = None):
        self.bucket = bucket
        self.prefix = prefix
        if client is None:
            import boto3
            from botocore.config import Config as BotoConfig

            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                                  read_timeout=30, s3={"addressing_style": "path"}))
        self.client = client

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def put(self, source: Path, key: str, *, mime: str) -> None:
        try:
            self.client.upload_file(str(source), self.bucket, self._key(key), ExtraArgs={"ContentType": mime})
        except Exception as exc:  # boto3 raises its own classes: one kind of failure for the caller
            raise OSError(f"could not store {key} in bucket {self.bucket}: {exc}") from exc
        finally:
            source.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise FileNotFoundError(key) from exc
            raise

    def delete(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        return True

    # -- whole files and small texts (the overlap index's published generations) ----------------------
    def upload(self, source: Path, key: str) -> None:
        """Copy a local file to ``key`` (the file stays)."""
        self.client.upload_file(str(source), self.bucket, self._key(key))

    def download(self, key: str, target: Path) -> None:
        """Copy ``key`` to a local file. :raises FileNotFoundError: when there is no such key."""
        from botocore.exceptions import ClientError

        try:
            self.client.download_file(self.bucket, self._key(key), str(target))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise FileNotFoundError(key) from exc
            raise

    def read_text(self, key: str) -> str | None:
        """The text stored under ``key``, or None when there is none."""
        try:
            with self.open(key) as body:
                return body.read().decode("utf-8")
        except FileNotFoundError:
            return None

    def write_text(self, key: str, text: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=text.encode("utf-8"),
                               ContentType="text/plain; charset=utf-8")

    def keys(self, under: str) -> list[str]:
        """Every key that starts with ``under`` (relative to this store's prefix)."""
        found, token = [], None
        while True:
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(under),
                                               **({"ContinuationToken": token} if token else {}))
            found += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return found
            token = page["NextContinuationToken"]

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # the most one request may delete
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": self._key(key)} for key in keys[start:start + 1000]], "Quiet": True})


def s3_settings(app: Flask) -> dict | None:
    """The object store's settings, or None when none is configured."""
    config = app.config
    if not config.get("S3_BUCKET"):
        return None
    return {"bucket": config["S3_BUCKET"], "endpoint_url": config.get("S3_ENDPOINT_URL"),
            "region": config.get("S3_REGION"), "access_key": config.get("S3_ACCESS_KEY_ID"),
            "secret_key": config.get("S3_SECRET_ACCESS_KEY")}


def s3_store(app: Flask, prefix: str, name: str) -> S3Storage | None:
    """An :class:`S3Storage` under ``prefix``, one per process (kept in ``app.extensions[name]``); None
    when no object store is configured."""
    settings = s3_settings(app)
    if settings is None:
        return None
    cached = app.extensions.get(name)
    if cached is None or cached[0] != (settings, prefix):
        # one client per process: making one costs tens of milliseconds
        cached = app.extensions[name] = ((settings, prefix), S3Storage(prefix=prefix, **settings))
    return cached[1]


def upload_storage(app: Flask | None = None) -> Storage:
    """Where this app keeps uploads: the bucket when ``S3_BUCKET`` is set, else ``UPLOAD_DIR``."""
    app = app or current_app._get_current_object()
    store = s3_store(app, app.config.get("S3_UPLOAD_PREFIX", "uploads/"), "upload_storage")
    if store is None:
        return LocalStorage(app.config["UPLOAD_DIR"])  # read each time: tests point it elsewhere
    return store
