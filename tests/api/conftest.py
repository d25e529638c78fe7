"""API fixtures: the pledge world of the commitments tests, and tokens for its people."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from app.api import tokens
from app.extensions import db
from tests.commitments.conftest import NOW, ROLES, make_pledge, pledge_world  # noqa: F401  (fixtures)


@pytest.fixture
def make_token(app):
    """Create a token for ``user`` directly through the service; returns the secret."""

    def _make_token(user, scopes=("read",), *, days=90, now=None, revoked=False):
        token, secret = tokens.create_token(user, "test", list(scopes), days, now=now or datetime.now(timezone.utc))
        if revoked:
            tokens.revoke_token(user, token)
        db.session.commit()
        return secret

    return _make_token


def bearer(secret: str | None) -> dict:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


@pytest.fixture
def expired_secret(make_token, pledge_world):
    return make_token(pledge_world.people.coordinator, now=datetime.now(timezone.utc) - timedelta(days=91))


SPEC_URI = "urn:hub:openapi.json"


def document_errors(spec: dict, path: str, method: str, response) -> list[str]:
    """How ``response`` differs from what the OpenAPI document ``spec`` says ``method path`` answers with
    that status (an empty list: it is as documented). The document's ``$ref``s are resolved in place, and
    its object schemas forbid fields they do not name (``additionalProperties: false``)."""
    where = ["paths", path, method, "responses", str(response.status_code)]
    documented = spec["paths"][path][method]["responses"].get(where[-1])
    if documented is None:
        return [f"status {response.status_code} is not documented for {method.upper()} {path}"]
    if "$ref" in documented:
        where = documented["$ref"].lstrip("#/").split("/")
        documented = spec["components"]["responses"][where[-1]]
    if response.mimetype not in documented.get("content", {}):
        return [f"{response.mimetype} is not documented for {response.status_code} of {method.upper()} {path}"]
    where += ["content", response.mimetype, "schema"]
    registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT4))
    pointer = "/".join(quote(part.replace("~", "~0").replace("/", "~1"), safe="") for part in where)
    schema = {"$ref": f"{SPEC_URI}#/{pointer}"}
    validator = OAS30Validator(schema, registry=registry, format_checker=oas30_format_checker)
    errors = list(validator.iter_errors(response.get_json()))
    if errors:  # the best-matching error first: an anyOf's own message names no field
        errors.remove(best := best_match(errors))
        errors.insert(0, best)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(the body)'}: {e.message}" for e in errors]
