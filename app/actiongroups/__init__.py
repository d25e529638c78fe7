"""Action group workspaces: groups and membership here; discussions, documents and the work plan as
sub-blueprints mounted under /actiongroups/<slug>/."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.actiongroups.models import GROUP_ROLE_LABELS

bp = Blueprint("actiongroups", __name__, url_prefix="/actiongroups", template_folder="templates")


@dataclass(frozen=True)
class Tab:
    endpoint: str        # where the tab links (takes `slug`)
    label: object        # a lazy string
    prefix: str          # the tab is active for every endpoint starting with this
    order: int


WORKSPACE_TABS: list[Tab] = [
    Tab("actiongroups.workspace", _l("Home"), "actiongroups.workspace", 0),
    Tab("actiongroups.members", _l("Members"), "actiongroups.members", 90),
]
# Templates included on a group's public page, e.g. its public documents.
PUBLIC_SECTIONS: list[str] = []


def register_tab(endpoint: str, label, prefix: str, order: int) -> None:
    WORKSPACE_TABS.append(Tab(endpoint, label, prefix, order))
    WORKSPACE_TABS.sort(key=lambda tab: tab.order)


# What other features do when a person leaves a group (e.g. revoke their links to its consultations).
LEFT_GROUP_HOOKS: list = []


def on_left_group(hook):
    """Register ``hook(person, group)``, called inside the service's transaction when a person leaves."""
    LEFT_GROUP_HOOKS.append(hook)
    return hook


def register_public_section(template: str) -> None:
    if template not in PUBLIC_SECTIONS:
        PUBLIC_SECTIONS.append(template)


@bp.app_context_processor
def workspace_helpers():
    return {"workspace_tabs": lambda: WORKSPACE_TABS, "public_sections": lambda group: PUBLIC_SECTIONS,
            "group_role_labels": GROUP_ROLE_LABELS}


from app.actiongroups import routes  # noqa: E402,F401  (registers the views on bp)
from app.actiongroups.discussions import bp as discussions_bp  # noqa: E402
from app.actiongroups.documents import bp as documents_bp  # noqa: E402
from app.actiongroups.workplan import bp as workplan_bp  # noqa: E402

for _sub in (discussions_bp, documents_bp, workplan_bp):
    bp.register_blueprint(_sub)
