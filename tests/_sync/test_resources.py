# GENERATED from tests/_async/test_resources.py by scripts/gen_sync.py. DO NOT EDIT.
"""client.collections, client.hardware, client.account and client.webhooks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from replicate_async import (
    Account,
    Client,
    Collection,
    CollectionSummary,
    Hardware,
    Model,
    NotFoundError,
    Page,
    WebhookHeaderError,
    WebhookSecret,
    WebhookSignatureError,
    WebhookTimestampError,
)
from replicate_async.webhooks import generate_secret, sign
from tests.resource_support import (
    API,
    TOKEN,
    Concurrently,
    FakeAPI,
    never_called,
    page,
    recorded_body,
)

# The published Standard Webhooks vector (CONTRACT.md §9.3).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def client_for(api: Any, **options: Any) -> Client:
    return Client(api_token=TOKEN, transport=httpx.MockTransport(api), **options)


# -- collections -------------------------------------------------------------------------------


def test_collections_list_parses_the_recorded_page() -> None:
    body = recorded_body("collections-list.json")
    api = FakeAPI().json("GET", "collections", body)
    with client_for(api) as client:
        collections = client.collections.list()
    assert api.calls() == ["GET /v1/collections"]
    assert len(collections) == len(body["results"]) == 19
    assert all(isinstance(c, CollectionSummary) for c in collections)
    first = collections.results[0]
    assert (first.slug, first.name) == ("vision-models", "Vision models")
    assert collections.next is None


def test_collections_iter_follows_next_urls() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "2":
            return httpx.Response(200, json=page([{"slug": "b", "name": "B"}]))
        return httpx.Response(
            200, json=page([{"slug": "a", "name": "A"}], f"{API}/collections?cursor=2")
        )

    api = FakeAPI().on("GET", "collections", answer)
    with client_for(api) as client:
        assert [c.slug for c in client.collections.iter()] == ["a", "b"]
    assert str(api.last.url) == f"{API}/collections?cursor=2"


def test_collections_get_parses_the_recorded_collection_with_its_models() -> None:
    api = FakeAPI().json("GET", "collections/text-to-image", recorded_body("collections-get.json"))
    with client_for(api) as client:
        collection = client.collections.get("text-to-image")
    assert api.calls() == ["GET /v1/collections/text-to-image"]
    assert isinstance(collection, Collection)
    assert collection.slug == "text-to-image"
    assert collection.full_description is None
    assert len(collection.models) == 38
    assert all(isinstance(m, Model) for m in collection.models)


def test_collections_get_of_a_missing_slug_raises_not_found() -> None:
    api = FakeAPI().json("GET", "collections/nope", {"detail": "Not found."}, 404)
    with client_for(api) as client:
        with pytest.raises(NotFoundError):
            client.collections.get("nope")


@pytest.mark.parametrize("slug", ["", "a/b", "text to image"])
def test_collections_get_checks_the_slug_before_any_request(slug: str) -> None:
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match="collection slug"):
            client.collections.get(slug)


# -- every listing follows a cursor verbatim ----------------------------------------------------

LISTINGS: dict[str, tuple[str, Callable[[Client, str], Any]]] = {
    "models": ("models", lambda c, cursor: c.models.list(cursor=cursor)),
    "versions": (
        "models/a/b/versions",
        lambda c, cursor: c.models.versions.list("a/b", cursor=cursor),
    ),
    "examples": (
        "models/a/b/examples",
        lambda c, cursor: c.models.examples.list("a/b", cursor=cursor),
    ),
    "collections": ("collections", lambda c, cursor: c.collections.list(cursor=cursor)),
    "deployments": ("deployments", lambda c, cursor: c.deployments.list(cursor=cursor)),
    "trainings": ("trainings", lambda c, cursor: c.trainings.list(cursor=cursor)),
    "files": ("files", lambda c, cursor: c.files.list(cursor=cursor)),
}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_list_fetches_the_cursor_url_verbatim(listing: str) -> None:
    path, call = LISTINGS[listing]
    cursor = f"{API}/{path}?cursor=cD0yMDIz%2BMDU%3D&extra=1"
    api = FakeAPI().json("GET", path, page([]))
    with client_for(api) as client:
        result = call(client, cursor)
    assert isinstance(result, Page)
    assert str(api.last.url) == cursor
    assert api.last.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_list_refuses_a_cursor_on_another_origin(listing: str) -> None:
    path, call = LISTINGS[listing]
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match="origin"):
            call(client, f"https://attacker.example/v1/{path}?cursor=x")


# -- hardware and account ------------------------------------------------------------------------


def test_hardware_list_returns_a_plain_list_of_the_recorded_skus() -> None:
    api = FakeAPI().json("GET", "hardware", recorded_body("hardware-list.json"))
    with client_for(api) as client:
        hardware = client.hardware.list()
    assert api.calls() == ["GET /v1/hardware"]
    assert type(hardware) is list
    assert all(isinstance(h, Hardware) for h in hardware)
    assert [h.sku for h in hardware] == ["cpu", "gpu-t4", "gpu-a40-small", "gpu-a40-large"]
    assert hardware[1].name == "Nvidia T4 GPU"


def test_account_get() -> None:
    body = {
        "type": "organization",
        "username": "acme",
        "name": "Acme Inc.",
        "github_url": "https://github.com/acme",
    }
    api = FakeAPI().json("GET", "account", body)
    with client_for(api) as client:
        account = client.account.get()
    assert api.calls() == ["GET /v1/account"]
    assert api.last.headers["authorization"] == f"Bearer {TOKEN}"
    assert isinstance(account, Account)
    assert (account.type, account.username, account.name) == ("organization", "acme", "Acme Inc.")


# -- webhooks ------------------------------------------------------------------------------------


def secret_api(*keys: str) -> FakeAPI:
    answers = [httpx.Response(200, json={"key": key}) for key in keys]
    return FakeAPI().on("GET", "webhooks/default/secret", *answers)


def vector_headers(signature: str = f"v1,{SIGNATURE}") -> dict[str, str]:
    return {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": signature,
    }


def test_default_secret_is_fetched_once_and_cached() -> None:
    api = secret_api(SECRET)
    with client_for(api) as client:
        first = client.webhooks.default_secret()
        second = client.webhooks.default_secret()
    assert api.calls() == ["GET /v1/webhooks/default/secret"]
    assert isinstance(first, WebhookSecret)
    assert first.key == SECRET
    assert second is first
    assert SECRET not in repr(first)
    assert SECRET not in str(first)


def test_concurrent_first_calls_share_one_fetch() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        return httpx.Response(200, json={"key": SECRET})

    api = FakeAPI().on("GET", "webhooks/default/secret", slow)
    with client_for(api) as client:
        secrets = Concurrently.run(
            client.webhooks.default_secret,
            client.webhooks.default_secret,
            client.webhooks.default_secret,
        )
    assert [s.key for s in secrets] == [SECRET] * 3
    assert len(api.requests) == 1


def test_verify_checks_the_published_vector_with_the_fetched_secret() -> None:
    api = secret_api(SECRET)
    with client_for(api) as client:
        verified = client.webhooks.verify(body=BODY, headers=vector_headers(), now=TIMESTAMP)
        again = client.webhooks.verify(
            body=BODY.decode(), headers=list(vector_headers().items()), now=TIMESTAMP + 10
        )
    assert (verified.id, verified.timestamp) == (MSG_ID, TIMESTAMP)
    assert again == verified
    assert len(api.requests) == 1


def test_verify_refetches_the_secret_once_after_a_rotation() -> None:
    old, new = generate_secret(), generate_secret()
    body = b'{"id": "p1", "status": "succeeded"}'
    headers = sign(body, secret=new, msg_id="msg_rotated", timestamp=TIMESTAMP)
    api = secret_api(old.key, new.key)
    with client_for(api) as client:
        assert (client.webhooks.default_secret()).key == old.key
        verified = client.webhooks.verify(body=body, headers=headers, now=TIMESTAMP)
        assert verified.id == "msg_rotated"
        assert (client.webhooks.default_secret()).key == new.key
    assert len(api.requests) == 2


def test_verify_raises_after_one_refetch_and_then_stops_refetching() -> None:
    forged = sign(BODY, secret=generate_secret(), msg_id=MSG_ID, timestamp=TIMESTAMP)
    api = secret_api(SECRET)
    with client_for(api) as client:
        with pytest.raises(WebhookSignatureError):
            client.webhooks.verify(body=BODY, headers=forged, now=TIMESTAMP)
        assert len(api.requests) == 2
        with pytest.raises(WebhookSignatureError):
            client.webhooks.verify(body=BODY, headers=forged, now=TIMESTAMP)
        # A second failure soon after is not worth another request (forged deliveries).
        assert len(api.requests) == 2
        verified = client.webhooks.verify(body=BODY, headers=vector_headers(), now=TIMESTAMP)
    assert verified.id == MSG_ID


@pytest.mark.parametrize(
    ("headers", "now", "error"),
    [
        (
            {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP)},
            TIMESTAMP,
            WebhookHeaderError,
        ),
        (vector_headers(), TIMESTAMP + 3600, WebhookTimestampError),
    ],
)
def test_verify_refuses_malformed_deliveries_without_fetching_the_secret(
    headers: dict[str, str], now: int, error: type[Exception]
) -> None:
    with client_for(never_called) as client:
        with pytest.raises(error):
            client.webhooks.verify(body=BODY, headers=headers, now=now)


def test_verify_refuses_a_parsed_body_without_fetching_the_secret() -> None:
    with client_for(never_called) as client:
        with pytest.raises(TypeError, match="raw request body"):
            client.webhooks.verify(
                body={"test": 2432232314},  # type: ignore[arg-type]
                headers=vector_headers(),
                now=TIMESTAMP,
            )
