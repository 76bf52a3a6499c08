"""The spec an integrator builds on (issue 19, Build 7 and "Done when"): valid OpenAPI 3.1 with no
warnings, a typed client generated from it by openapi-python-client with no warnings that works against a
real server, chosen operation ids, the contract's headers, the webhooks; and the rules and problem types
every refusal names, published by the service itself."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from practice_review import errors
from practice_review.api import idempotency
from practice_review.api.app import create_app
from practice_review.api.problems import PAGES
from practice_review.config import PROJECT_ROOT
from practice_review.rules.catalogue import rules
from practice_review.services.common import Services

from .helpers import PROBLEM, Api, KeyFor
from .server import served_in_thread

SPEC_FILE = PROJECT_ROOT / "openapi" / "openapi.json"
CLIENT_CONFIG = PROJECT_ROOT / "openapi" / "client-config.yaml"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_spec_is_valid_openapi_with_no_warnings(spec: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["license"]["name"] and spec["servers"] and spec["tags"]


def test_operation_ids_are_chosen_not_generated(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations(spec):
        generated = re.sub(r"\W", "_", path) + f"_{method}"
        assert not operation["operationId"].endswith(generated), (path, method, operation["operationId"])
        assert re.fullmatch(r"[a-z][a-z0-9_]*", operation["operationId"])
    schemas = spec["components"]["schemas"]
    assert not [name for name in schemas if re.search(r"(Get|Post|Patch|Put|Delete)$", name)]


def test_the_contract_headers_are_documented(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        parameters = {p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])}
        if method == "post":
            assert "IdempotencyKey" in parameters, path
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            if status == "201":
                assert "Location" in headers, (method, path)
            if status.startswith("2") and path.startswith("/reviews"):
                assert headers.get("Cache-Control"), (method, path)
    review = spec["paths"]["/reviews/{review_id}"]
    assert "412" in review["patch"]["responses"] and "ETag" in review["get"]["responses"]["200"]["headers"]
    declarations = spec["paths"]["/reviews/{review_id}/declarations"]["get"]
    assert {"Link", "X-Next-Cursor"} <= set(declarations["responses"]["200"]["headers"])
    assert set(spec["webhooks"]) == {"transition", "breach", "deadline_approaching"}
    for hook in spec["webhooks"].values():
        assert {p["name"] for p in hook["post"]["parameters"]} == {
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }
    assert spec["components"]["schemas"]["ReviewCreate"]["examples"]


def test_a_generated_client_works_against_a_real_server(tmp_path: Path, services: Services, key_for: KeyFor) -> None:
    """openapi-python-client makes a client with no warning, and it records and reads a review."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    package = tmp_path / "practice_review_client"
    made = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(SPEC_FILE), "--output-path", str(package)]
        + ["--meta", "none", "--config", str(CLIENT_CONFIG)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    said = made.stdout + made.stderr
    assert made.returncode == 0, said
    assert "warning" not in said.lower() and "error" not in said.lower(), said

    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("practice_review_client")
        create = importlib.import_module("practice_review_client.api.reviews.create_review")
        get = importlib.import_module("practice_review_client.api.reviews.get_review")
        fire = importlib.import_module("practice_review_client.api.reviews.fire_transition")
        rule = importlib.import_module("practice_review_client.api.reference.get_rule")
        models = importlib.import_module("practice_review_client.models")
        token = key_for("business_unit")["Authorization"].removeprefix("Bearer ")
        with served_in_thread(create_app(services=services)) as url:
            client = client_module.AuthenticatedClient(base_url=url, token=token)
            body = models.ReviewCreate.from_dict(
                {
                    "review_type": "rapid",
                    "child_reference": "Child A",
                    "received_on": "2026-02-02",
                    "referrer_organisation": "Salford City Council",
                }
            )
            created = create.sync_detailed(client=client, body=body, idempotency_key="client-1")
            assert created.status_code == 201 and created.headers["location"].startswith(url)
            review = created.parsed
            assert isinstance(review, models.ReviewOut) and review.reference == "RR-2026-0001"
            again = create.sync_detailed(client=client, body=body, idempotency_key="client-1")
            assert again.parsed.id == review.id and again.headers["idempotent-replayed"] == "true"
            read = get.sync(client=client, review_id=review.id)
            assert read.state == review.state and read.version == review.version
            refused = fire.sync_detailed(
                client=client,
                review_id=review.id,
                body=models.TransitionRequest.from_dict({"event": "screen_in", "occurred_on": "2026-02-05"}),
            )
            assert refused.status_code == 409 and isinstance(refused.parsed, models.GuardProblem)
            for blocked in refused.parsed.blocked_by:  # each rule a refusal cites can be looked up
                assert rule.sync(client=client, rule_id=blocked.rule).id == blocked.rule
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("practice_review_client")]:
            del sys.modules[name]


# ---------------------------------------------------------------- the rules and the problem types


def problem_types() -> set[str]:
    """Every problem `type` the code can answer with."""
    found: set[str] = set()
    classes = [errors.DomainError]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        found.add(cls.type)
    source = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "src").rglob("*.py"))
    found |= set(re.findall(r'"(/problems/[a-z-]+)"', source))
    found |= {idempotency.SECRET_WITHHELD}
    return found - {"about:blank"}


def test_every_problem_type_resolves_to_a_page_explaining_it(client: TestClient) -> None:
    for type_ in sorted(problem_types()):
        slug = type_.removeprefix("/problems/")
        assert slug in PAGES, f"{type_} has no page in api/problems.py PAGES"
        data = client.get(type_)
        assert data.status_code == 200 and data.json()["type"] == f"http://testserver{type_}", type_
        page = client.get(type_, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.headers["content-type"].startswith("text/html") and PAGES[slug][1] in page.text.replace(
            "&#x27;", "'"
        )
    assert client.get("/problems/no-such-thing").status_code == 404


def test_an_error_names_its_type_by_an_absolute_url_that_resolves(api: Api) -> None:
    review = api.create_review()["id"]
    refused = api.fire(review, "screen_in", "2026-02-05")
    body = refused.json()
    assert refused.status_code == 409 and body["type"] == "http://testserver/problems/guard-failed"
    assert api.client.get(body["type"]).json()["title"] == body["title"]
    for blocked in body["blocked_by"]:
        looked_up = api.client.get(f"/rules/{blocked['rule']}")
        assert looked_up.status_code == 200 and looked_up.json()["id"] == blocked["rule"]
    unknown = api.client.get("/reviews/nope", headers=api.bu)
    assert unknown.headers["content-type"] == PROBLEM and api.client.get(unknown.json()["type"]).status_code == 200
    unauthorised = api.client.get("/reviews")
    assert api.client.get(unauthorised.json()["type"]).json()["status"] == 401


def test_the_rules_are_published_as_json_and_as_a_page(client: TestClient) -> None:
    listed = client.get("/rules")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == list(rules())
    section = next(r for r in listed.json() if r["id"].startswith("§"))
    assert client.get(section["url"]).json()["id"] == section["id"]
    page = client.get("/rules", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert all(f"id='{r}'" in page.text for r in rules() if "'" not in r)
    assert client.get("/rules/Z9").status_code == 404
    one = client.get("/rules/Q1", headers={"Accept": "text/html"})
    assert "Q1" in one.text and rules()["Q1"].title in one.text


def test_the_readme_points_integrators_at_the_service_for_rules() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/domain.md" not in readme
    assert "GET /rules" in readme


def test_no_key_is_needed_for_the_reference(client: TestClient) -> None:
    for path in ("/rules", "/rules/Q1", "/problems", "/problems/guard-failed"):
        assert client.get(path).status_code == 200, path
