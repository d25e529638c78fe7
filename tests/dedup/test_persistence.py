"""save/load: atomic generations, memory-mapped arrays, changes kept, damage reported as IndexCorruptError."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from app.dedup import DuplicateDetector, IndexCorruptError, Initiative
from app.dedup.storage import CURRENT
from tests.dedup.conftest import COCOA, HOTLINE
from tests.dedup.test_detector import COCOA_AGAIN


def _answers(detector, draft=COCOA_AGAIN):
    return [(m.id, m.score, m.tier, m.reasons) for m in detector.find_overlaps(draft, include_below=True)]


def test_a_loaded_index_answers_as_the_saved_one(fresh_detector, tmp_path):
    d = fresh_detector
    d.upsert(replace(COCOA, id="pledge:2", lead_org="org-q"))
    d.remove(HOTLINE.id)
    path = d.save(tmp_path / "dedup")
    assert path.parent == tmp_path / "dedup" and (tmp_path / "dedup" / CURRENT).read_text().strip() == path.name
    loaded = DuplicateDetector.load(tmp_path / "dedup")
    assert _answers(loaded) == _answers(d)
    assert len(loaded) == len(d) and HOTLINE.id not in loaded and "pledge:2" in loaded
    assert loaded.stats()["delta"] == 1 and loaded.base_name == path.name
    assert not list((tmp_path / "dedup").glob(".tmp-*"))


def _mapped(array: np.ndarray) -> bool:
    """A view over a file's mapped pages (plain ndarrays over a np.memmap: indexing a memmap is slow)."""
    return isinstance(array.base, np.memmap) and not array.flags.owndata


def test_the_base_is_memory_mapped(detector, tmp_path):
    detector.save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path)
    postings = loaded._lexical._postings
    assert _mapped(postings.weights) and _mapped(postings.items) and _mapped(postings.indptr)
    assert all(_mapped(a) for a in loaded._records._arrays.values())
    assert loaded.find_overlaps(COCOA_AGAIN)[0].id == COCOA.id  # the query read the mapped arrays as they are
    assert _mapped(loaded._lexical._postings.weights)


def test_changes_after_load_stay_in_this_process(detector, tmp_path):
    detector.save(tmp_path)
    one, two = DuplicateDetector.load(tmp_path), DuplicateDetector.load(tmp_path)
    one.remove(COCOA.id)
    assert COCOA.id not in one and COCOA.id in two
    assert one.generation == 1 and two.generation == 0


def test_a_new_generation_makes_loaded_detectors_stale(detector, tmp_path):
    detector.save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path)
    assert not loaded.is_stale(tmp_path)
    detector.save(tmp_path)
    assert loaded.is_stale(tmp_path) and DuplicateDetector.load(tmp_path).base_name != loaded.base_name
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("gen-")]) == 2  # older ones pruned
    detector.save(tmp_path)
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("gen-")]) == 2


def test_applied_through_is_saved(tmp_path):
    d = DuplicateDetector.build([COCOA], applied_through=7)
    d.apply_changes(upserts=[HOTLINE], through=9)
    d.save(tmp_path)
    assert DuplicateDetector.load(tmp_path).applied_through == 9


def _damage(root, how):
    gen = root / (root / CURRENT).read_text().strip()
    if how == "no index":
        (root / CURRENT).unlink()
    elif how == "current points nowhere":
        (root / CURRENT).write_text("gen-nothing\n")
    elif how == "current garbage":
        (root / CURRENT).write_text("../../etc\n")
    elif how == "manifest garbage":
        (gen / "manifest.json").write_text("{not json")
    elif how == "old format":
        manifest = json.loads((gen / "manifest.json").read_text())
        manifest["format"] = 0
        (gen / "manifest.json").write_text(json.dumps(manifest))
    elif how == "array missing":
        (gen / "lexical" / "postings_items.npy").unlink()
    elif how == "array truncated":
        path = gen / "lexical" / "postings_weights.npy"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "array header damaged":
        path = gen / "records" / "starts.npy"
        data = bytearray(path.read_bytes())
        data[:10] = b"garbage!!!"
        path.write_bytes(bytes(data))
    elif how == "array of another shape":
        path = gen / "records" / "ids.npy"
        size = path.stat().st_size
        np.save(path, np.array(["a", "b"]))
        manifest = json.loads((gen / "manifest.json").read_text())
        manifest["arrays"]["records/ids"]["bytes"] = path.stat().st_size
        (gen / "manifest.json").write_text(json.dumps(manifest))
        assert size
    elif how == "info damaged":
        manifest = json.loads((gen / "manifest.json").read_text())
        del manifest["info"]["lexical"]["n_items"]
        (gen / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("how", ["no index", "current points nowhere", "current garbage", "manifest garbage",
                                 "old format", "array missing", "array truncated", "array header damaged",
                                 "array of another shape", "info damaged"])
def test_a_damaged_index_raises_index_corrupt_error(detector, tmp_path, how):
    detector.save(tmp_path)
    _damage(tmp_path, how)
    with pytest.raises(IndexCorruptError):
        DuplicateDetector.load(tmp_path)


def test_the_app_can_rebuild_after_damage(detector, tmp_path):
    detector.save(tmp_path)
    _damage(tmp_path, "array truncated")
    try:
        loaded = DuplicateDetector.load(tmp_path)
    except IndexCorruptError:
        loaded = DuplicateDetector.build([COCOA, HOTLINE])
        loaded.save(tmp_path)
    assert DuplicateDetector.load(tmp_path).find_overlaps(COCOA_AGAIN)[0].id == COCOA.id


def test_an_empty_detector_saves_and_loads(tmp_path):
    DuplicateDetector.build([]).save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path)
    assert len(loaded) == 0 and loaded.find_overlaps(Initiative(title=COCOA.title, description=COCOA.description)) == []
