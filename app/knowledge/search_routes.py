"""The global search page."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from app.knowledge import bp
from app.knowledge.search import KINDS, Query, search


@bp.route("/search")
def search_page():
    query = Query.from_args(request.args)
    results = search(query, current_user, per_page=current_app.config["PAGE_SIZE"])
    return render_template("knowledge/search.html", query=query, results=results, kinds=KINDS)
