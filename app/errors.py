"""Domain errors raised by services, and the error pages."""
from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("errors", __name__)

# How the API answers errors (problem+json) on its own paths, given by app.api when it registers (see
# :func:`answer_api_errors_with`): the error pages import nothing of the API.
API_ERRORS: list = []


def answer_api_errors_with(wants_api_errors, answer_http_error, answer_crash) -> None:
    """:param wants_api_errors: () -> whether the current request is the API's.
    :param answer_http_error: (HTTPException) -> the API's response to it.
    :param answer_crash: () -> the API's response to an unhandled error (500).
    """
    API_ERRORS[:] = [(wants_api_errors, answer_http_error, answer_crash)]


def _api_answers() -> tuple | None:
    """The API's error answers if the current request is the API's."""
    return API_ERRORS[0] if API_ERRORS and API_ERRORS[0][0]() else None


class DomainError(Exception):
    """A rule of the domain was broken. The message is written for the person who acted.

    :param field: the form field the problem belongs to, so a view can show it next to that field.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotAllowedError(DomainError):
    """The actor may not do this."""


class InvalidTransitionError(DomainError):
    """The object is not in a state that allows this change."""


class DuplicateError(DomainError):
    """Something with the same identity already exists."""


class TokenError(DomainError):
    """A link from an e-mail is invalid, expired or already used."""


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, reload the page and try again.")),
    403: (_l("Not allowed"), _l("You don't have permission to see this page or do this action.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved, or the link may be wrong.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("What you sent is larger than the Hub accepts. Try a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried this too many times. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side and has been logged. Please try again later.")),
}


def render_error(code: int, message: str | None = None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=message or text), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return render_error(400, str(_l("This form has expired or did not come from this site. "
                                     "Go back, reload the page and submit it again.")))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    from flask import globals as flask_globals

    if flask_globals.request_ctx.url_adapter is None:
        # The request came for a host the Hub does not serve (TRUSTED_HOSTS): no page of ours can be built
        # for it, since every link on it would need that host.
        return error
    if (api := _api_answers()) is not None:
        return api[1](error)
    if error.code in ERROR_TEXTS:
        return render_error(error.code)
    return error


@bp.app_errorhandler(Exception)
def unhandled_error(error: Exception):
    # Undo whatever the failed request had half-written, log the trace, show a plain page.
    db.session.rollback()
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    if (api := _api_answers()) is not None:
        return api[2]()
    return render_error(500)
