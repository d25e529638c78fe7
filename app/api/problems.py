"""Errors of the API as ``application/problem+json`` (RFC 9457), with one message per field."""
from __future__ import annotations

from flask import current_app, json
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid data"),
    429: _l("Too many requests"),
    500: _l("Server error"),
}
DETAILS = {
    401: _l("Send a valid, unrevoked and unexpired personal access token: Authorization: Bearer <token>."),
    403: _l("Your token does not allow this, or you may not do this."),
    404: _l("There is nothing at this address, or you may not see it."),
    422: _l("Some fields are not valid: see errors."),
    429: _l("Too many requests from this client: wait a minute, then try again."),
    500: _l("An error occurred on our side and has been logged."),
}


def problem(status: int, detail: str | None = None, *, errors: dict | None = None, headers=None):
    """A problem response: ``{"type", "title", "status", "detail", "errors"?}``."""
    body = {"type": "about:blank", "title": str(TITLES.get(status, TITLES[500 if status >= 500 else 400])),
            "status": status, "detail": str(detail or DETAILS.get(status, "")) }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs' nested messages ({"json": {"values": {"3": {"value": ["Not a number"]}}}}) as
    ``{"values.3.value": "Not a number"}``, one message per field."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_"] = " ".join(messages)
        else:
            for index, value in enumerate(messages):
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "_"] = str(messages)
    return out


def from_http_exception(error: HTTPException):
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors = None
    if messages:
        # Drop webargs' location level ("json", "query"): the field name is what a client needs.
        flat = {}
        for location, fields in (messages.items() if isinstance(messages, dict) else []):
            flat.update(_flatten(fields))
        errors = flat or None
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = DETAILS.get(code) if code in DETAILS else error.description
    return problem(code, detail, errors=errors, headers=headers)
