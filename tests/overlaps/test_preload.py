"""DEDUP_PRELOAD_MODEL: the sentence model is loaded when the app is created (with `gunicorn --preload`,
once before the workers fork), never fatally."""
from __future__ import annotations

import logging

from app import create_app
from app.dedup import semantic
from config import TestingConfig

SETTINGS = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_the_model_is_loaded_with_the_app_when_asked(monkeypatch):
    monkeypatch.setattr(semantic, "_model", None)
    create_app(TestingConfig, {**SETTINGS, "DEDUP_PRELOAD_MODEL": True})
    assert semantic._model is not None


def test_by_default_the_model_waits_for_the_first_query(monkeypatch):
    monkeypatch.setattr(semantic, "_model", None)
    app = create_app(TestingConfig, SETTINGS)
    assert app.config["DEDUP_PRELOAD_MODEL"] is False
    assert semantic._model is None


def test_a_model_that_fails_to_load_does_not_stop_the_app(monkeypatch, caplog):
    monkeypatch.setattr(semantic, "_model", None)

    def broken():
        raise OSError("weights unreadable")

    monkeypatch.setattr(semantic, "model", broken)
    with caplog.at_level(logging.ERROR, logger="app.overlaps.index"):
        app = create_app(TestingConfig, {**SETTINGS, "DEDUP_PRELOAD_MODEL": True})
    assert app is not None and semantic._model is None
    assert "not preloaded" in caplog.text
