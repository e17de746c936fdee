"""Every other operation: files, models, versions, trainings, deployments, collections, ..."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import httpx
import pytest

from replicate_async.testing import Emulator

from .conftest import auth
from .test_predictions import wait_terminal

# -- files ------------------------------------------------------------------------------------


async def test_file_upload_get_list_delete(api: httpx.AsyncClient) -> None:
    data = b"hello files"
    created = await api.post(
        "/files",
        files={"content": ("greeting.txt", data, "text/plain")},
        data={"metadata": '{"customer": 7}'},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "greeting.txt"
    assert body["content_type"] == "text/plain"
    assert body["size"] == len(data)
    assert body["checksums"] == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }
    assert body["etag"] == hashlib.md5(data).hexdigest()
    assert body["metadata"] == {"customer": 7}
    assert len(body["id"]) == 48
    assert body["urls"] == {"get": f"http://replicate.emulator/v1/files/{body['id']}"}
    created_at = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["expires_at"]) - created_at == timedelta(hours=24)
    assert "ratelimit-remaining" not in created.headers  # the Files API sends none
    assert (await api.get(body["urls"]["get"])).json() == body
    listed = (await api.get("/files")).json()
    assert listed == {"previous": None, "next": None, "results": [body]}
    download = await api.get(f"/files/{body['id']}/download")
    assert download.content == data
    assert download.headers["content-type"] == "application/octet-stream"
    deleted = await api.delete(body["urls"]["get"])
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert deleted.headers["content-type"] == "text/plain; charset=UTF-8"
    gone = await api.get(body["urls"]["get"])
    assert gone.status_code == 404
    assert gone.json() == {"detail": "File not found"}
    assert gone.headers["content-type"] == "application/problem+json"
    assert (await api.delete(body["urls"]["get"])).status_code == 404
    assert (await api.get("/files")).json()["results"] == []


async def test_empty_upload_matches_the_recorded_checksums(api: httpx.AsyncClient) -> None:
    body = (await api.post("/files", files={"content": ("empty.txt", b"", "text/plain")})).json()
    assert body["size"] == 0
    assert body["checksums"]["md5"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert body["checksums"]["sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


async def test_upload_defaults_and_errors(api: httpx.AsyncClient) -> None:
    plain = await api.post("/files", files={"content": ("blob", b"\x00\x01")})
    assert plain.json()["content_type"] == "application/octet-stream"
    assert (await api.post("/files", files={"other": ("x", b"1")})).status_code == 422
    assert (await api.post("/files", json={"content": "x"})).status_code == 400
    bad_metadata = await api.post(
        "/files", files={"content": ("x", b"1")}, data={"metadata": "{not json"}
    )
    assert bad_metadata.status_code == 422


async def test_upload_limit_is_413() -> None:
    emu = Emulator(max_file_size=1000)
    assert Emulator().core.options.max_file_size == 100 * 1024 * 1024
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        ok = await api.post("/files", files={"content": ("a", b"x" * 1000)})
        assert ok.status_code == 201
        big = await api.post("/files", files={"content": ("a", b"x" * 1001)})
        assert big.status_code == 413
        assert big.headers["content-type"] == "application/problem+json"
        assert big.json() == {"detail": "Files must be less than 100MB in size"}


async def test_files_expire_after_a_day(emu: Emulator, api: httpx.AsyncClient) -> None:
    body = (await api.post("/files", files={"content": ("a", b"1")})).json()
    await emu.advance(24 * 3600 - 1)
    assert (await api.get(body["urls"]["get"])).status_code == 200
    await emu.advance(2)
    assert (await api.get(body["urls"]["get"])).status_code == 404
    assert (await api.get("/files")).json()["results"] == []


async def test_files_list_is_sorted_by_id_and_paginates(api: httpx.AsyncClient) -> None:
    ids = [
        (await api.post("/files", files={"content": (f"f{i}", b"x")})).json()["id"]
        for i in range(130)
    ]
    first = (await api.get("/files")).json()
    second = (await api.get(first["next"])).json()
    assert [f["id"] for f in first["results"] + second["results"]] == sorted(ids)
    assert second["next"] is None


async def test_signed_download_urls_work_without_a_token(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    body = (await api.post("/files", files={"content": ("a", b"signed bytes")})).json()
    url = emu.signed_file_url(body["id"])
    async with httpx.AsyncClient(transport=emu.async_transport()) as anonymous:
        assert (await anonymous.get(url)).content == b"signed bytes"
        forged = url.replace("signature=", "signature=x")
        assert (await anonymous.get(forged)).status_code == 401
        await emu.advance(3601)
        assert (await anonymous.get(url)).status_code == 401


# -- models and versions --------------------------------------------------------------------------


async def test_models_create_get_update_delete(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/models",
        json={
            "owner": "emulator",
            "name": "mine",
            "visibility": "private",
            "hardware": "cpu",
            "description": "An example model",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["url"] == "https://replicate.com/emulator/mine"
    assert (body["run_count"], body["latest_version"], body["default_example"]) == (0, None, None)
    assert body["visibility"] == "private"
    assert (await api.get("/models/emulator/mine")).json() == body
    patched = await api.patch(
        "/models/emulator/mine", json={"readme": "# Mine", "github_url": "https://github.com/x/y"}
    )
    assert patched.json()["github_url"] == "https://github.com/x/y"
    readme = await api.get("/models/emulator/mine/readme")
    assert (readme.text, readme.headers["content-type"]) == ("# Mine", "text/plain; charset=utf-8")
    assert (await api.get("/models/emulator/mine/versions")).json()["results"] == []
    assert (await api.delete("/models/emulator/mine")).status_code == 204
    assert (await api.get("/models/emulator/mine")).status_code == 404


async def test_model_create_errors(api: httpx.AsyncClient) -> None:
    base = {"owner": "emulator", "name": "x", "visibility": "public", "hardware": "cpu"}
    assert (await api.post("/models", json={**base, "owner": "someone-else"})).status_code == 403
    assert (await api.post("/models", json={"owner": "emulator"})).status_code == 422
    assert (
        await api.post("/models", json={**base, "hardware": "gpu-unobtainium"})
    ).status_code == 422
    assert (await api.post("/models", json={**base, "visibility": "secret"})).status_code == 422
    assert (await api.post("/models", json=base)).status_code == 201
    assert (await api.post("/models", json=base)).status_code == 409
    public_delete = await api.delete("/models/emulator/x")
    assert public_delete.status_code == 409
    assert (await api.delete("/models/demo/echo")).status_code == 403


async def test_registered_model_objects_and_versions(emu: Emulator, api: httpx.AsyncClient) -> None:
    @emu.model("acme/thing", description="Does things")
    def thing(prompt: str, count: int = 2, mode: str | None = None) -> list[str]:
        """Does things.

        A longer README.
        """
        return [prompt] * count

    second = emu.add_model("acme/thing", thing, version="f" * 64)
    model = (await api.get("/models/acme/thing")).json()
    assert model["is_official"] is True
    assert model["description"] == "Does things"
    assert model["latest_version"]["id"] == second
    versions = (await api.get("/models/acme/thing/versions")).json()["results"]
    assert versions[0]["id"] == second
    assert len(versions) == 2
    version = (await api.get(f"/models/acme/thing/versions/{second}")).json()
    schema = version["openapi_schema"]["components"]["schemas"]
    assert schema["Input"]["required"] == ["prompt"]
    assert schema["Input"]["properties"]["count"]["type"] == "integer"
    assert schema["Input"]["properties"]["count"]["default"] == 2
    assert schema["Input"]["properties"]["mode"]["nullable"] is True
    assert schema["Output"]["type"] == "array"
    assert (await api.get("/models/acme/thing/readme")).text.startswith("Does things.")
    assert (await api.get(f"/models/acme/thing/versions/{'0' * 64}")).status_code == 404
    assert (await api.delete(f"/models/acme/thing/versions/{second}")).status_code == 202
    assert len((await api.get("/models/acme/thing/versions")).json()["results"]) == 1


async def test_streaming_output_schema(api: httpx.AsyncClient) -> None:
    version = (await api.get("/models/demo/tokens")).json()["latest_version"]
    output = version["openapi_schema"]["components"]["schemas"]["Output"]
    assert output["x-cog-array-type"] == "iterator"
    assert output["x-cog-array-display"] == "concatenate"
    assert output["items"] == {"type": "string"}


async def test_models_list_sorts_and_paginates_25(emu: Emulator, api: httpx.AsyncClient) -> None:
    for i in range(30):
        emu.add_model(f"bulk/m{i:02d}", lambda: None)
    first = (await api.get("/models")).json()
    assert len(first["results"]) == 25
    assert first["next"].startswith("http://replicate.emulator/v1/models?cursor=")
    second = (await api.get(first["next"])).json()
    names = [m["name"] for m in first["results"] + second["results"]]
    assert len(names) == len(set(names)) == 35
    ascending = (
        await api.get("/models", params={"sort_by": "model_created_at", "sort_direction": "asc"})
    ).json()
    assert ascending["results"][0]["owner"] == "demo"
    assert "sort_direction=asc" in ascending["next"]
    assert (await api.get("/models", params={"sort_by": "nope"})).status_code == 422


async def test_query_models_searches_with_a_text_body(api: httpx.AsyncClient) -> None:
    response = await api.request(
        "QUERY", "/models", content="sleep", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200
    assert response.headers["allow"] == "GET, POST, QUERY"
    body = response.json()
    assert body["next"] is None and body["previous"] is None
    assert [f"{m['owner']}/{m['name']}" for m in body["results"]] == ["demo/sleep"]


async def test_examples(emu: Emulator, api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/models/demo/echo/predictions", json={"input": {"text": "ex"}}, headers={"Prefer": "wait"}
    )
    emu.mark_example(created.json()["id"])
    examples = (await api.get("/models/demo/echo/examples")).json()
    assert [e["id"] for e in examples["results"]] == [created.json()["id"]]
    model = (await api.get("/models/demo/echo")).json()
    assert model["default_example"]["output"] == "ex"
    assert model["run_count"] == 1


# -- trainings ------------------------------------------------------------------------------------


async def test_training_creates_a_new_version_at_the_destination(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    await api.post(
        "/models",
        json={"owner": "emulator", "name": "tuned", "visibility": "private", "hardware": "gpu-t4"},
    )
    base = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    created = await api.post(
        f"/models/demo/echo/versions/{base}/trainings",
        json={
            "destination": "emulator/tuned",
            "input": {"train_data": "https://example.com/data.zip"},
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "starting"
    assert body["model"] == "demo/echo" and body["version"] == base
    assert (
        body["urls"]["get"] == f"http://replicate.emulator/v1/predictions/{body['id']}"
    )  # as recorded
    got = (await api.get(f"/trainings/{body['id']}")).json()
    assert got["urls"]["get"] == f"http://replicate.emulator/v1/trainings/{body['id']}"
    await emu.settle()
    done = (await api.get(f"/trainings/{body['id']}")).json()
    assert done["status"] == "succeeded"
    assert set(done["output"]) == {"version", "weights"}
    assert done["output"]["weights"].endswith("/weights.tar")
    assert "Training with 1 input(s)" in done["logs"]
    tuned = (await api.get("/models/emulator/tuned")).json()
    # owner/name:<version id>, as the API gives it (issue 9, item 3): not a bare id.
    assert done["output"]["version"] == f"emulator/tuned:{tuned['latest_version']['id']}"
    run = await api.post(
        "/models/emulator/tuned/predictions",
        json={"input": {"text": "tuned!"}},
        headers={"Prefer": "wait"},
    )
    assert run.json()["output"] == "tuned!"
    listed = (await api.get("/trainings")).json()["results"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert all(p["id"] != body["id"] for p in (await api.get("/predictions")).json()["results"])
    assert (await api.get(f"/predictions/{body['id']}")).json()["id"] == body["id"]  # one id space


async def test_training_errors_and_cancel(emu: Emulator, api: httpx.AsyncClient) -> None:
    base = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    invalid = await api.post(
        f"/models/demo/echo/versions/{base}/trainings",
        json={"destination": "<invalid>", "input": {}},
    )
    assert invalid.status_code == 404
    assert invalid.json() == {
        "detail": "The specified training destination does not exist",
        "status": 404,
    }
    missing_version = await api.post(
        f"/models/demo/echo/versions/{'0' * 64}/trainings",
        json={"destination": "emulator/x", "input": {}},
    )
    assert missing_version.status_code == 422
    assert (
        await api.post(f"/models/demo/echo/versions/{base}/trainings", json={"input": {}})
    ).status_code == 422

    await api.post(
        "/models",
        json={"owner": "emulator", "name": "slow", "visibility": "private", "hardware": "cpu"},
    )

    @emu.trainer("demo/echo")
    async def train(steps: int) -> bytes:
        from replicate_async.testing import sleep

        await sleep(steps)
        return b"weights"

    bad_input = await api.post(
        f"/models/demo/echo/versions/{base}/trainings",
        json={"destination": "emulator/slow", "input": {}},
    )
    assert bad_input.status_code == 422
    created = (
        await api.post(
            f"/models/demo/echo/versions/{base}/trainings",
            json={"destination": "emulator/slow", "input": {"steps": 100}},
        )
    ).json()
    canceled = await api.post(f"/trainings/{created['id']}/cancel")
    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["urls"]["cancel"].endswith(f"/predictions/{created['id']}/cancel")
    assert (await api.get("/models/emulator/slow")).json()["latest_version"] is None
    assert (await api.get(f"/trainings/{'x' * 26}")).status_code == 404


# -- deployments ----------------------------------------------------------------------------------


async def test_deployments_lifecycle(api: httpx.AsyncClient) -> None:
    version = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    payload = {
        "name": "prod",
        "model": "demo/echo",
        "version": version,
        "hardware": "cpu",
        "min_instances": 0,
        "max_instances": 3,
    }
    created = await api.post("/deployments", json=payload)
    assert created.status_code == 200
    body = created.json()
    assert body["owner"] == "emulator" and body["name"] == "prod"
    release = body["current_release"]
    assert release["number"] == 1
    assert release["configuration"] == {"hardware": "cpu", "min_instances": 0, "max_instances": 3}
    assert release["created_by"]["type"] == "user"
    assert (await api.post("/deployments", json=payload)).status_code == 409
    updated = (await api.patch("/deployments/emulator/prod", json={"max_instances": 5})).json()
    assert updated["current_release"]["number"] == 2
    same = (await api.patch("/deployments/emulator/prod", json={"max_instances": 5})).json()
    assert same["current_release"]["number"] == 2
    assert (
        await api.patch("/deployments/emulator/prod", json={"min_instances": 9})
    ).status_code == 422
    assert (await api.get("/deployments")).json()["results"][0]["name"] == "prod"
    run = await api.post(
        "/deployments/emulator/prod/predictions",
        json={"input": {"text": "dep"}},
        headers={"Prefer": "wait"},
    )
    assert run.json()["output"] == "dep"
    assert run.json()["deployment"] == "emulator/prod"
    assert (await api.delete(f"/models/demo/echo/versions/{version}")).status_code == 409
    deleted = await api.delete("/deployments/emulator/prod")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await api.get("/deployments/emulator/prod")).status_code == 404
    assert (
        await api.post("/deployments/emulator/prod/predictions", json={"input": {}})
    ).status_code == 404


async def test_deployment_validation(api: httpx.AsyncClient) -> None:
    version = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    base = {
        "name": "d",
        "model": "demo/echo",
        "version": version,
        "hardware": "cpu",
        "min_instances": 0,
        "max_instances": 1,
    }
    assert (await api.post("/deployments", json={**base, "max_instances": 21})).status_code == 422
    assert (await api.post("/deployments", json={**base, "min_instances": "1"})).status_code == 422
    assert (await api.post("/deployments", json={"name": "d"})).status_code == 422
    assert (await api.post("/deployments", json={**base, "model": "no/model"})).status_code == 404
    assert (await api.post("/deployments", json={**base, "version": "0" * 64})).status_code == 422


# -- the rest ---------------------------------------------------------------------------------


async def test_account_hardware_secret(emu: Emulator, api: httpx.AsyncClient) -> None:
    account = (await api.get("/account")).json()
    assert account["type"] == "user" and account["username"] == "emulator"
    hardware = (await api.get("/hardware")).json()
    assert isinstance(hardware, list)
    assert {"sku": "cpu", "name": "CPU"} in hardware
    assert (await api.get("/webhooks/default/secret")).json() == {"key": emu.webhook_secret}


async def test_collections(emu: Emulator, api: httpx.AsyncClient) -> None:
    listed = (await api.get("/collections")).json()
    assert listed["next"] is None
    assert listed["results"] == [
        {
            "name": "Demo models",
            "slug": "demo",
            "description": "The emulator's built-in demo models.",
        }
    ]
    collection = (await api.get("/collections/demo")).json()
    assert [m["name"] for m in collection["models"]] == ["echo", "tokens", "image", "sleep", "fail"]
    assert "full_description" in collection
    assert (await api.get("/collections/nope")).status_code == 404


async def test_search(api: httpx.AsyncClient) -> None:
    result = (await api.get("/search", params={"query": "sleep demo", "limit": 3})).json()
    assert set(result) == {"query", "models", "collections", "pages"}
    assert result["query"] == "sleep demo"
    assert len(result["models"]) == 3
    assert result["models"][0]["model"]["name"] == "sleep"
    assert set(result["models"][0]["metadata"]) == {"generated_description", "tags", "score"}
    assert result["collections"][0]["models"][0] == "demo/echo"
    missing = await api.get("/search")
    assert missing.status_code == 400
    assert missing.json() == {"detail": 'Query parameter "query" is required'}
    assert (await api.get("/search", params={"query": "x", "limit": 51})).status_code == 400


async def test_web_page_of_a_prediction(emu: Emulator, api: httpx.AsyncClient) -> None:
    created = (await api.post("/models/demo/echo/predictions", json={"input": {}})).json()
    async with httpx.AsyncClient(transport=emu.async_transport()) as anonymous:
        page = await anonymous.get(created["urls"]["web"])
        assert page.status_code == 200 and created["id"] in page.text


@pytest.mark.parametrize(
    "route", ["/predictions/nope", "/models/a/b", "/deployments/a/b", "/collections/x"]
)
async def test_not_found_is_a_problem_document(api: httpx.AsyncClient, route: str) -> None:
    response = await api.get(route)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_prediction_helper_and_jobs(emu: Emulator, api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/models/demo/echo/predictions", json={"input": {"text": "z"}}, headers={"Prefer": "wait"}
    )
    assert (
        emu.prediction(created.json()["id"])
        == (await api.get(created.json()["urls"]["get"])).json()
    )
    assert [job.id for job in emu.jobs()] == [created.json()["id"]]
    done = await wait_terminal(api, created.json())
    assert done["output"] == "z"


def test_the_app_serves_37_operations(emu: Emulator) -> None:
    import json
    from pathlib import Path

    spec = json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures" / "openapi.json").read_text()
    )
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, methods in spec["paths"].items()
        for method in methods
    }
    served = {(method, re.sub(r"\{[^}]+\}", "{}", path)) for method, path in emu.app.operations()}
    assert len(served) == 37
    assert served == documented
