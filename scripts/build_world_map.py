"""Rebuild app/data/world-map.json (one SVG outline per country) from the @svg-maps/world npm package.

    npm pack @svg-maps/world@2.0.0 && tar xzf svg-maps-world-2.0.0.tgz
    python scripts/build_world_map.py package/world.svg > app/data/world-map.json

The package draws each country as one SVG path (relative "m ... z" rings) on a 1010 x 666 canvas, with the
ISO 3166-1 alpha-2 code as its id. This keeps the same outlines, keyed by alpha-3 code, with the points
rounded to a tenth of a unit and points closer than MIN_STEP to the previous one dropped: about a quarter
of the size, which matters because the map is drawn inline in the dashboard page. The outlines are
© Victor Cazanave, CC BY 4.0 (app/data/world-map.LICENSE); this rounding is our change to them.
"""
import json
import re
import sys

import pycountry
from lxml import etree

MIN_STEP = 1.5
TOKEN = re.compile(r"[mMzZ]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


def rings(d: str) -> list[list[tuple[float, float]]]:
    """The closed rings of a path made only of relative moves ("m") with implicit line-tos, and "z"."""
    out, ring, x, y, numbers = [], [], 0.0, 0.0, []
    for token in TOKEN.findall(d) + ["z"]:
        if token in "mMzZ":
            for i in range(0, len(numbers) - 1, 2):
                x, y = x + numbers[i], y + numbers[i + 1]
                ring.append((x, y))
            numbers = []
            if ring:
                out.append(ring)
            ring = []
            if token in "zZ" and out:
                x, y = out[-1][0]
        else:
            numbers.append(float(token))
    return out


def compact(ring: list[tuple[float, float]]) -> str:
    points = [(round(x, 1), round(y, 1)) for x, y in ring]
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= MIN_STEP:
            kept.append(p)
    if len(kept) < 3:
        return ""
    parts = [f"M{kept[0][0]:g} {kept[0][1]:g}"]
    for (x0, y0), (x1, y1) in zip(kept, kept[1:]):
        parts.append(f"l{round(x1 - x0, 1):g} {round(y1 - y0, 1):g}")
    return "".join(parts) + "z"


tree = etree.parse(sys.argv[1])
svg = tree.getroot()
countries = []
for path in svg.iter("{http://www.w3.org/2000/svg}path"):
    alpha2 = path.get("id", "").upper()
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        continue
    d = "".join(compact(r) for r in rings(path.get("d")))
    if d:
        countries.append({"id": country.alpha_3, "d": d})
json.dump({"viewBox": svg.get("viewBox"), "countries": countries}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
