"""client.models: get, list, iter, search, create, update, delete; versions, examples, readme,
predictions; pagination and argument checks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from replicate_async import (
    AsyncClient,
    Model,
    ModelVersion,
    NotFoundError,
    Page,
    Prediction,
)
from tests.resource_support import (
    API,
    TOKEN,
    FakeAPI,
    never_called,
    page,
    recorded,
    recorded_body,
)

VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


def client_for(api: Any, **options: Any) -> AsyncClient:
    options.setdefault("poll_interval", 0.001)
    return AsyncClient(api_token=TOKEN, transport=httpx.MockTransport(api), **options)


def model_json(owner: str, name: str) -> dict[str, Any]:
    return {"url": f"https://replicate.com/{owner}/{name}", "owner": owner, "name": name}


# -- get, list, iter, search -----------------------------------------------------------------


async def test_get_parses_the_recorded_model() -> None:
    api = FakeAPI().json("GET", "models/stability-ai/sdxl", recorded_body("models-get.json"))
    async with client_for(api) as client:
        model = await client.models.get("stability-ai/sdxl")
    assert api.calls() == ["GET /v1/models/stability-ai/sdxl"]
    sent = api.last
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["accept"] == "application/json"
    assert isinstance(model, Model)
    assert (model.owner, model.name, model.visibility) == ("stability-ai", "sdxl", "public")
    assert model.run_count == 19361490
    assert model.latest_version is not None
    assert model.latest_version.id == VERSION
    assert model.latest_version.openapi_schema is not None
    assert isinstance(model.default_example, Prediction)


async def test_get_of_an_empty_model_has_no_version() -> None:
    api = FakeAPI().json("GET", "models/mattt/empty", recorded_body("models-get.json", 1))
    async with client_for(api) as client:
        model = await client.models.get("mattt/empty")
    assert model.latest_version is None
    assert model.description is None
    assert model.run_count == 0


async def test_list_parses_the_recorded_page_and_follows_its_cursor() -> None:
    first = recorded_body("models-list.json")
    assert "truncated_from" not in first
    api = FakeAPI().on(
        "GET",
        "models",
        httpx.Response(200, json=first),
        httpx.Response(200, json=page([model_json("acme", "last")])),
    )
    async with client_for(api) as client:
        page_one = await client.models.list()
        assert isinstance(page_one, Page)
        assert len(page_one) == 10
        assert all(isinstance(m, Model) for m in page_one)
        assert page_one.results[0].ref == "catio-apps/controlnet-interior-design"
        assert page_one.next == first["next"]
        assert page_one.next is not None
        page_two = await client.models.list(cursor=page_one.next)
    assert [m.ref for m in page_two] == ["acme/last"]
    assert page_two.next is None
    assert str(api.requests[0].url) == f"{API}/models"
    assert str(api.requests[1].url) == first["next"]
    assert api.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


async def test_list_sends_sort_parameters() -> None:
    api = FakeAPI().json("GET", "models", page([]))
    async with client_for(api) as client:
        await client.models.list(sort_by="model_created_at", sort_direction="asc")
    assert dict(api.last.url.params) == {"sort_by": "model_created_at", "sort_direction": "asc"}


@pytest.mark.parametrize(
    "kwargs",
    [{"sort_by": "created"}, {"sort_direction": "up"}, {"sort_by": "latest_version_created_at "}],
)
async def test_list_refuses_unknown_sort_values(kwargs: dict[str, Any]) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="sort"):
            await client.models.list(**kwargs)


async def test_iter_walks_every_page_through_absolute_next_urls() -> None:
    second = f"{API}/models?cursor=page2"
    third = f"{API}/models?cursor=page3"

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(
                200, json=page([model_json("a", "1"), model_json("a", "2")], second)
            )
        if cursor == "page2":
            return httpx.Response(200, json=page([model_json("a", "3")], third))
        return httpx.Response(200, json=page([model_json("a", "4")]))

    api = FakeAPI().on("GET", "models", answer)
    async with client_for(api) as client:
        refs = [m.ref async for m in client.models.iter(sort_direction="asc")]
    assert refs == ["a/1", "a/2", "a/3", "a/4"]
    assert [str(r.url) for r in api.requests] == [
        f"{API}/models?sort_direction=asc",
        second,
        third,
    ]


async def test_a_cursor_on_another_origin_is_refused_without_a_request() -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="origin"):
            await client.models.list(cursor="https://evil.example/v1/models?cursor=x")
        with pytest.raises(ValueError, match="origin"):
            await client.models.search("llama", cursor="http://api.replicate.com/v1/models")


async def test_iter_stops_before_a_next_url_on_another_origin() -> None:
    api = FakeAPI().json(
        "GET", "models", page([model_json("a", "1")], "https://evil.example/v1/models?cursor=2")
    )
    seen: list[str] = []

    async def walk(client: AsyncClient) -> None:
        async for model in client.models.iter():
            seen.append(model.ref)

    async with client_for(api) as client:
        with pytest.raises(ValueError, match="origin"):
            await walk(client)
    assert seen == ["a/1"]
    assert [r.url.host for r in api.requests] == ["api.replicate.com"]


async def test_search_sends_query_as_plain_text_and_parses_the_recorded_page() -> None:
    exchange = recorded("models-search.json")
    api = FakeAPI().json("QUERY", "models", recorded_body("models-search.json"))
    async with client_for(api) as client:
        results = await client.models.search("llama")
    sent = api.last
    assert sent.method == "QUERY"
    assert sent.url.path == "/v1/models"
    assert sent.headers["content-type"] == "text/plain"
    assert sent.content == exchange["request"]["body"].encode()
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert len(results) == 10
    assert results.results[0].ref == "meta/meta-llama-3-8b"
    assert results.results[0].created_at is not None
    assert results.next is None


async def test_search_next_page_repeats_the_query_at_the_cursor() -> None:
    cursor = f"{API}/models?cursor=abc"
    api = FakeAPI().json("QUERY", "models", page([model_json("a", "1")]))
    async with client_for(api) as client:
        await client.models.search("llamas ü", cursor=cursor)
    assert str(api.last.url) == cursor
    assert api.last.content == "llamas ü".encode()


@pytest.mark.parametrize("query", ["", "   "])
async def test_search_refuses_an_empty_query(query: str) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="query"):
            await client.models.search(query)


# -- create, update, delete ------------------------------------------------------------------


async def test_create_sends_only_the_given_fields_and_parses_201() -> None:
    exchange = recorded("models-create.json")
    api = FakeAPI().json("POST", "models", exchange["response"]["body"], status=201)
    async with client_for(api) as client:
        model = await client.models.create(
            "test",
            "python-example",
            visibility="private",
            hardware="cpu",
            description="An example model",
        )
    assert api.calls() == ["POST /v1/models"]
    assert api.body() == exchange["request"]["body"]
    assert api.last.headers["content-type"] == "application/json"
    assert model.ref == "test/python-example"
    assert model.run_count == 0
    assert model.latest_version is None


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("acme/x", "y"), {}, "owner"),
        (("acme", "y:z"), {}, "name"),
        (("acme", ""), {}, "model name"),
        (("acme", "y"), {"visibility": "secret"}, "visibility"),
        (("acme", "y"), {"hardware": ""}, "hardware"),
    ],
)
async def test_create_refuses_bad_arguments_before_any_request(
    args: tuple[str, str], kwargs: dict[str, Any], message: str
) -> None:
    options: dict[str, Any] = {"visibility": "public", "hardware": "cpu", **kwargs}
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match=message):
            await client.models.create(*args, **options)


async def test_update_patches_only_the_given_fields() -> None:
    api = FakeAPI().json("PATCH", "models/acme/x", {**model_json("acme", "x"), "description": "d"})
    async with client_for(api) as client:
        model = await client.models.update("acme/x", description="d", weights_url="https://w")
    assert api.calls() == ["PATCH /v1/models/acme/x"]
    assert api.body() == {"description": "d", "weights_url": "https://w"}
    assert model.description == "d"


async def test_update_with_nothing_to_change_is_refused() -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="nothing to update"):
            await client.models.update("acme/x")


async def test_delete_accepts_204_with_an_empty_body() -> None:
    api = FakeAPI().on(
        "DELETE", "models/acme/x", httpx.Response(204, headers={"content-type": "text/plain"})
    )
    async with client_for(api) as client:
        await client.models.delete("acme/x")
    assert api.calls() == ["DELETE /v1/models/acme/x"]


async def test_delete_of_a_missing_model_raises_not_found() -> None:
    api = FakeAPI().json("DELETE", "models/acme/x", {"detail": "Not found", "status": 404}, 404)
    async with client_for(api) as client:
        with pytest.raises(NotFoundError):
            await client.models.delete("acme/x")
    assert len(api.requests) == 1


async def test_delete_that_finds_the_model_gone_after_an_ambiguous_attempt_is_done() -> None:
    api = FakeAPI().on(
        "DELETE",
        "models/acme/x",
        httpx.Response(503, headers={"retry-after": "0"}),
        httpx.Response(404, json={"detail": "Not found", "status": 404}),
    )
    async with client_for(api) as client:
        await client.models.delete("acme/x")
    assert api.calls() == ["DELETE /v1/models/acme/x"] * 2


# -- versions, examples, readme ----------------------------------------------------------------


async def test_versions_get_list_iter_and_delete() -> None:
    version = recorded_body("predictions-create.json", 2)
    path = f"models/stability-ai/sdxl/versions/{VERSION}"
    api = (
        FakeAPI()
        .json("GET", path, version)
        .json("GET", "models/stability-ai/sdxl/versions", page([version]))
        .on("DELETE", path, httpx.Response(202))
    )
    async with client_for(api) as client:
        got = await client.models.versions.get("stability-ai/sdxl", VERSION)
        listed = await client.models.versions.list("stability-ai/sdxl")
        walked = [v.id async for v in client.models.versions.iter("stability-ai/sdxl")]
        await client.models.versions.delete("stability-ai/sdxl", VERSION)
    assert isinstance(got, ModelVersion)
    assert got.id == VERSION
    assert got.cog_version == version["cog_version"]
    assert got.openapi_schema is not None
    assert "Input" in got.openapi_schema["components"]["schemas"]
    assert [v.id for v in listed] == [VERSION]
    assert walked == [VERSION]
    assert api.calls() == [
        f"GET /v1/{path}",
        "GET /v1/models/stability-ai/sdxl/versions",
        "GET /v1/models/stability-ai/sdxl/versions",
        f"DELETE /v1/{path}",
    ]


@pytest.mark.parametrize("version_id", ["", "abc/def", f"stability-ai/sdxl:{VERSION}"])
async def test_versions_refuse_a_malformed_version_id(version_id: str) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="version id"):
            await client.models.versions.get("stability-ai/sdxl", version_id)
        with pytest.raises(ValueError, match="version id"):
            await client.models.versions.delete("stability-ai/sdxl", version_id)


async def test_examples_are_prediction_pages() -> None:
    example = recorded_body("predictions-get.json")
    api = FakeAPI().json("GET", "models/acme/x/examples", page([example]))
    async with client_for(api) as client:
        examples = await client.models.examples.list("acme/x")
        walked = [p.id async for p in client.models.examples.iter("acme/x")]
    assert [p.id for p in examples] == [example["id"]]
    assert isinstance(examples.results[0], Prediction)
    assert walked == [example["id"]]


async def test_readme_is_returned_as_text() -> None:
    markdown = "# Hot dog detector\n\n🌭 Ketchup, mustard"
    api = FakeAPI().on(
        "GET",
        "models/acme/x/readme",
        httpx.Response(200, text=markdown, headers={"content-type": "text/plain"}),
    )
    async with client_for(api) as client:
        readme = await client.models.readme.get("acme/x")
    assert readme == markdown
    assert "text/plain" in api.last.headers["accept"]


async def test_readme_missing_raises_not_found() -> None:
    api = FakeAPI().json("GET", "models/acme/x/readme", {"detail": "no readme"}, 404)
    async with client_for(api) as client:
        with pytest.raises(NotFoundError):
            await client.models.readme.get("acme/x")


# -- predictions through the model route --------------------------------------------------------


async def test_model_predictions_create_uses_the_models_route() -> None:
    exchange = recorded("models-predictions-create.json")
    api = FakeAPI().json(
        "POST", "models/meta/llama-2-70b-chat/predictions", exchange["response"]["body"], 201
    )
    async with client_for(api) as client:
        prediction = await client.models.predictions.create(
            "meta/llama-2-70b-chat", input=exchange["request"]["body"]["input"]
        )
    assert api.calls() == ["POST /v1/models/meta/llama-2-70b-chat/predictions"]
    assert api.body() == exchange["request"]["body"]
    assert "prefer" not in api.last.headers
    assert isinstance(prediction, Prediction)
    assert prediction.id == "heat2o3bzn3ahtr6bjfftvbaci"
    assert prediction.status == "starting"


async def test_model_predictions_create_passes_wait_webhook_and_cancel_after() -> None:
    api = FakeAPI().json(
        "POST", "models/acme/x/predictions", {"id": "p1", "status": "processing"}, 201
    )
    async with client_for(api) as client:
        await client.models.predictions.create(
            "acme/x",
            input={"a": 1},
            wait=10,
            cancel_after="5m",
            webhook="https://example.com/hook",
            webhook_events_filter=["completed"],
        )
    assert api.last.headers["prefer"] == "wait=10"
    assert api.last.headers["cancel-after"] == "5m"
    assert json.loads(api.last.content) == {
        "input": {"a": 1},
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["completed"],
    }


# -- references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["sdxl", "stability-ai/", "a/b/c", f"stability-ai/sdxl:{VERSION}", VERSION, ""]
)
async def test_malformed_model_references_fail_before_any_request(ref: str) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="owner/name"):
            await client.models.get(ref)
        with pytest.raises(ValueError, match="owner/name"):
            await client.models.versions.list(ref)
        with pytest.raises(ValueError, match="owner/name"):
            await client.models.readme.get(ref)
        with pytest.raises(ValueError, match="owner/name"):
            await client.models.predictions.create(ref, input={})
