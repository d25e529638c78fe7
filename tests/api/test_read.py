"""Public reads: pledges, filters, cursor pages, updated_since, ETag/304, CORS, problems, the OpenAPI document."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app.commitments.models import PledgeState
from tests.api.conftest import bearer


def test_openapi_document_validates(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert "/api/v1/pledges" in spec["paths"]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_the_document_types_errors_as_they_are_sent(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    types = {"success": set(), "error": set()}
    for item in spec["paths"].values():
        for operation in (value for value in item.values() if isinstance(value, dict)):  # not "parameters"
            for status, response in operation.get("responses", {}).items():
                response = spec["components"]["responses"].get(response.get("$ref", "").rsplit("/", 1)[-1], response)
                types["success" if status.startswith("2") else "error"] |= set(response.get("content", {}))
    assert types == {"success": {"application/json"}, "error": {"application/problem+json"}}
    sent = client.get("/api/v1/pledges?limit=0")
    assert sent.status_code == 422 and sent.content_type in types["error"]


def test_public_pledge_list_has_published_pledges_only(client, pledge_world, make_pledge):
    make_pledge(pledge_world.org, state=PledgeState.draft, title="Secret draft")
    response = client.get("/api/v1/pledges")
    assert response.status_code == 200
    titles = [p["title"] for p in response.get_json()["items"]]
    assert titles == ["Inspectors for cocoa farms"]
    item = response.get_json()["items"][0]
    assert item["light"]["code"] and item["light"]["reason"]
    assert item["indicators"][0]["name"] == "Inspectors trained"
    assert item["deliverables"][0]["title"] == "Training curriculum"
    assert "coordinator" not in item and "review_comment" not in item


def test_filters_like_the_registry(client, pledge_world, make_pledge):
    make_pledge(pledge_world.other_org, title="Migrant workers in Peru", countries=["PER"])
    titles = lambda url: [p["title"] for p in client.get(url).get_json()["items"]]  # noqa: E731
    assert titles("/api/v1/pledges?country=PER") == ["Migrant workers in Peru"]
    assert titles("/api/v1/pledges?q=cocoa") == ["Inspectors for cocoa farms"]
    assert titles(f"/api/v1/pledges?organisation={pledge_world.other_org.id}") == ["Migrant workers in Peru"]


def test_bad_filters_are_problems_with_a_message_per_field(client):
    response = client.get("/api/v1/pledges?area=nope&limit=²&cursor=%%%")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422 and set(body["errors"]) == {"area", "limit", "cursor"}


@pytest.mark.parametrize("size", [2, 5])
def test_cursor_pages_cover_everything_once_with_constant_queries(client, pledge_world, make_pledge, count_queries,
                                                                  size):
    from datetime import date

    from app.commitments.models import ProgressReport, ReportState, ReportValue
    from app.extensions import db

    for _ in range(11):
        make_pledge(pledge_world.other_org)
    # One pledge with an approved report and its value: its page must cost what the others cost.
    pledge = pledge_world.pledge
    report = ProgressReport(pledge_id=pledge.id, period_start=date(2026, 1, 1), period_end=date(2026, 7, 1),
                            state=ReportState.approved)
    report.values.append(ReportValue(indicator_id=pledge.indicators[0].id, value=40))
    db.session.add(report)
    db.session.commit()
    seen, counts, url = [], [], f"/api/v1/pledges?limit={size}"
    while url:
        count_queries.clear()
        body = client.get(url).get_json()
        counts.append(len(count_queries))
        seen += [p["id"] for p in body["items"]]
        url = f"/api/v1/pledges?limit={size}&cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert len(seen) == len(set(seen)) == 12
    assert seen == sorted(seen)
    assert len(set(counts)) == 1, counts  # every page the same number of queries
    first = client.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert first["reports"][0]["values"] == [{"indicator_id": pledge.indicators[0].id, "value": "40",
                                              "comment": "", "by_sex": None, "by_age_group": None}]
    assert counts[0] <= 8


def test_updated_since(client, pledge_world):
    assert client.get("/api/v1/pledges?updated_since=2999-01-01T00:00:00Z").get_json()["items"] == []
    assert len(client.get("/api/v1/pledges?updated_since=2000-01-01T00:00:00Z").get_json()["items"]) == 1
    assert client.get("/api/v1/pledges?updated_since=yesterday").status_code == 422


def test_etag_and_not_modified(client, pledge_world):
    first = client.get("/api/v1/pledges")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/pledges", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/pledges", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_cors_for_reads(client, pledge_world):
    response = client.get("/api/v1/pledges", headers={"Origin": "https://example.net"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/pledges", headers={"Origin": "https://example.net",
                                                           "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_unknown_address_and_draft_are_404_problems(client, pledge_world, make_pledge):
    draft = make_pledge(pledge_world.org, state=PledgeState.draft)
    for url in ("/api/v1/nothing", f"/api/v1/pledges/{draft.id}", "/api/v1/pledges/99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_web_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.content_type.startswith("text/html")


def test_rate_limit_per_client(make_app, pledge_world):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.get("/api/v1/organisations").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/organisations")
    assert limited.content_type == "application/problem+json"


def test_an_unreachable_limit_store_limits_in_memory_instead_of_failing(make_app, pledge_world, caplog):
    # Redis down (nothing listens on port 9): each process counts alone, and says so, until it is back.
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    client = app.test_client()
    codes = [client.get("/api/v1/organisations").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "falling back to in-memory storage" in caplog.text


def test_docs_page_works_under_the_csp(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html and "https://" not in html
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    static = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert static.status_code == 200
    static.close()


def test_pledge_record_is_the_registry_export_record(client, pledge_world):
    """The API's pledge is the registry JSON export's record (same public fields), plus ids and updated_at."""
    from app.commitments.registry import pledge_record
    from app.i18n import viewer_today
    from app.urls import external_url

    item = client.get("/api/v1/pledges").get_json()["items"][0]
    with client.application.test_request_context("/"):
        expected = pledge_record(pledge_world.pledge, viewer_today(),
                                 external_url("commitments.detail", pledge_id=pledge_world.pledge.id))
    for row in item["indicators"] + item["deliverables"]:
        del row["id"]
    del item["updated_at"], item["reports"]
    assert item == expected
