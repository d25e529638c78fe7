"""The API's interactive documentation, ``/api/v1/docs``: Swagger UI vendored under app/static/vendor,
started by a script file (the site's CSP allows no inline script and no CDN)."""
from __future__ import annotations

from flask import Blueprint, render_template

docs_bp = Blueprint("api_docs_page", __name__, template_folder="templates")


@docs_bp.route("/api/v1/docs")
def docs():
    return render_template("api/docs.html")
