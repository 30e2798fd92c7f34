from fastapi.testclient import TestClient


def test_healthz_answers_without_touching_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


def test_readyz_reports_the_postgis_version(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"].startswith("onderdak_test_")
    major = int(body["postgis_version"].split(".")[0])
    assert major >= 3


def test_request_id_from_the_caller_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "desk-42.retry-1"})
    assert response.headers["x-request-id"] == "desk-42.retry-1"


def test_unsafe_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32
