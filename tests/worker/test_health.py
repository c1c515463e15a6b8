"""/healthz reports the broker; a broker that is down degrades, it does not take the
web out of service (tasks wait in the outbox)."""

from ideas import create_app
from tests.smtp import free_port


def test_healthz_reports_the_broker(client):
    body = client.get("/healthz").get_json()
    assert body["checks"]["broker"] == "ok" and body["status"] == "ok"


def test_a_broker_that_is_down_degrades_but_serves(app):
    other = create_app(
        {
            **app.config,
            "INSTANCE_PATH": app.instance_path,
            "BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    app.extensions["celery"].set_default()  # the new app made itself the default
    response = other.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")
