"""Absolute URLs (e-mails, invitations, feeds, exports): always built on the configured ``BASE_URL``.

Never on the request's ``Host`` header: anyone can send ``Host: evil.example`` with a password-reset
request, and the e-mailed link would then carry a valid token to their server. Links made inside a
request, by the CLI or by the worker are the same, because they all come from here.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def base_url() -> str:
    """The Hub's public root, without a trailing slash (``https://hub.example.org``)."""
    return current_app.config["BASE_URL"].rstrip("/")


def absolute_url(path: str) -> str:
    """The full address of a Hub path as ``url_for`` gives it (``/pledges/3``)."""
    if has_request_context():
        # Behind a path prefix url_for starts with the request's script root; BASE_URL already holds it.
        root = request.script_root
        if root and path.startswith(root + "/"):
            path = path[len(root):]
    return base_url() + path


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full address on ``BASE_URL``, in a request or outside one."""
    if has_request_context():
        return absolute_url(url_for(endpoint, **values))
    with current_app.test_request_context("/"):
        return base_url() + url_for(endpoint, **values)
