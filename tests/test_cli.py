"""The replicate-async command line, driven through main() against httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from replicate_async import Client
from replicate_async.cli import main
from replicate_async.webhooks import sign

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "r8_secret_token_value"

Handler = Callable[[httpx.Request], httpx.Response]


def prediction(status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "p1",
        "status": status,
        "model": "o/n",
        "version": "v1",
        "created_at": "2024-01-01T00:00:00Z",
        "urls": {"get": "https://api.test/v1/predictions/p1"},
    }
    body.update(extra)
    return body


class Server:
    """Routes by (method, path) and records every request."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if key in self.routes:
            return self.routes[key]
        return httpx.Response(404, json={"detail": "Not found", "status": 404})

    def factory(self) -> Callable[[], Client]:
        return lambda: Client(
            TOKEN,
            base_url="https://api.test/v1",
            transport=httpx.MockTransport(self),
            max_retries=0,
            file_encoding="data-uri",
        )

    def json_body(self, index: int = 0) -> Any:
        return json.loads(self.requests[index].content)


def cli(server: Server, *argv: str) -> int:
    return main(list(argv), client_factory=server.factory())


def test_run_parses_inputs_and_prints_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "in.txt"
    image.write_bytes(b"hi")
    server = Server(
        {("POST", "/v1/models/o/n/predictions"): httpx.Response(201, json=prediction(output="ok"))}
    )
    code = cli(server, "run", "o/n", "prompt=a cat", "n:=3", "flag:=true", "x:=null", f"f=@{image}")
    assert code == 0
    assert capsys.readouterr().out == "ok\n"
    body = server.json_body()
    assert body["input"]["prompt"] == "a cat"
    assert body["input"]["n"] == 3
    assert body["input"]["flag"] is True
    assert body["input"]["x"] is None
    assert body["input"]["f"].startswith("data:")
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_run_json_output_with_file_urls(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://replicate.delivery/abc/out.png"
    server = Server(
        {
            ("POST", "/v1/models/o/n/predictions"): httpx.Response(
                201, json=prediction(output=[url, url])
            )
        }
    )
    assert cli(server, "run", "--json", "o/n", "a=1") == 0
    assert json.loads(capsys.readouterr().out) == [url, url]
    assert server.json_body()["input"] == {"a": "1"}
    assert cli(server, "run", "o/n") == 0
    assert capsys.readouterr().out == f"{url}\n{url}\n"


def test_run_save_writes_file_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://replicate.delivery/abc/out.txt"
    server = Server(
        {
            ("POST", "/v1/models/o/n/predictions"): httpx.Response(
                201, json=prediction(output=url)
            ),
            ("GET", "/abc/out.txt"): httpx.Response(200, content=b"payload"),
        }
    )
    assert cli(server, "run", "o/n", "--save", str(tmp_path)) == 0
    assert (tmp_path / "out.txt").read_bytes() == b"payload"
    assert capsys.readouterr().out.strip() == str(tmp_path / "out.txt")


def test_run_no_wait_and_deployment(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {
            ("POST", "/v1/deployments/o/d/predictions"): httpx.Response(
                201, json=prediction("starting")
            )
        }
    )
    assert cli(server, "run", "--deployment", "o/d", "--no-wait", "k=v") == 0
    assert capsys.readouterr().out == "p1\n"
    assert server.json_body()["input"] == {"k": "v"}


def test_run_failed_prediction_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {
            ("POST", "/v1/models/o/n/predictions"): httpx.Response(
                201, json=prediction("failed", error="CUDA out of memory")
            )
        }
    )
    assert cli(server, "run", "o/n") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("replicate-async: ")
    assert "CUDA out of memory" in captured.err
    assert captured.err.count("\n") == 1


def test_not_found_exits_3_without_leaking_token(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server({})
    assert cli(server, "predictions", "get", "nope") == 3
    err = capsys.readouterr().err
    assert err.startswith("replicate-async: ")
    assert "Traceback" not in err
    assert TOKEN not in err


def test_connection_error_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def factory() -> Client:
        return Client(
            TOKEN,
            base_url="https://api.test/v1",
            transport=httpx.MockTransport(boom),
            max_retries=0,
        )

    assert main(["account"], client_factory=factory) == 3
    assert capsys.readouterr().err.startswith("replicate-async: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "o/n", "novalue"],
        ["run", "o/n", "=x"],
        ["run", "o/n", "n:={bad"],
        ["run", "o/n", "a=1", "a=2"],
        ["run", "o/n", "f=@/definitely/not/here"],
        ["run"],
        ["bogus"],
        ["predictions"],
        ["webhooks", "verify", "--body", "x", "--header", "noseparator", "--secret", SECRET],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    server = Server({})
    assert cli(server, *argv) == 2
    assert capsys.readouterr().err
    assert server.requests == []


def test_missing_token_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    def factory() -> Client:
        return Client(base_url="https://api.test/v1", transport=httpx.MockTransport(Server({})))

    assert main(["run", "o/n"], client_factory=factory) == 2
    assert capsys.readouterr().err.startswith("replicate-async: ")


def test_keyboard_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    def factory() -> Client:
        raise KeyboardInterrupt

    assert main(["account"], client_factory=factory) == 130
    assert "interrupted" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "run" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["account", "whoami"])
def test_account(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {("GET", "/v1/account"): httpx.Response(200, json={"username": "alice", "type": "user"})}
    )
    assert cli(server, command) == 0
    assert capsys.readouterr().out == "alice (user)\n"
    assert cli(server, command, "--json") == 0
    assert json.loads(capsys.readouterr().out)["username"] == "alice"


def test_hardware_list(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {
            ("GET", "/v1/hardware"): httpx.Response(
                200, json=[{"sku": "cpu", "name": "CPU"}, {"sku": "gpu-a100", "name": "A100"}]
            )
        }
    )
    assert cli(server, "hardware", "list") == 0
    assert capsys.readouterr().out == "cpu  CPU\ngpu-a100  A100\n"
    assert cli(server, "--json", "hardware", "list") == 0
    assert [h["sku"] for h in json.loads(capsys.readouterr().out)] == ["cpu", "gpu-a100"]


def test_predictions_get_cancel_list(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {
            ("GET", "/v1/predictions/p1"): httpx.Response(200, json=prediction(output="hello")),
            ("POST", "/v1/predictions/p1/cancel"): httpx.Response(200, json=prediction("canceled")),
            ("GET", "/v1/predictions"): httpx.Response(
                200, json={"results": [prediction()], "next": None}
            ),
        }
    )
    assert cli(server, "predictions", "get", "p1", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "p1"
    assert data["created_at"] == "2024-01-01T00:00:00Z"
    assert data["output"] == "hello"
    assert cli(server, "predictions", "get", "p1") == 0
    assert capsys.readouterr().out == "p1  succeeded  o/n  2024-01-01T00:00:00Z\nhello\n"
    assert cli(server, "predictions", "cancel", "p1") == 0
    assert capsys.readouterr().out.startswith("p1  canceled")
    assert server.requests[-1].method == "POST"
    assert cli(server, "predictions", "list") == 0
    assert capsys.readouterr().out.startswith("p1  succeeded")


def test_models_get_list_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schemas = {
        "Input": {"type": "object", "properties": {"prompt": {"type": "string"}}},
        "Output": {"type": "string"},
        "Status": {"type": "string"},
    }
    model = {
        "owner": "o",
        "name": "n",
        "description": "A model",
        "latest_version": {"id": "v1", "openapi_schema": {"components": {"schemas": schemas}}},
    }
    server = Server(
        {
            ("GET", "/v1/models/o/n"): httpx.Response(200, json=model),
            ("GET", "/v1/models"): httpx.Response(200, json={"results": [model], "next": None}),
        }
    )
    assert cli(server, "models", "schema", "o/n") == 0
    assert json.loads(capsys.readouterr().out) == {
        "Input": schemas["Input"],
        "Output": schemas["Output"],
    }
    assert cli(server, "models", "get", "o/n") == 0
    assert capsys.readouterr().out == "o/n\nA model\nlatest version: v1\n"
    assert cli(server, "models", "list") == 0
    assert capsys.readouterr().out == "o/n  A model\n"


def _delivery(tmp_path: Path) -> tuple[Path, list[str]]:
    body = json.dumps(prediction()).encode()
    headers = sign(body, secret=SECRET, msg_id="msg_1")
    path = tmp_path / "body.json"
    path.write_bytes(body)
    return path, [f"{k}:{v}" for k, v in headers.items()]


def test_webhooks_verify_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, headers = _delivery(tmp_path)
    argv = ["webhooks", "verify", "--body", str(path), "--secret", SECRET]
    for header in headers:
        argv += ["--header", header]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("verified msg_1 at ")


def test_webhooks_verify_tampered_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, headers = _delivery(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"succeeded", b"failed"))
    argv = ["webhooks", "verify", "--body", str(path), "--secret", SECRET]
    for header in headers:
        argv += ["--header", header]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("replicate-async: webhook did not verify")


def test_webhooks_verify_secret_from_env_and_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, headers = _delivery(tmp_path)
    argv = ["webhooks", "verify", "--body", str(path)]
    for header in headers:
        argv += ["--header", header]
    server = Server(
        {("GET", "/v1/webhooks/default/secret"): httpx.Response(200, json={"key": SECRET})}
    )
    assert cli(server, *argv) == 0
    assert len(server.requests) == 1
    monkeypatch.setenv("REPLICATE_WEBHOOK_SECRET", SECRET)
    assert cli(Server({}), *argv) == 0
    assert capsys.readouterr().out.count("verified msg_1") == 2


def test_webhooks_secret(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(
        {("GET", "/v1/webhooks/default/secret"): httpx.Response(200, json={"key": SECRET})}
    )
    assert cli(server, "webhooks", "secret") == 0
    assert capsys.readouterr().out == f"{SECRET}\n"
