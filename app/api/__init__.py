"""The open data API, ``/api/v1/``: public reads without a key, and a partner's own data and report
drafts with a personal access token (``Authorization: Bearer a87_...``).

Built on flask-smorest: its blueprints and marshmallow schemas fit a Flask-SQLAlchemy/WTForms app,
the OpenAPI 3 document is generated from the code (served at ``/api/v1/openapi.json``), and it is
maintained. The API never reads the session cookie: only a token says who calls, so a web page of
another site cannot act through a signed-in browser (no CSRF), and the CSRF check is off for it.
"""
from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from app.api import docs, token_routes
from app.api.records import null_or_nested
from app.api.paging import ProblemSchema
from app.api.problems import PROBLEM_TYPE, from_http_exception, problem
from app.api.tokens import revoke_all
from app.errors import answer_api_errors_with
from app.extensions import csrf
from app.members import on_access_ended

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates",
               description="The Alliance 8.7 Hub's open data API")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
    "Access-Control-Max-Age": "600",
}


class HubApi(Api):
    """flask-smorest's Api without its application-wide error handlers: the web pages keep theirs, and the
    API's problem responses are chosen in :func:`app.errors.http_error` by path."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """flask-smorest's error responses (one per status, and the default), typed as the API sends them:
        ``application/problem+json``, not its default ``application/json``."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_TYPE  # for these only: the class's value comes back below
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


def _problem_schema():
    return ProblemSchema


DESCRIPTION = ("Published pledges, partners, action groups, the Forum, knowledge resources, imported activities "
               "and country figures; with a personal access token, your organisation's drafts and progress report "
               "drafts. See the README section 'Using the API'.")


@on_access_ended
def _revoke_tokens(user) -> None:
    revoke_all(user)


def client_key() -> str:
    """Rate limits count per token when there is one, else per address."""
    from flask_limiter.util import get_remote_address

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:16]
    return "ip:" + (get_remote_address() or "")


def wants_api_errors() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")


def api_error(error: HTTPException):
    return _finish(from_http_exception(error))


def api_crash():
    """The API's answer to an unhandled error: a problem+json 500."""
    return _finish(problem(500))


def _finish(response):
    """CORS for reads; never stored by shared caches when a token was used."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        for key, value in CORS_HEADERS.items():
            response.headers.setdefault(key, value)
    response.headers["Vary"] = "Authorization, Accept-Language"
    if request.headers.get("Authorization"):
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def _conditional(response):
    """ETag on every successful read, and 304 when the client's copy is current."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.direct_passthrough:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.make_conditional(request)
    return _finish(response)


def register(app) -> None:
    """Initialise the API on ``app`` (called by create_app after the other blueprints)."""
    app.config.setdefault("API_TITLE", "Alliance 8.7 Hub API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    csrf.exempt(bp)
    HubApi.ERROR_SCHEMA = _problem_schema()
    api = HubApi(spec_kwargs={"info": {"description": DESCRIPTION}})
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(null_or_nested)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A personal access token (a87_...)"})
    api.register_blueprint(bp)
    app.register_blueprint(docs.docs_bp)
    app.register_blueprint(token_routes.tokens_bp)
    app.extensions["hub_api"] = api
    answer_api_errors_with(wants_api_errors, api_error, api_crash)


from app.api import auth, routes, writes  # noqa: E402,F401  (register the views on bp)
from app.extensions import limiter as _limiter  # noqa: E402

_limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=client_key)(bp)
