"""Differences from the API that real clients found (issue 9, items 4-8), each fixed.

4. File metadata sent as a file part (the JavaScript client's Blob) is kept; non-object
   metadata is refused.
5. Listing and search show public models (and the account's own), never another owner's
   private model.
6. ``QUERY /models`` with a JSON-quoted text/plain body (the JavaScript client) finds models.
7. HEAD and OPTIONS answer on every route, as the ``Allow`` headers say.
8. With a token, a signed download URL's invalid or expired signature is still refused.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from replicate_async.testing import Emulator

PRIVATE = "someone/secret-model"
MINE = "emulator/my-private"


async def test_metadata_sent_as_a_file_part_is_kept(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/files",
        files={
            "content": ("hello.txt", b"hello", "text/plain"),
            "metadata": ("blob", b'{"source": "js"}', "application/json"),
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["metadata"] == {"source": "js"}
    got = await api.get(f"/files/{created.json()['id']}")
    assert got.json()["metadata"] == {"source": "js"}


async def test_metadata_as_a_plain_field_is_kept(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/files",
        files={"content": ("a.txt", b"a", "text/plain")},
        data={"metadata": '{"k": 1}'},
    )
    assert created.json()["metadata"] == {"k": 1}


@pytest.mark.parametrize("metadata", ["true", "[1, 2]", '"text"', "3", "null", "{not json"])
async def test_metadata_that_is_not_an_object_is_refused(
    api: httpx.AsyncClient, metadata: str
) -> None:
    for files in (
        {"content": ("a.txt", b"a", "text/plain")},
        {
            "content": ("a.txt", b"a", "text/plain"),
            "metadata": ("blob", metadata.encode(), "application/json"),
        },
    ):
        data = {"metadata": metadata} if len(files) == 1 else None
        created = await api.post("/files", files=files, data=data)
        assert created.status_code == 422, created.text
        assert created.json()["invalid_fields"][0]["field"] == "metadata"
    assert (await api.get("/files")).json()["results"] == []


def _echo(text: Any = "x") -> Any:
    # `Any`, as for a lambda: the version's input and output schemas stay untyped.
    return text


@pytest.fixture
def private_models(emu: Emulator) -> Emulator:
    emu.add_model(PRIVATE, _echo, visibility="private", description="secret")
    emu.add_model(MINE, _echo, visibility="private", description="secret mine")
    return emu


async def test_listing_and_search_hide_other_owners_private_models(
    private_models: Emulator, api: httpx.AsyncClient
) -> None:
    listed: list[str] = []
    url: str | None = "/models"
    while url:
        page = (await api.get(url)).json()
        listed += [f"{m['owner']}/{m['name']}" for m in page["results"]]
        url = page["next"]
    assert PRIVATE not in listed
    assert MINE in listed and "demo/echo" in listed
    found = (
        await api.request(
            "QUERY", "/models", content="secret", headers={"content-type": "text/plain"}
        )
    ).json()["results"]
    assert [f"{m['owner']}/{m['name']}" for m in found] == [MINE]
    searched = (await api.get("/search", params={"query": "secret"})).json()["models"]
    assert [f"{m['model']['owner']}/{m['model']['name']}" for m in searched] == [MINE]
    # Still reachable by name (the emulator has one account and no permissions).
    assert (await api.get(f"/models/{PRIVATE}")).status_code == 200


async def test_query_with_a_json_quoted_text_body(api: httpx.AsyncClient) -> None:
    plain = await api.request(
        "QUERY", "/models", content="tokens", headers={"content-type": "text/plain"}
    )
    quoted = await api.request(
        "QUERY", "/models", content='"tokens"', headers={"content-type": "text/plain"}
    )
    names = [m["name"] for m in quoted.json()["results"]]
    assert names == ["tokens"]
    assert quoted.json() == plain.json()


ROUTES = [
    ("/account", "GET, HEAD, OPTIONS"),
    ("/hardware", "GET, HEAD, OPTIONS"),
    ("/models", "GET, POST, QUERY, HEAD, OPTIONS"),
    ("/models/demo/echo", "GET, DELETE, PATCH, HEAD, OPTIONS"),
    ("/predictions", "GET, POST, HEAD, OPTIONS"),
    ("/collections", "GET, HEAD, OPTIONS"),
]


@pytest.mark.parametrize(("path", "allow"), ROUTES)
async def test_head_and_options_answer_as_allow_says(
    api: httpx.AsyncClient, path: str, allow: str
) -> None:
    got = await api.get(path)
    head = await api.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]
    options = await api.options(path)
    assert options.status_code == 200
    assert options.headers["allow"] == allow
    assert {"HEAD", "OPTIONS"} <= set(allow.split(", "))


async def test_head_without_a_token_is_401(emu: Emulator) -> None:
    async with httpx.AsyncClient(transport=emu.async_transport(), base_url=emu.base_url) as api:
        assert (await api.head("/account")).status_code == 401


async def test_head_over_sockets(emu: Emulator) -> None:
    server = emu.serve()
    try:
        async with httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {emu.api_token}"}
        ) as api:
            head = await api.head("/models/demo/echo")
            assert head.status_code == 200 and head.content == b""
            assert int(head.headers["content-length"]) > 0
            assert (await api.options("/models/demo/echo")).headers["allow"]
            assert (await api.get("/account")).status_code == 200
    finally:
        server.close()


async def _upload(api: httpx.AsyncClient) -> str:
    created = await api.post("/files", files={"content": ("a.txt", b"payload", "text/plain")})
    return str(created.json()["id"])


async def test_a_bad_signature_is_refused_even_with_a_token(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    file_id = await _upload(api)
    signed = emu.signed_file_url(file_id)
    good = httpx.URL(signed)
    assert (await api.get(good)).content == b"payload"
    bad_signature = good.copy_merge_params({"signature": "AAAA"})
    bad_expiry = good.copy_merge_params({"expiry": str(int(emu.clock.now()) + 99999)})
    bad_owner = good.copy_merge_params({"owner": "someone"})
    odd_expiry = good.copy_merge_params({"expiry": "²"})
    for url in (bad_signature, bad_expiry, bad_owner, odd_expiry):
        assert (await api.get(url)).status_code == 401, url
    # Without any signature the token alone still works.
    assert (await api.get(f"/files/{file_id}/download")).content == b"payload"
    # An expired signature is refused with the token too.
    await emu.advance(7200)
    assert (await api.get(good)).status_code == 401


async def test_model_url_fields_must_be_urls(api: httpx.AsyncClient) -> None:
    # Found by `nox -s fuzz`: PATCH stored license_url "" and listings then broke the schema
    # (format uri). An empty string now clears a field; any other non-URL is refused.
    cleared = await api.patch("/models/demo/echo", json={"license_url": "", "github_url": ""})
    assert cleared.status_code == 200
    assert cleared.json()["license_url"] is None and cleared.json()["github_url"] is None
    refused = await api.patch("/models/demo/echo", json={"paper_url": "not a url"})
    assert refused.status_code == 422
    assert refused.json()["invalid_fields"][0]["field"] == "paper_url"
    created = await api.post(
        "/models",
        json={
            "owner": "emulator",
            "name": "links",
            "visibility": "public",
            "hardware": "cpu",
            "cover_image_url": "ftp://example.test/cover.png",
        },
    )
    assert created.status_code == 422
    kept = await api.patch("/models/demo/echo", json={"github_url": "https://github.com/a/b"})
    assert kept.json()["github_url"] == "https://github.com/a/b"
