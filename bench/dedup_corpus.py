"""A generated, reproducible corpus of initiative-like records for the duplication detector's benchmark
and calibration: titles and 1–3 sentence descriptions about child labour, forced labour, trafficking and
modern slavery, 1–3 countries, dates, themes, target groups and organisations. Varied on purpose (many
sectors, actions, places, phrasings, British and American spelling), so it is not 100,000 copies of one
sentence."""
from __future__ import annotations

import random
from datetime import date, timedelta

from app.dedup import Initiative

THEMES = ["child_labour", "worst_forms", "child_soldiers", "forced_labour", "trafficking", "modern_slavery"]
TARGET_GROUPS = ["children", "adolescents", "migrants", "domestic_workers", "indigenous_peoples", "women", "other"]
KINDS = ["pledge", "work_item", "external_activity"]

THEME_TERMS = {
    "child_labour": ["child labour", "child labor", "working children", "child work in {sector}", "underage work"],
    "worst_forms": ["the worst forms of child labour", "hazardous child labour", "hazardous work by children"],
    "child_soldiers": ["the recruitment of child soldiers", "children associated with armed groups",
                       "child recruitment by armed forces"],
    "forced_labour": ["forced labour", "forced labor", "debt bondage", "bonded labour", "compulsory labour"],
    "trafficking": ["human trafficking", "trafficking in persons", "trafficking of women and girls",
                    "cross-border trafficking", "labour trafficking"],
    "modern_slavery": ["modern slavery", "slavery-like practices", "servitude", "modern slavery risks"],
}
SECTORS = ["cocoa", "cotton", "coffee", "tea estates", "sugarcane", "palm oil", "rubber", "tobacco", "fishing",
           "seafood processing", "garment factories", "textile mills", "artisanal gold mining", "cobalt mining",
           "mica mining", "brick kilns", "stone quarries", "construction", "domestic work", "hospitality",
           "agriculture", "cattle herding", "carpet weaving", "electronics assembly", "shrimp farming",
           "charcoal production", "street vending", "cut-flower farms", "vanilla", "hazelnut harvesting"]
ACTIONS = [
    ("strengthen labour inspection", "labour inspectorates"), ("train labour inspectors", "labour inspectors"),
    ("set up community-based child labour monitoring", "community monitoring committees"),
    ("provide cash transfers to vulnerable households", "cash transfer programmes"),
    ("support survivors with shelter and legal aid", "survivor support services"),
    ("develop a national action plan", "the national action plan"),
    ("map risks in supply chains", "supply chain mapping"), ("conduct a national prevalence survey", "survey data"),
    ("run radio awareness campaigns", "awareness campaigns"), ("build the capacity of police and prosecutors",
                                                                 "law enforcement training"),
    ("improve access to quality schooling", "school enrolment"), ("promote fair recruitment", "recruitment agencies"),
    ("set up a multilingual hotline", "the hotline"), ("support social dialogue with unions and employers",
                                                      "social dialogue"),
    ("reform labour legislation", "legal reform"), ("create vocational training for adolescents",
                                                    "vocational training"),
    ("establish referral mechanisms for victims", "national referral mechanisms"),
    ("strengthen birth registration", "birth registration"), ("support worker-driven social responsibility",
                                                              "worker-driven programmes"),
    ("introduce mandatory human rights due diligence", "due diligence laws"),
    ("audit suppliers for forced labour indicators", "supplier audits"),
    ("provide microcredit to women's cooperatives", "microcredit schemes"),
    ("reintegrate former child soldiers", "reintegration programmes"),
    ("strengthen border screening for trafficking victims", "border screening"),
    ("digitise worker contracts", "digital contracts"), ("set up grievance mechanisms", "grievance mechanisms"),
    ("extend social protection to informal workers", "social protection floors"),
    ("support survivor-led organisations", "survivor leadership"),
    ("harmonise data collection on 8.7 indicators", "data harmonisation"),
    ("train journalists on reporting trafficking", "media training"),
]
OUTCOMES = ["reduce the number of children in hazardous work", "identify and assist victims earlier",
            "increase prosecutions of traffickers", "raise household incomes", "keep children in school",
            "improve working conditions", "prevent re-trafficking", "close gaps in legal protection",
            "give workers a voice", "make recruitment fees a thing of the past", "improve data for policy",
            "change social norms in sending communities", "ensure remediation for affected workers"]
PLACES = ["in {n} districts", "in rural areas", "in border towns", "in the capital and two provinces",
          "along the main migration corridor", "in {n} municipalities", "in coastal communities",
          "in informal settlements", "in refugee camps", "in export processing zones", "in mining regions"]
OPENINGS = ["This project will {action}", "The programme aims to {action}", "We will {action}",
            "Our organisation commits to {action}", "The initiative seeks to {action}",
            "Together with local partners, we {action}", "The pledge is to {action}",
            "Activities {action_ing}"]
SECOND = ["It focuses on {term} in {sector} {place}.", "Work concentrates on {sector} {place}, where {term} "
          "remains widespread.", "The target is to {outcome} by {year}.", "It builds on a pilot in {sector} "
          "that showed how to {outcome}.", "Partners include ministries, trade unions and {group_phrase}.",
          "Results will feed into {action_noun} and the national plan on {term}.",
          "A baseline study on {term} among {group_phrase} starts in {year}."]
THIRD = ["Lessons will be shared through Alliance 8.7.", "Progress is reported every six months.",
         "The budget covers staff, training and monitoring.", "An independent evaluation closes the project.",
         "The approach is designed to be replicated in neighbouring countries.",
         "Findings will be published in English, French and Spanish."]
GROUP_PHRASES = {"children": "children aged 5 to 17", "adolescents": "adolescents", "migrants": "migrant workers",
                 "domestic_workers": "domestic workers", "indigenous_peoples": "indigenous communities",
                 "women": "women and girls", "other": "affected families"}
TITLE_FORMS = ["{ActionCap} to end {term} in {sector}", "{ActionCap} in {sector} ({country})",
               "Tackling {term} in {sector}", "{Acronym}: {ActionCap}", "Ending {term} in {country}'s {sector} sector",
               "{ActionCap} for {group_phrase}", "Partnership against {term} in {sector}",
               "{country}: {action_noun} against {term}"]
ACRONYM_SYLLABLES = ["ACT", "SAFE", "FAIR", "HOPE", "PRO", "RISE", "STOP", "BRIDGE", "CLEAR", "FREE", "ECHO", "MAP"]
COUNTRIES = ["KEN", "UGA", "TZA", "ETH", "GHA", "CIV", "NGA", "NER", "MLI", "BFA", "SEN", "MDG", "MWI", "ZMB",
             "COD", "MOZ", "EGY", "MAR", "TUN", "JOR", "LBN", "IRQ", "YEM", "IND", "PAK", "BGD", "NPL", "LKA",
             "MMR", "THA", "KHM", "VNM", "PHL", "IDN", "MYS", "CHN", "UZB", "KAZ", "TUR", "GEO", "UKR", "ROU",
             "BGR", "ALB", "SRB", "ITA", "ESP", "GBR", "FRA", "DEU", "NLD", "BRA", "PER", "BOL", "COL", "ECU",
             "GTM", "HND", "MEX", "PRY", "ARG", "HTI", "DOM", "USA", "CAN", "AUS", "FJI", "PNG", "QAT", "SAU"]
COUNTRY_NAMES = {"KEN": "Kenya", "UGA": "Uganda", "TZA": "Tanzania", "ETH": "Ethiopia", "GHA": "Ghana",
                 "CIV": "Côte d'Ivoire", "NGA": "Nigeria", "NER": "Niger", "MLI": "Mali", "BFA": "Burkina Faso",
                 "SEN": "Senegal", "MDG": "Madagascar", "MWI": "Malawi", "ZMB": "Zambia", "COD": "DR Congo",
                 "MOZ": "Mozambique", "EGY": "Egypt", "MAR": "Morocco", "TUN": "Tunisia", "JOR": "Jordan",
                 "LBN": "Lebanon", "IRQ": "Iraq", "YEM": "Yemen", "IND": "India", "PAK": "Pakistan",
                 "BGD": "Bangladesh", "NPL": "Nepal", "LKA": "Sri Lanka", "MMR": "Myanmar", "THA": "Thailand",
                 "KHM": "Cambodia", "VNM": "Viet Nam", "PHL": "the Philippines", "IDN": "Indonesia",
                 "MYS": "Malaysia", "CHN": "China", "UZB": "Uzbekistan", "KAZ": "Kazakhstan", "TUR": "Türkiye",
                 "GEO": "Georgia", "UKR": "Ukraine", "ROU": "Romania", "BGR": "Bulgaria", "ALB": "Albania",
                 "SRB": "Serbia", "ITA": "Italy", "ESP": "Spain", "GBR": "the United Kingdom", "FRA": "France",
                 "DEU": "Germany", "NLD": "the Netherlands", "BRA": "Brazil", "PER": "Peru", "BOL": "Bolivia",
                 "COL": "Colombia", "ECU": "Ecuador", "GTM": "Guatemala", "HND": "Honduras", "MEX": "Mexico",
                 "PRY": "Paraguay", "ARG": "Argentina", "HTI": "Haiti", "DOM": "the Dominican Republic",
                 "USA": "the United States", "CAN": "Canada", "AUS": "Australia", "FJI": "Fiji",
                 "PNG": "Papua New Guinea", "QAT": "Qatar", "SAU": "Saudi Arabia"}
ADJECTIVES = ["integrated", "community-led", "multi-stakeholder", "evidence-based", "rights-based", "scalable",
              "gender-responsive", "survivor-centred", "district-level", "sector-wide", "area-based", "pilot"]


def _ing(action: str) -> str:
    verb, _, rest = action.partition(" ")
    verb = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
    return f"{verb}ing {rest}"


def make_record(rng: random.Random, i: int, n_orgs: int = 3000) -> Initiative:
    """One varied initiative-like record."""
    theme = rng.choice(THEMES)
    themes = {theme} | ({rng.choice(THEMES)} if rng.random() < 0.3 else set())
    sector = rng.choice(SECTORS)
    action, action_noun = rng.choice(ACTIONS)
    if rng.random() < 0.5:
        action = f"{action} through an {rng.choice(ADJECTIVES)} approach" if rng.random() < 0.3 else action
    countries = rng.sample(COUNTRIES, rng.choice([1, 1, 1, 2, 3]))
    groups = rng.sample(TARGET_GROUPS, rng.choice([1, 1, 2]))
    term = rng.choice(THEME_TERMS[theme]).format(sector=sector)
    place = rng.choice(PLACES).format(n=rng.randint(2, 12))
    year = rng.randint(2024, 2030)
    group_phrase = GROUP_PHRASES[groups[0]]
    fill = dict(action=action, action_ing=_ing(action), action_noun=action_noun, term=term, sector=sector,
                place=place, year=year, outcome=rng.choice(OUTCOMES), group_phrase=group_phrase,
                country=COUNTRY_NAMES[countries[0]], ActionCap=action[0].upper() + action[1:],
                Acronym=rng.choice(ACRONYM_SYLLABLES) + "-" + rng.choice(ACRONYM_SYLLABLES))
    title = rng.choice(TITLE_FORMS).format(**fill)
    sentences = [rng.choice(OPENINGS).format(**fill) + f" {rng.choice(['for', 'among', 'with'])} {group_phrase} "
                 f"in {COUNTRY_NAMES[countries[0]]}."]
    for _ in range(rng.choice([0, 1, 1, 2])):
        sentences.append(rng.choice(SECOND).format(**fill))
    if rng.random() < 0.15:
        sentences.append(rng.choice(THIRD))
    if rng.random() < 0.5:  # half the records use British spelling, half American
        sentences = [s.replace("labour", "labor").replace("programme", "program") for s in sentences]
    start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 3650))
    end = start + timedelta(days=rng.randint(180, 1800)) if rng.random() < 0.85 else None
    if rng.random() < 0.05:
        start = None
    lead = f"org-{rng.randint(1, n_orgs)}"
    partners = tuple(f"org-{rng.randint(1, n_orgs)}" for _ in range(rng.choice([0, 0, 1, 2])))
    return Initiative(id=f"gen:{i}", kind=rng.choice(KINDS), title=title, description=" ".join(sentences),
                      countries=tuple(countries) if rng.random() > 0.04 else (), start=start, end=end,
                      themes=tuple(sorted(themes)), target_groups=tuple(groups), lead_org=lead,
                      partner_orgs=partners)


def corpus(n: int, seed: int = 87) -> list[Initiative]:
    """``n`` records, the same for the same seed."""
    rng = random.Random(seed)
    return [make_record(rng, i) for i in range(n)]
