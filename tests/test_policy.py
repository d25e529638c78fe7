"""app.policy: the site-wide predicates' truth tables, their use in templates, and a guard that the rules
are not spelled again inline in routes and templates."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from app import policy
from app.members.models import OrgRole, UserStatus

APP = Path(__file__).resolve().parent.parent / "app"


def person(*, status="active", admin=False, org=7, focal=True, org_active=True):
    """A stand-in user with just what the predicates read (as a User, is_authenticated is True)."""
    approved = status == "active"
    return SimpleNamespace(is_authenticated=True, is_approved=approved, is_admin=admin, organisation_id=org,
                           is_focal_point=approved and focal,
                           may_use_secret_links=approved and (org is None or org_active))


ANONYMOUS = AnonymousUserMixin()
# name -> (user, is_signed_in, is_partner, is_secretariat, holds_secretariat_role, has_organisation,
#          may_submit_resource, may_have_api_tokens)
PEOPLE = {
    "none": (None, False, False, False, False, False, False, False),
    "anonymous": (ANONYMOUS, False, False, False, False, False, False, False),
    "pending applicant": (person(status="pending"), True, False, False, False, False, False, False),
    "pending admin": (person(status="pending", admin=True), True, False, False, True, False, False, False),
    "member (not focal point)": (person(focal=False), True, True, False, False, True, True, False),
    "focal point": (person(), True, True, False, False, True, True, True),
    "focal point, org suspended": (person(org_active=False), True, True, False, False, True, True, False),
    "person without organisation": (person(org=None, focal=False), True, True, False, False, False, False, False),
    "secretariat": (person(admin=True, org=None, focal=False), True, True, True, True, False, True, True),
    "secretariat with an organisation": (person(admin=True), True, True, True, True, True, True, True),
}


@pytest.mark.parametrize("name", PEOPLE)
def test_site_wide_truth_table(name):
    user, signed_in, partner, secretariat, holds_role, has_org, submits, tokens = PEOPLE[name]
    assert policy.is_signed_in(user) is signed_in
    assert policy.is_partner(user) is partner
    assert policy.is_secretariat(user) is secretariat
    assert policy.holds_secretariat_role(user) is holds_role
    assert policy.has_organisation(user) is has_org
    assert policy.may_pledge(user) is has_org
    assert policy.may_submit_resource(user) is submits
    assert policy.may_have_api_tokens(user) is tokens


@pytest.mark.parametrize(("user", "organisation_id", "expected"), [
    (person(org=7), 7, True),
    (person(org=7), 8, False),
    (person(org=7), None, False),
    (person(org=None), None, False),          # no organisation is not "the same" organisation
    (person(org=7, status="pending"), 7, False),
    (person(org=7, admin=True), 8, False),    # the secretariat is not a member of every organisation
    (ANONYMOUS, 7, False),
    (None, 7, False),
])
def test_belongs_to(user, organisation_id, expected):
    assert policy.belongs_to(user, organisation_id) is expected


def test_convenes_asks_the_group():
    group = SimpleNamespace(is_convened_by=lambda user: user == "cleo")
    assert policy.convenes("cleo", group) is True
    assert policy.convenes("someone", group) is False
    assert policy.convenes("cleo", None) is False


def test_the_real_user_model_agrees(make_user):
    assert policy.is_secretariat(make_user(admin=True)) is True
    assert policy.is_secretariat(make_user(admin=True, status=UserStatus.pending)) is False
    assert policy.is_secretariat(make_user()) is False
    member = make_user(role=OrgRole.member)
    assert (policy.is_partner(member), policy.may_have_api_tokens(member)) == (True, False)
    assert policy.may_have_api_tokens(make_user()) is True


def test_templates_see_the_predicates_as_globals_and_tests(app):
    template = app.jinja_env.from_string(
        "{{ is_secretariat(u) }} {{ u is secretariat }} {{ u is partner }} {{ has_organisation(u) }}")
    assert template.render(u=person(admin=True, org=None)) == "True True True False"
    assert template.render(u=person()) == "False False True True"
    assert template.render(u=ANONYMOUS) == "False False False False"


# -- one place: nothing spells the rules again --------------------------------------------------------------
def _sources(pattern: str) -> list[Path]:
    return sorted(p for p in APP.rglob(pattern) if "translations" not in p.parts)


ROUTE_FILES = [p for p in _sources("*.py") if p.name == "routes.py" or p.name.endswith("_routes.py")]
TEMPLATES = _sources("*.html")
# A person's role read straight from the account or the membership to decide something, instead of
# through a predicate (showing a role's label, ``role_labels[person.org_role]``, is not deciding).
INLINE_ROLE = re.compile(r"\.is_admin\b|\b(current_user|user|person|actor|viewer)\.is_approved\b"
                         r"|GroupRole\.convener|Membership\.role\s*(==|!=|\.in_)|\.org_role\s*(==|!=|is\b)")


def _offences(files: list[Path], pattern: re.Pattern) -> list[str]:
    return [f"{path.relative_to(APP.parent)}:{number}: {line.strip()}"
            for path in files for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_the_guard_finds_what_it_looks_for():
    """The patterns below would catch the spellings this module replaced."""
    for line in ("{% if current_user.is_authenticated and current_user.is_admin %}",
                 "_require(current_user.is_approved and current_user.organisation_id is not None)",
                 "Membership.user_id == user.id, Membership.role == GroupRole.convener",
                 "user.org_role is OrgRole.focal_point"):
        assert INLINE_ROLE.search(line)
    assert not INLINE_ROLE.search("{% if is_secretariat(current_user) %}")
    assert not INLINE_ROLE.search("{% set approved = reports | selectattr('is_approved') | list %}")
    assert not INLINE_ROLE.search("{{ role_labels[person.org_role] }}")


def test_found_the_files():
    assert len(ROUTE_FILES) >= 10 and len(TEMPLATES) >= 50


def test_no_template_reads_roles_directly():
    """Templates ask app.policy (``is_secretariat(current_user)``) or a model's ``can_*``, never
    ``current_user.is_admin``."""
    assert _offences(TEMPLATES, INLINE_ROLE) == []


def test_no_route_spells_a_role_check_inline():
    assert _offences(ROUTE_FILES, INLINE_ROLE) == []


def test_no_module_keeps_its_own_secretariat_helper():
    """The three spellings of the secretariat check (``_is_admin`` helpers in models, services and the API)
    are gone: app.policy.is_secretariat is the one."""
    helper = re.compile(r"def _is_(admin|partner|secretariat)\b")
    assert _offences(_sources("*.py"), helper) == []
