"""Text: normalise (case, accents, British/American spelling, a small fr/es → en glossary of the field),
count content words, and find the key phrases two texts share."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy

# Documented input limits: longer text is cut (and said), never an error.
TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 4000

# British → American spellings common in this field (both sides are normalised the same way, so
# "labour inspection" and "labor inspection" are the same text).
_SPELLING = [
    (r"labour", "labor"), (r"programme", "program"), (r"centre", "center"), (r"behaviour", "behavior"),
    (r"organis", "organiz"), (r"mobilis", "mobiliz"), (r"sensitis", "sensitiz"), (r"criminalis", "criminaliz"),
    (r"harmonis", "harmoniz"), (r"recognis", "recogniz"), (r"prioritis", "prioritiz"), (r"formalis", "formaliz"),
    (r"operationalis", "operationaliz"), (r"standardis", "standardiz"), (r"institutionalis", "institutionaliz"),
    (r"digitalis", "digitaliz"), (r"utilis", "utiliz"), (r"modernis", "moderniz"), (r"legalis", "legaliz"),
    (r"minimis", "minimiz"), (r"maximis", "maximiz"), (r"enrol(?!l)", "enroll"),
    (r"favour", "favor"), (r"neighbour", "neighbor"), (r"defence", "defense"), (r"licence", "license"),
    (r"analys(?=e|ing)", "analyz"), (r"catalogu", "catalog"),
]
_SPELLING_RE = re.compile(r"\b(" + "|".join(p for p, _ in _SPELLING) + r")")
_SPELLING_MAP = {re.sub(r"\(.*\)", "", p): r for p, r in _SPELLING}

# The field's key terms in French and Spanish, mapped to English, so that a French title and an
# English one about the same work share their key terms. Matched after accents are stripped.
GLOSSARY = {
    "travail des enfants": "child labor", "travail infantile": "child labor", "trabajo infantil": "child labor",
    "pires formes de travail des enfants": "worst forms of child labor",
    "peores formas de trabajo infantil": "worst forms of child labor",
    "travail force": "forced labor", "trabajo forzoso": "forced labor", "trabajo forzado": "forced labor",
    "traite des personnes": "human trafficking", "traite des etres humains": "human trafficking",
    "trata de personas": "human trafficking", "trata de seres humanos": "human trafficking",
    "esclavage moderne": "modern slavery", "esclavitud moderna": "modern slavery",
    "enfants soldats": "child soldiers", "ninos soldados": "child soldiers",
    "inspection du travail": "labor inspection", "inspeccion del trabajo": "labor inspection",
    "inspeccion laboral": "labor inspection", "travailleurs domestiques": "domestic workers",
    "trabajadoras domesticas": "domestic workers", "trabajadores domesticos": "domestic workers",
    "travailleurs migrants": "migrant workers", "trabajadores migrantes": "migrant workers",
    "chaines d'approvisionnement": "supply chains", "chaine d'approvisionnement": "supply chain",
    "cadenas de suministro": "supply chains", "cadena de suministro": "supply chain",
    "recrutement equitable": "fair recruitment", "reclutamiento equitativo": "fair recruitment",
    "protection sociale": "social protection", "proteccion social": "social protection",
    "devoir de vigilance": "due diligence", "diligencia debida": "due diligence",
    "servitude pour dettes": "debt bondage", "servidumbre por deudas": "debt bondage",
    "cacao": "cocoa", "mines": "mining", "mineria": "mining", "peche": "fishing", "pesca": "fishing",
    "agriculture": "agriculture", "agricultura": "agriculture", "victimes": "victims", "victimas": "victims",
    "formation": "training", "capacitacion": "training", "renforcement des capacites": "capacity building",
    "fortalecimiento de capacidades": "capacity building", "sensibilisation": "awareness raising",
    "sensibilizacion": "awareness raising", "ecoles": "schools", "escuelas": "schools",
    "enfants": "children", "ninos": "children", "ninas": "girls", "filles": "girls", "femmes": "women",
    "mujeres": "women", "migrants": "migrants", "migrantes": "migrants", "prevention": "prevention",
    "prevencion": "prevention", "politique nationale": "national policy", "politica nacional": "national policy",
    "plan d'action national": "national action plan", "plan de accion nacional": "national action plan",
    "plan nacional de accion": "national action plan",
}
_GLOSSARY_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(GLOSSARY, key=len, reverse=True)) + r")\b")

# English stop words: scikit-learn's ENGLISH_STOP_WORDS (318 words, BSD-3-Clause; from the Glasgow
# Information Retrieval Group's list), copied so that web workers need not import scikit-learn
# (tests/dedup/test_hashing.py checks the copy against it).
ENGLISH_STOP_WORDS = frozenset("""
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at
    back be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone
    everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found
    four from front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its
    itself keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover
    most mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone
    nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own part per perhaps please put rather re same see seem seemed seeming seems serious
    several she should show side since sincere six sixty so some somehow someone something sometime sometimes
    somewhere still such system take ten than that the their them themselves then thence there thereafter
    thereby therefore therein thereupon these they thick thin third this those though three through throughout
    thru thus to together too top toward towards twelve twenty two un under until up upon us very via was we
    well were what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever
    whether which while whither who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves
""".split())

_FR_ES_STOP = {
    "le", "la", "les", "des", "du", "de", "un", "une", "et", "en", "au", "aux", "pour", "par", "sur", "dans",
    "avec", "est", "sont", "ce", "ces", "qui", "que", "dont", "leur", "leurs", "son", "sa", "ses", "plus",
    "el", "los", "las", "del", "al", "y", "para", "por", "con", "una", "uno", "unos", "unas", "que", "se",
    "su", "sus", "es", "son", "como", "entre", "sobre", "lo", "mas", "o", "u", "e",
}
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | _FR_ES_STOP

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=4096)
def _fold(word: str) -> str:
    """Lower-case, strip accents from Latin letters (other scripts kept), British → American spelling."""
    word = word.lower()
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        word = unicodedata.normalize("NFC", stripped)
    return _SPELLING_RE.sub(lambda m: _SPELLING_MAP.get(m.group(1), m.group(1)), word)


# Only the encoding is repaired: quotes, ligatures, full-width letters and line breaks are left as written.
_FTFY = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                             fix_character_width=False, fix_line_breaks=False, normalization=None, explain=False)


def repair(text: str | None) -> str:
    """The text with mis-encoded accents repaired (UTF-8 read as Windows-1252 or Latin-1: "protecciÃ³n",
    "Â£ 125,000", "dâ€™Ivoire"; IATI files have some), by ``ftfy``; ASCII text is returned as it is."""
    text = text or ""
    if text.isascii():
        return text
    try:
        return ftfy.fix_text(text, _FTFY)
    except Exception:  # pragma: no cover - a repair must never cost a query
        return text


def clip(text: str | None, limit: int) -> tuple[str, bool]:
    """The text cut at ``limit`` characters (at a word boundary when one is near), and whether it was cut."""
    text = text or ""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", limit - 100)
    return (cut[:space] if space > 0 else cut), True


def fold_text(text: str) -> str:
    """:func:`_fold` applied to a whole text at once (the same result as word by word, much faster)."""
    text = (text or "").lower()
    if not text.isascii():
        text = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFKD", text)
                                                    if not unicodedata.combining(c)))
    return _SPELLING_RE.sub(lambda m: _SPELLING_MAP.get(m.group(1), m.group(1)), text)


def tokens(text: str) -> list[str]:
    """The words of a text, folded (see :func:`_fold`)."""
    return _WORD_RE.findall(fold_text(text))


def normalise(text: str) -> str:
    """Text for the character n-gram index: folded words separated by single spaces, glossary applied."""
    folded = " ".join(tokens(text.replace("’", "'")))
    return _GLOSSARY_RE.sub(lambda m: GLOSSARY[m.group(1)], folded)


def content_word_count(text: str) -> int:
    """Distinct words that carry meaning: not stop words, not numbers, two letters or more (a title repeated
    as the description counts once); a CJK text counts one word per two distinct characters (it has no
    spaces)."""
    words = set(tokens(text))
    if not _CJK_RE.search(text or ""):
        return sum(1 for w in words if len(w) > 1 and w not in STOP_WORDS and not w.isdigit())
    count = 0
    characters: set[str] = set()
    for word in words:
        cjk = _CJK_RE.findall(word)
        if cjk:
            characters.update(cjk)
        elif len(word) > 1 and not word.isdigit() and word not in STOP_WORDS:
            count += 1
    return count + (len(characters) + 1) // 2


class PhraseFinder:
    """Finds the key phrases (1–3 words) a draft shares with other texts; the draft is read once.

    ``rarity(phrase_tokens)`` weighs a phrase (0 for boilerplate); phrases that start or end with a stop
    word or a number, that are part of a longer shared phrase, or that are in ``skip`` (folded, e.g.
    country names), are left out. A phrase is shown as written in the draft (lower-cased).
    """

    def __init__(self, draft_text: str, rarity, limit: int = 5, max_len: int = 3, skip=frozenset()):
        self.rarity, self.limit, self.max_len = rarity, limit, max_len
        raw = _WORD_RE.findall(draft_text or "")
        folded = [_fold(w) for w in raw]
        self.candidates: list[tuple[tuple[str, ...], str]] = []  # longest first, in text order
        for n in range(max_len, 0, -1):
            for i in range(len(folded) - n + 1):
                gram = tuple(folded[i:i + n])
                if gram[0] in STOP_WORDS or gram[-1] in STOP_WORDS or gram[0].isdigit() or gram[-1].isdigit():
                    continue
                if n == 1 and len(gram[0]) < 4 and not _CJK_RE.search(gram[0]):
                    continue
                if " ".join(gram) in skip:
                    continue
                self.candidates.append((gram, " ".join(w.lower() for w in raw[i:i + n])))
        self._weights: dict[tuple[str, ...], float] = {}

    def shared_with(self, other_text: str) -> tuple[str, ...]:
        other = tokens(other_text)
        other_grams = set()
        for n in range(1, self.max_len + 1):
            other_grams.update(tuple(other[i:i + n]) for i in range(len(other) - n + 1))
        found: dict[tuple[str, ...], tuple[float, str]] = {}
        covered: set[tuple[str, ...]] = set()
        for gram, surface in self.candidates:
            if gram in found or gram in covered or gram not in other_grams:
                continue
            weight = self._weights.get(gram)
            if weight is None:
                weight = self._weights[gram] = self.rarity(gram)
            if weight > 0:
                found[gram] = (weight, surface)
                n = len(gram)
                covered.update(gram[i:i + m] for m in range(1, n) for i in range(n - m + 1))
        out: list[str] = []
        for _, surface in sorted(found.values(), key=lambda x: -x[0]):
            if surface not in out:
                out.append(surface)
            if len(out) == self.limit:
                break
        return tuple(out)


def shared_phrases(draft_text: str, other_text: str, rarity, limit: int = 5, max_len: int = 3) -> tuple[str, ...]:
    """Up to ``limit`` key phrases found in both texts, most distinctive first (see :class:`PhraseFinder`)."""
    return PhraseFinder(draft_text, rarity, limit, max_len).shared_with(other_text)
