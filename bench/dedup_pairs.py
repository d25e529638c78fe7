"""Labelled pairs for calibrating the duplication detector, built from the hand-written concepts in
``bench/dedup_concepts.py`` (reproducible: ``python -m bench.dedup_pairs`` rewrites
``tests/dedup/data/pairs.jsonl`` with the same seed).

Each pair has a category, a label and a split:
- label ``duplicate``: the same work entered twice (near copy, paraphrase, translation, the same
  organisation entering it again) — should be a "likely duplicate";
- label ``overlap``: the same work in another country or another period — should be flagged ("possible
  overlap"), and can never be a likely duplicate;
- label ``distinct``: different work, including the hard cases of the same theme, country and period,
  of different work in the same sector and place (same words of the field), and of texts that only share
  boilerplate — should not be flagged.
The split is by concept (``train`` for concepts 0–27, ``test`` for the rest): thresholds are picked on
train and reported on both, so the held-out figures say how they do on work never seen.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from bench.dedup_concepts import BOILERPLATE, CONCEPTS, NEIGHBOURS
from bench.dedup_corpus import COUNTRIES

DATA = Path(__file__).resolve().parent.parent / "tests" / "dedup" / "data" / "pairs.jsonl"
TRAIN_CONCEPTS = 28
SEED = 8_7


def _spelling(text: str, rng: random.Random) -> str:
    swaps = [("labour", "labor"), ("programme", "program"), ("organis", "organiz"), ("centre", "center"),
             ("recognis", "recogniz")]
    for uk, us in swaps:
        text = text.replace(uk, us) if uk in text else text.replace(us, uk)
    return text


def _typos(text: str, rng: random.Random, n: int = 2) -> str:
    words = text.split(" ")
    for _ in range(n):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4:
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def near_copy_text(text: str, rng: random.Random) -> str:
    """A near copy: typos, spelling, a clause dropped or a sentence added."""
    text = _typos(_spelling(text, rng), rng)
    roll = rng.random()
    if roll < 0.3 and ", and " in text:
        head, _, tail = text.rpartition(", and ")
        text = head + "."
    elif roll < 0.6:
        text += rng.choice([" The work starts with a baseline study.", " A steering committee meets quarterly.",
                            " Local partners lead the implementation.", " Results are reported every six months."])
    return text


def near_copy_title(title: str, rng: random.Random) -> str:
    title = _spelling(title, rng)
    if rng.random() < 0.5:
        return rng.choice(["Project: ", "Phase I – ", "", "Initiative on "]) + title[0].lower() + title[1:]
    return title


def _record(pid, side, title, description, theme, groups, countries, start, end, org, partners=()):
    return {"id": f"{pid}{side}", "kind": "pledge" if side == "a" else "external_activity", "title": title,
            "description": description, "countries": list(countries), "start": start and start.isoformat(),
            "end": end and end.isoformat(), "themes": [theme], "target_groups": list(groups), "lead_org": org,
            "partner_orgs": list(partners)}


def build_pairs(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    pairs: list[dict] = []

    def add(category, label, ci, a, b):
        split = "train" if ci < TRAIN_CONCEPTS else "test"
        pairs.append({"pair": len(pairs), "category": category, "label": label, "split": split, "concept": ci,
                      "a": a, "b": b})

    def period(rng):
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 900))
        return start, start + timedelta(days=rng.randint(540, 1460))

    by_theme: dict[str, list[int]] = {}
    for ci, (theme, *_rest) in enumerate(CONCEPTS):
        by_theme.setdefault(theme, []).append(ci)

    for ci, (theme, groups, places, (t, d), (pt, pd), translation) in enumerate(CONCEPTS):
        n = len(pairs)
        org_a, org_b = f"org-{ci}-a", f"org-{ci}-b"
        start, end = period(rng)
        shift = timedelta(days=rng.randint(-120, 120))
        countries = places[: rng.choice([1, len(places)])]
        pid = lambda: f"p{len(pairs)}"  # noqa: E731
        # near copy by another organisation
        p = pid()
        add("near_copy", "duplicate", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", near_copy_title(t, rng), near_copy_text(d, rng), theme, groups, countries, start + shift,
                    end + shift, org_b))
        # paraphrase by another organisation (countries may be a subset, dates a little different)
        p = pid()
        add("paraphrase", "duplicate", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", pt, pd, theme, groups, countries[:1], start + shift, end, org_b))
        # the paraphrase with a missing country or missing dates (neutral)
        p = pid()
        missing = rng.choice(["countries", "dates"])
        add("paraphrase_missing_" + missing, "duplicate", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", pt, pd, theme, groups, () if missing == "countries" else countries,
                    None if missing == "dates" else start, None if missing == "dates" else end, org_b))
        # the same organisation enters it again, reworded
        p = pid()
        add("same_organisation", "duplicate", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", near_copy_title(pt, rng), pd, theme, groups, countries, start, end, org_a))
        if translation:
            p = pid()
            add("translation", "duplicate", ci,
                _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
                _record(p, "b", translation[0], translation[1], theme, groups, countries, start, end, org_b))
        # the same text in another country
        other = [c for c in COUNTRIES if c not in places]
        p = pid()
        add("other_country", "overlap", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", near_copy_title(t, rng), near_copy_text(d, rng), theme, groups, rng.sample(other, 1), start,
                    end, org_b))
        # the same text in another period (a later phase)
        p = pid()
        later = end + timedelta(days=rng.randint(60, 700))
        add("other_period", "overlap", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", near_copy_title(t, rng), near_copy_text(d, rng), theme, groups, countries, later,
                    later + timedelta(days=rng.randint(365, 1095)), rng.choice([org_a, org_b])))
        # unrelated work on the same theme, in the same place and period (the hard negatives)
        same_theme = [cj for cj in by_theme[theme] if cj != ci]
        for cj in rng.sample(same_theme, min(2, len(same_theme))):
            p = pid()
            other_c = CONCEPTS[cj]
            version = rng.choice([other_c[3], other_c[4]])
            add("unrelated_same_theme", "distinct", ci,
                _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
                _record(p, "b", version[0], version[1], theme, other_c[1], countries, start + shift, end, f"org-{cj}-b"))
        # unrelated work elsewhere on another theme
        cj = rng.choice([c for c in range(len(CONCEPTS)) if CONCEPTS[c][0] != theme])
        p = pid()
        other_c = CONCEPTS[cj]
        s2, e2 = period(rng)
        add("unrelated", "distinct", ci,
            _record(p, "a", t, d, theme, groups, countries, start, end, org_a),
            _record(p, "b", other_c[3][0], other_c[3][1], other_c[0], other_c[1], other_c[2][:1], s2, e2, f"org-{cj}-b"))
        # two different pieces of work that share a boilerplate sentence, same country and theme
        cj = rng.choice([c for c in range(len(CONCEPTS)) if c != ci])
        p = pid()
        other_c = CONCEPTS[cj]
        add("boilerplate", "distinct", ci,
            _record(p, "a", t, f"{d} {BOILERPLATE}", theme, groups, countries, start, end, org_a),
            _record(p, "b", other_c[4][0], f"{other_c[4][1]} {BOILERPLATE}", theme, other_c[1], countries, start, end,
                    f"org-{cj}-b"))
        # different work in the same sector, place and period (shares the field's words)
        if ci in NEIGHBOURS:
            nt, nd = NEIGHBOURS[ci]
            for version in ((t, d), (pt, pd)):
                p = pid()
                add("same_sector_other_work", "distinct", ci,
                    _record(p, "a", version[0], version[1], theme, groups, countries, start, end, org_a),
                    _record(p, "b", nt, nd, theme, groups, countries, start + shift, end, f"org-{ci}-n"))
        assert len(pairs) > n
    return pairs


def write(path: Path = DATA) -> int:
    pairs = build_pairs()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for pair in pairs:
            f.write(json.dumps(pair, ensure_ascii=False) + "\n")
    return len(pairs)


def read(path: Path = DATA) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


if __name__ == "__main__":
    print(f"{write()} pairs written to {DATA}")
