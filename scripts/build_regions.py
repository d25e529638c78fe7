"""Rebuild app/data/regions.json (which countries each continent holds) from the world-countries npm package.

    npm pack world-countries@5.1.0 && tar xzf world-countries-5.1.0.tgz
    python scripts/build_regions.py package/countries.json > app/data/regions.json

Regions are keyed by their UN M49 code, so Babel names them in every language (002 = Africa, ...).
"""
import json
import sys

M49 = {"Africa": "002", "Americas": "019", "Asia": "142", "Europe": "150", "Oceania": "009"}

countries = json.load(open(sys.argv[1], encoding="utf-8"))
regions: dict[str, list[str]] = {code: [] for code in M49.values()}
for country in countries:
    if country["region"] in M49:
        regions[M49[country["region"]]].append(country["cca3"])
json.dump({code: sorted(members) for code, members in regions.items()}, sys.stdout, indent=0)
sys.stdout.write("\n")
