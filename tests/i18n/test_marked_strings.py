"""Every user-facing string is marked for translation, and the catalogs are complete."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TRANSLATIONS = APP / "translations"
LANGUAGES = ["fr", "es"]

JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
# Text that needs no translation: punctuation, numbers, entities, separators.
NEUTRAL = re.compile(r"^[\s\W\d_]*$")
TEXT_ATTRIBUTE = re.compile(r'\b(placeholder|title|alt|aria-label)="([^"{]*[A-Za-z][^"{]*)"')
ALLOWED_ATTRIBUTE_VALUES = {"user.approve"}  # a code example, the same in every language


def templates():
    return sorted(p for p in APP.rglob("templates/**/*") if p.suffix in {".html", ".txt"})


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(APP)))
def test_templates_have_no_bare_text(path):
    source = path.read_text()
    without_jinja = re.sub(r"&[a-z]+;", " ", JINJA.sub(" ", source))
    bare = [chunk.strip() for chunk in TAG.sub("\n", without_jinja).splitlines()]
    bare = [chunk for chunk in bare if chunk and not NEUTRAL.match(chunk)]
    assert bare == [], f"Unmarked text in {path.name}: wrap it in {{{{ _('...') }}}}"
    attributes = [value for _name, value in TEXT_ATTRIBUTE.findall(JINJA.sub("{}", source))
                  if value not in ALLOWED_ATTRIBUTE_VALUES]
    assert attributes == [], f"Unmarked attribute text in {path.name}"


# Calls whose first argument is shown to people: it must be _()/_l()/ngettext(), never a bare string.
USER_FACING_CALLS = {"flash", "DomainError", "NotAllowedError", "InvalidTransitionError", "DuplicateError",
                     "TokenError", "LoginError", "ValidationError", "DataRequired", "InputRequired", "Email",
                     "EqualTo", "URL", "StringField", "PasswordField", "EmailField", "SelectField",
                     "TextAreaField", "BooleanField", "HiddenField", "IntegerField", "DateField",
                     "DateTimeLocalField", "FileField", "queue_email"}


def python_files():
    return sorted(p for p in APP.rglob("*.py") if "dedup" not in p.parts and p.name != "demo_data.py")


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(APP)))
def test_python_user_facing_strings_are_marked(path):
    problems = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and _name(node.func) in USER_FACING_CALLS):
            continue
        # Where the shown text sits: queue_email's subject is its 2nd argument, EqualTo's message too.
        position = {"queue_email": 1, "EqualTo": 1}.get(_name(node.func), 0)
        args = node.args[position:position + 1]
        for arg in [*args, *(k.value for k in node.keywords if k.arg in {"message", "label", "description"})]:
            if isinstance(arg, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(arg, "value", ""), str):
                problems.append(f"line {node.lineno}: {_name(node.func)}({ast.unparse(arg)[:60]})")
    assert problems == [], f"Unmarked user-facing strings in {path.name}: {problems}"


def extracted_msgids(tmp_path) -> set[str]:
    pot = tmp_path / "now.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_catalog_template_is_up_to_date(tmp_path):
    """Strings marked in the code are all in messages.pot: run `make translations` after adding some."""
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        in_pot = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    missing = extracted_msgids(tmp_path) - in_pot
    assert not missing, f"Run `make translations`; not in the catalog: {sorted(missing)[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_are_complete(lang, tmp_path):
    messages = [m for m in catalog(lang) if m.id]
    untranslated = [m.id for m in messages if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in messages}
    assert extracted_msgids(tmp_path) <= ids, f"{lang}: run `make translations` and translate the new strings"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang):
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for message in catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(placeholder.findall(ids[-1])))
        for text in strings:
            assert sorted(set(placeholder.findall(text))) == wanted, f"{lang}: {message.id!r} -> {text!r}"


def test_compiled_catalogs_are_build_output_not_committed():
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.strip() == "", "The .mo files are compiled by make; don't commit them"
