"""A small registry for the detector's tests: generated background records plus hand-written ones."""
from __future__ import annotations

from datetime import date

import pytest

from app.dedup import DuplicateDetector, Initiative
from bench.dedup_corpus import corpus

COCOA = Initiative(
    id="pledge:1", kind="pledge", title="Community child labour monitoring in cocoa-growing districts",
    description="We will set up community-based child labour monitoring and remediation systems in 40 cocoa "
                "farming communities of the Western and Ashanti regions, train cooperative leaders, and refer "
                "identified children to schools and social services.",
    countries=("GHA",), start=date(2025, 1, 1), end=date(2027, 12, 31), themes=("child_labour",),
    target_groups=("children",), lead_org="org-a")
FISHING = Initiative(
    id="work:7", kind="work_item", title="Ending forced labour on Thai fishing vessels",
    description="The project inspects long-haul fishing vessels at port, trains port state control officers to "
                "recognise forced labour indicators, and gives migrant fishers from Myanmar and Cambodia access "
                "to grievance mechanisms and legal aid.",
    countries=("THA",), start=date(2024, 6, 1), end=date(2026, 5, 31), themes=("forced_labour",),
    target_groups=("migrants",), lead_org="org-b", partner_orgs=("org-c",))
HOTLINE = Initiative(
    id="iati:XM-1", kind="external_activity", title="National anti-trafficking hotline for Nepal",
    description="Set up and run a toll-free, multilingual hotline where survivors of human trafficking and "
                "their families can report cases, get counselling and be referred to shelters across Nepal.",
    countries=("NPL",), start=date(2023, 3, 1), end=date(2025, 2, 28), themes=("trafficking",),
    target_groups=("women",), lead_org="org-d")
HAND_WRITTEN = [COCOA, FISHING, HOTLINE]


@pytest.fixture(scope="session")
def background():
    return corpus(800, seed=3)


@pytest.fixture(scope="session")
def detector(background):
    """Built once per session: tests that change it use ``fresh_detector``."""
    return DuplicateDetector.build(background + HAND_WRITTEN)


@pytest.fixture
def fresh_detector(background):
    return DuplicateDetector.build(background + HAND_WRITTEN)
