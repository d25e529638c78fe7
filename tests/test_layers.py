"""The layers of DESIGN.md §6 hold: the import-linter contracts in pyproject.toml are kept (make test runs
lint-imports as well; this test makes a plain pytest run check them too)."""
from __future__ import annotations

from pathlib import Path

import pytest
from importlinter import api as importlinter_api
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True, no_logo=True) == 0


@pytest.mark.parametrize("contract", ["acyclic", "cross-cutting", "dedup"])
def test_each_layer_has_its_contract(monkeypatch, contract):
    """The three contracts the layers are pictured by are configured (a contract renamed away would pass)."""
    monkeypatch.chdir(ROOT)
    ids = {c["id"] for c in importlinter_api.read_configuration()["contracts_options"]}
    assert contract in ids
