"""The command line in process: input parsing and schema conversion, output printing, main().

The commands themselves run as subprocesses against the served emulator in ``tests/cli/``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from replicate_async import Client
from replicate_async.cli import main
from replicate_async.cli._display import Console, Status
from replicate_async.cli._inputs import InputSchema, UsageError, build_input, parse_pairs
from replicate_async.cli._output import print_output
from replicate_async.types import Prediction

TOKEN = "r8_secret_token_value"

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "required": ["prompt"],
                "properties": {
                    "prompt": {"type": "string", "x-order": 0},
                    "width": {"type": "integer", "default": 512, "minimum": 64, "x-order": 1},
                    "scale": {"type": "number", "default": 7.5, "x-order": 2},
                    "hdr": {"type": "boolean", "default": False, "x-order": 3},
                    "seeds": {"type": "array", "items": {"type": "integer"}, "x-order": 4},
                    "image": {"type": "string", "format": "uri", "x-order": 5},
                    "images": {
                        "type": "array",
                        "items": {"type": "string", "format": "uri"},
                        "x-order": 6,
                    },
                    "extra": {"type": "object", "x-order": 7},
                    "scheduler": {
                        "allOf": [{"$ref": "#/components/schemas/scheduler"}],
                        "default": "DDIM",
                        "x-order": 8,
                    },
                    "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}], "x-order": 9},
                    "anything": {"x-order": 10},
                },
            },
            "scheduler": {"type": "string", "enum": ["DDIM", "K_EULER"]},
        }
    }
}


def schema() -> InputSchema:
    found = InputSchema.from_openapi("o/n", DOCUMENT)
    assert found is not None
    return found


def convert(*args: str) -> dict[str, Any]:
    return build_input(["prompt=p", *args], schema())


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("width=1024", 1024),
        ("scale=2", 2),
        ("scale=2.5", 2.5),
        ("scale=1e1", 10.0),
        ("hdr=true", True),
        ("hdr=No", False),
        ("hdr=1", True),
        ("seeds=[1, 2]", [1, 2]),
        ("seeds=3", [3]),
        ('extra={"a": 1}', {"a": 1}),
        ("scheduler=K_EULER", "K_EULER"),
        ("maybe=5", 5),
        ("maybe=null", None),
        ("anything=5", 5),
        ("anything=five", "five"),
        ("width:=1024.0", 1024),
        ('prompt:="quoted"', "quoted"),
    ],
)
def test_values_follow_the_schema(arg: str, expected: object) -> None:
    key = arg.partition("=")[0].rstrip(":")
    result = build_input([arg] if key == "prompt" else ["prompt=p", arg], schema())
    assert result[key] == expected
    assert type(result[key]) is type(expected)


def test_text_stays_text() -> None:
    assert build_input(["prompt=123"], schema()) == {"prompt": "123"}
    assert build_input(["prompt=true"], schema()) == {"prompt": "true"}


def test_repeated_array_keys_append_and_files_become_paths(tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    result = convert("seeds=1", "seeds=2", f"image=@{a}", f"images=@{a}", f"images=@{b}")
    assert result["seeds"] == [1, 2]
    assert result["image"] == a
    assert result["images"] == [a, b]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["widht=3"], "o/n has no input 'widht' (did you mean 'width'?)"),
        (["width=big"], "input 'width' must be an integer: 'big' is not an integer"),
        (["width=1.5"], "input 'width' must be an integer"),
        (["width=10"], "input 'width' must be at least 64, not 10"),
        (["scale=inf"], "input 'scale' must be a number"),
        (["hdr=perhaps"], "input 'hdr' must be a boolean: 'perhaps' is not true or false"),
        (["seeds=x"], "input 'seeds' must be an integer"),
        (["scheduler=PNDM"], 'input \'scheduler\' must be one of "DDIM", "K_EULER", not "PNDM"'),
        (["extra=[1]"], "input 'extra' must be an object"),
        (['width:="9"'], "input 'width' must be an integer, not string \"9\""),
        (["width=@pyproject.toml"], "input 'width' is an integer, not a file"),
    ],
)
def test_wrong_values_are_refused_with_the_listing(args: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        convert(*args)
    first, *rest = str(caught.value).splitlines()
    assert first.startswith(message), first
    listing = [" ".join(line.split()) for line in rest]
    assert listing[0] == "inputs of o/n:"
    assert "prompt string required" in listing
    assert "width integer default 512 min 64" in listing
    assert 'scheduler string default "DDIM" one of "DDIM", "K_EULER"' in listing
    assert "images array of file" in listing
    assert "maybe integer" in listing


def test_missing_required_input_is_refused() -> None:
    with pytest.raises(UsageError, match="o/n needs the input 'prompt'"):
        build_input(["width=64"], schema())


def test_repeated_scalar_is_refused() -> None:
    with pytest.raises(UsageError, match="given more than once"):
        convert("width=64", "width=128")


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("n=3", 3),
        ("n=2.5", 2.5),
        ("n=true", True),
        ("n=null", None),
        ("n=[1]", [1]),
        ('n={"a":1}', {"a": 1}),
        ("n=hello", "hello"),
        ("n=NaN", "NaN"),
        ('n="7"', "7"),
    ],
)
def test_without_a_schema_json_literals_are_parsed(arg: str, expected: object) -> None:
    assert build_input([arg], None) == {"n": expected}


@pytest.mark.parametrize("arg", ["novalue", "=x", "k:={bad", "k=@", "k=@/not/a/file"])
def test_syntax_errors(arg: str) -> None:
    with pytest.raises(UsageError):
        parse_pairs([arg])


def test_schema_absent_or_without_properties() -> None:
    assert InputSchema.from_openapi("o/n", None) is None
    assert InputSchema.from_openapi("o/n", {"components": {"schemas": {}}}) is None


def test_print_output_joins_tokens_and_lists_files() -> None:
    out = io.StringIO()
    print_output(["Hel", "lo", "!"], out, {"x-cog-array-display": "concatenate"})
    print_output(["Hel", "lo"], out, None)
    print_output(["a.png", "b.png"], out, {"type": "array", "items": {"format": "uri"}})
    print_output({"k": 1}, out, None)
    print_output(None, out, None)
    assert out.getvalue() == 'Hello!\nHello\na.png\nb.png\n{\n  "k": 1\n}\n'


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_redraws_in_place_on_a_terminal_only() -> None:
    job = Prediction(id="p1", status="processing", logs="50%|#####     | 5/10\n")
    terminal = FakeTTY()
    status = Status(Console(terminal), "o/n")
    status.update(job)
    status.finish(Prediction(id="p1", status="succeeded"))
    text = terminal.getvalue()
    assert "\r\x1b[K" in text and "p1  processing  [##########..........] 50%" in text
    assert text.endswith("\r\x1b[Kprediction p1 succeeded (" + text.rsplit("(", 1)[1])
    plain = io.StringIO()
    status = Status(Console(plain), "o/n")
    status.update(job)
    status.update(job)
    status.finish(Prediction(id="p1", status="succeeded"))
    lines = plain.getvalue().splitlines()
    assert lines[:2] == ["running o/n", "prediction p1 processing 50% (5/10)"]
    assert lines[2].startswith("prediction p1 succeeded (")
    assert len(lines) == 3


def test_console_wipes_the_status_before_other_text() -> None:
    terminal = FakeTTY()
    console = Console(terminal)
    console.draw("status")
    console.write("replicate_async: interrupted\n")
    assert terminal.getvalue() == "\r\x1b[Kstatus\r\x1b[Kreplicate_async: interrupted\n"
    assert console.client_spoke


def mock_client(handler: Any) -> Any:
    return lambda: Client(
        TOKEN, base_url="https://api.test/v1", transport=httpx.MockTransport(handler), max_retries=0
    )


def test_api_errors_exit_1_without_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"detail": f"boom {TOKEN}"})

    assert main(["hardware", "list"], client_factory=mock_client(handler)) == 1
    err = capsys.readouterr().err
    assert err.startswith("replicate-async: ") and TOKEN not in err and "Traceback" not in err


def test_connection_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert main(["whoami"], client_factory=mock_client(handler)) == 1
    assert capsys.readouterr().err.startswith("replicate-async: ")


def test_keyboard_interrupt_outside_a_prediction_exits_130(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def factory() -> Client:
        raise KeyboardInterrupt

    assert main(["whoami"], client_factory=factory) == 130
    assert capsys.readouterr().err == "replicate-async: interrupted\n"


def test_options_after_the_command_and_inputs_after_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/models/o/n":
            version = {"id": "v" * 64, "openapi_schema": DOCUMENT}
            return httpx.Response(200, json={"owner": "o", "name": "n", "latest_version": version})
        body = json.loads(request.content)
        return httpx.Response(
            201,
            json={"id": "p1", "status": "succeeded", "input": body["input"], "output": "ok"},
        )

    code = main(
        ["run", "o/n", "--json", "-q", "prompt=x", "width=64"], client_factory=mock_client(handler)
    )
    assert code == 0
    assert json.loads(seen[-1].content)["input"] == {"prompt": "x", "width": 64}
    assert main(["run", "o/n", "--bogus"], client_factory=mock_client(handler)) == 2


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("replicate-async ")
    assert main(["--help"]) == 0
    assert "--emulator" in capsys.readouterr().out
