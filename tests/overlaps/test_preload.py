"""DEDUP_PRELOAD_MODEL: the sentence model is loaded when the app is created (with `gunicorn --preload`,
once before the workers fork), never fatally."""
from __future__ import annotations

import logging

import pytest

from app import create_app
from app.dedup import semantic
from config import TestingConfig

SETTINGS = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}


# The model's cache (semantic._model) is process-wide, and an index rebuilt in the background by another test
# may still be loading the model in this process: these tests watch the calls, not that global.
@pytest.fixture
def model_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(semantic, "model", lambda: calls.append("model"))
    return calls


def test_the_model_is_loaded_with_the_app_when_asked(model_calls):
    create_app(TestingConfig, {**SETTINGS, "DEDUP_PRELOAD_MODEL": True})
    assert model_calls == ["model"]


def test_by_default_the_model_waits_for_the_first_query(model_calls):
    app = create_app(TestingConfig, SETTINGS)
    assert app.config["DEDUP_PRELOAD_MODEL"] is False
    assert model_calls == []


def test_a_model_that_fails_to_load_does_not_stop_the_app(monkeypatch, caplog):
    def broken():
        raise OSError("weights unreadable")

    monkeypatch.setattr(semantic, "model", broken)
    with caplog.at_level(logging.ERROR, logger="app.overlaps.index"):
        app = create_app(TestingConfig, {**SETTINGS, "DEDUP_PRELOAD_MODEL": True})
    assert app is not None and app.config["DEDUP_PRELOAD_MODEL"] is True
    assert "not preloaded" in caplog.text and "weights unreadable" in caplog.text

