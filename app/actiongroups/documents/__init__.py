"""Documents: uploads with versions, served after a permission check."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.actiongroups import register_public_section, register_tab
from app.actiongroups.documents.models import public_documents
from app.uploads import size_text

bp = Blueprint("documents", __name__, url_prefix="/<slug>/documents", template_folder="templates")

register_tab("actiongroups.documents.index", _l("Documents"), "actiongroups.documents", 30)
# The group's public page lists its public documents; the template asks for them itself.
register_public_section("documents/_public_section.html")


@bp.app_context_processor
def document_helpers():
    return {"public_documents": public_documents, "file_size": size_text}


from app.actiongroups.documents import routes  # noqa: E402,F401  (registers the views on bp)
