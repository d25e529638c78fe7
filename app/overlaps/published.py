"""The overlap index's generations in the object store, for hosts that share no folder.

With ``S3_BUCKET`` set, the worker uploads each generation it saves (app/dedup/storage.py layout) under
``<S3_INDEX_PREFIX><database token>/<generation>/...``, the manifest last, then points
``<token>/CURRENT`` at it; the two newest generations are kept. Every web host keeps a copy in its own
``DEDUP_INDEX_DIR``: at most every ``DEDUP_INDEX_POLL_SECONDS`` a process reads the remote CURRENT, and
when it names a generation this host does not have, downloads it in a background thread into a
temporary folder, renames it into place and points the local CURRENT at it; the next query loads it
(memory-mapped, as before). Meanwhile queries answer from the generation already loaded plus the change
log, or "not ready yet" when there is none.
"""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path

from flask import Flask

from app.dedup import IndexCorruptError
from app.dedup.storage import CURRENT, MANIFEST, current_generation, prune
from app.objectstore import S3Storage, s3_store

logger = logging.getLogger(__name__)

KEEP = 2  # generations kept in the store: a host still downloading the previous one finds it


def index_store(app: Flask) -> S3Storage | None:
    """Where generations are published, or None when there is no object store (a shared folder then)."""
    return s3_store(app, app.config.get("S3_INDEX_PREFIX", "overlap-index/"), "overlap_index_store")


def local_current(directory: Path) -> str | None:
    try:
        return current_generation(directory, missing_ok=True)
    except IndexCorruptError:
        return None


def remote_current(store: S3Storage, token: str) -> str | None:
    name = (store.read_text(f"{token}/{CURRENT}") or "").strip()
    return name if name.startswith("gen-") and "/" not in name else None


def publish(store: S3Storage, directory: Path, token: str) -> str | None:
    """Upload the local live generation of ``directory`` (unless the store has it already) and make it
    the remote CURRENT; remove older remote generations. Return the generation's name."""
    name = local_current(directory)
    if name is None:
        return None
    if remote_current(store, token) == name:
        return name
    generation = directory / name
    files = sorted(p for p in generation.rglob("*") if p.is_file() and p.name != MANIFEST)
    for path in files + [generation / MANIFEST]:  # the manifest last: a generation without it is unusable
        store.upload(path, f"{token}/{name}/{path.relative_to(generation).as_posix()}")
    store.write_text(f"{token}/{CURRENT}", name + "\n")
    keys = store.keys(f"{token}/gen-")
    generations = sorted({key.split("/")[1] for key in keys})
    old = set(generations[:-KEEP]) - {name}
    if old:
        store.delete_keys([key for key in keys if key.split("/")[1] in old])
    logger.info("Overlap index generation %s published to the object store (%d files)", name, len(files) + 1)
    return name


def fetch(store: S3Storage, directory: Path, token: str, name: str) -> Path:
    """Download generation ``name`` into ``directory`` (whole, or not at all) and make it the local CURRENT.

    :raises FileNotFoundError: when the store no longer has it (a newer one replaced it meanwhile).
    """
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / name
    if not (final / MANIFEST).is_file():
        keys = store.keys(f"{token}/{name}/")
        if f"{token}/{name}/{MANIFEST}" not in keys:
            raise FileNotFoundError(f"{token}/{name}/{MANIFEST}")
        tmp = directory / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
        try:
            for key in keys:
                target = tmp / key[len(f"{token}/{name}/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                store.download(key, target)
            try:
                os.rename(tmp, final)
            except OSError:  # another process of this host renamed its copy first
                if not (final / MANIFEST).is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    pointer = directory / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer, directory / CURRENT)
    prune(directory, keep=KEEP)
    logger.info("Overlap index generation %s fetched from the object store", name)
    return final
