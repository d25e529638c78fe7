"""Saving and loading arrays: atomic generations on disk, memory-mapped on load so processes share pages.

Layout of an index directory::

    <root>/CURRENT              name of the live generation (replaced atomically)
    <root>/<generation>/        one complete saved detector; never modified after it is written
        manifest.json           format version, item counts, every array's dtype/shape/byte size
        <part>/<name>.npy       numpy arrays, opened with mmap_mode="r"

A save writes a new generation into a temporary directory, fsyncs it, renames it into place, then
points CURRENT at it; a reader therefore sees the old generation or the new one, never a mix. Old
generations are pruned (the previous one is kept, so a process still reading it is not surprised;
on Linux an mmap of a deleted file stays valid anyway).
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .model import IndexCorruptError

FORMAT_VERSION = 2  # 2: distinct content words, sentence-model vectors
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class GenerationWriter:
    """Collects the arrays and JSON of one generation in a temporary directory; ``commit()`` publishes it."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")  # names sort in creation order
        self.name = f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
        self.tmp = self.root / f".tmp-{self.name}"
        self.tmp.mkdir()
        self.arrays: dict[str, dict] = {}

    def array(self, name: str, value: np.ndarray) -> None:
        path = self.tmp / f"{name}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        value = np.ascontiguousarray(value)
        with open(path, "wb") as f:
            np.save(f, value, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        self.arrays[name] = {"dtype": value.dtype.str, "shape": list(value.shape), "bytes": path.stat().st_size}

    def commit(self, info: dict, keep: int = 2) -> Path:
        manifest = {"format": FORMAT_VERSION, "info": info, "arrays": self.arrays}
        with open(self.tmp / MANIFEST, "w", encoding="utf-8") as f:
            json.dump(manifest, f)
            f.flush()
            os.fsync(f.fileno())
        final = self.root / self.name
        os.rename(self.tmp, final)
        _fsync_dir(self.root)
        pointer = self.root / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
        pointer.write_text(self.name + "\n", encoding="utf-8")
        os.replace(pointer, self.root / CURRENT)
        _fsync_dir(self.root)
        prune(self.root, keep=keep)
        return final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def prune(root: Path, keep: int = 2) -> None:
    """Remove all but the ``keep`` newest generations (the live one always stays) and stale temp dirs."""
    live = current_generation(root, missing_ok=True)
    generations = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("gen-")),
                         key=lambda p: (p.stat().st_mtime_ns, p.name))
    for old in generations[:-keep] if keep else generations:
        if old.name != live:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(".tmp-gen-*"):
        if tmp.is_dir() and tmp.name != f".tmp-{live}":
            try:  # another process may be writing it right now: only remove ones older than a day
                if (datetime.now().timestamp() - tmp.stat().st_mtime) > 86400:
                    shutil.rmtree(tmp, ignore_errors=True)
            except OSError:
                pass


def current_generation(root: str | os.PathLike, missing_ok: bool = False) -> str | None:
    """The name of the live generation under ``root``."""
    try:
        name = (Path(root) / CURRENT).read_text(encoding="utf-8").strip()
    except OSError as exc:
        if missing_ok:
            return None
        raise IndexCorruptError(f"no saved index in {root}: {exc}") from exc
    if not name.startswith("gen-") or "/" in name:
        raise IndexCorruptError(f"{root}/{CURRENT} is damaged: {name[:80]!r}")
    return name


class GenerationReader:
    """Opens one saved generation and checks it against its manifest before anything is used."""

    def __init__(self, root: str | os.PathLike, name: str | None = None):
        self.root = Path(root)
        self.name = name or current_generation(self.root)
        self.path = self.root / self.name
        try:
            with open(self.path / MANIFEST, encoding="utf-8") as f:
                manifest = json.load(f)
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"index manifest unreadable in {self.path}: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else "?"
            raise IndexCorruptError(f"index in {self.path} has format {found}, expected {FORMAT_VERSION}")
        self.info = manifest.get("info") or {}
        self.arrays = manifest.get("arrays") or {}

    def array(self, name: str, mmap: bool = True) -> np.ndarray:
        spec = self.arrays.get(name)
        path = self.path / f"{name}.npy"
        if spec is None:
            raise IndexCorruptError(f"array {name} missing from the manifest of {self.path}")
        try:
            if path.stat().st_size != spec["bytes"]:
                raise IndexCorruptError(f"{path} has {path.stat().st_size} bytes, expected {spec['bytes']}")
            value = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
            if isinstance(value, np.memmap):
                # A plain array over the same mapped pages: np.memmap's own indexing builds a memmap
                # object for every slice (a thousand per query), which cost more than the scoring.
                value = value.view(np.ndarray)
        except IndexCorruptError:
            raise
        except (OSError, ValueError, EOFError) as exc:
            raise IndexCorruptError(f"{path} unreadable: {exc}") from exc
        if value.dtype.str != spec["dtype"] or list(value.shape) != spec["shape"]:
            raise IndexCorruptError(f"{path} is {value.dtype.str}{list(value.shape)}, "
                                    f"expected {spec['dtype']}{spec['shape']}")
        return value
