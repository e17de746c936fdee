"""Every command of the CLI, run as a subprocess against the emulator served over sockets."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from replicate_async.webhooks import sign

from .support import TOKEN, USER, Served


def test_version_and_help_mention_the_emulator(served: Served) -> None:
    assert served.cli("--version").ok().out.startswith("replicate-async ")
    help_text = served.cli("--help").ok().out
    assert "--emulator" in help_text
    for command in ("run", "stream", "models", "predictions", "trainings", "deployments"):
        assert command in help_text


def test_whoami_and_account_json(served: Served) -> None:
    assert served.cli("whoami").ok().out == f"{USER} (user)\n"
    assert json.loads(served.cli("account", "--json").ok().out)["username"] == USER


def test_run_converts_values_by_the_input_schema(served: Served) -> None:
    result = served.cli(
        "run",
        f"{USER}/typed",
        "n=512",
        "x=2",
        "flag=yes",
        "tags=a",
        "-i",
        "tags=b",
        "choice=b",
        'meta:={"k": [1]}',
        "--json",
    ).ok()
    prediction = json.loads(result.out)
    assert prediction["status"] == "succeeded"
    assert prediction["input"] == {
        "n": 512,
        "x": 2,
        "flag": True,
        "tags": ["a", "b"],
        "choice": "b",
        "meta": {"k": [1]},
    }
    assert prediction["output"]["n"] == 512
    assert prediction["id"] in result.err  # the progress lines name it


def test_unknown_key_and_bad_values_are_refused_before_any_create(served: Served) -> None:
    before = served.prediction_count()
    unknown = served.cli("run", f"{USER}/typed", "n=1", "tagz=a")
    assert unknown.code == 2
    first, *listing = unknown.err.splitlines()
    assert first == f"replicate-async: {USER}/typed has no input 'tagz' (did you mean 'tags'?)"
    assert "  n       integer          required" in listing
    assert "  x       number           default 0.5" in listing
    assert any(line.startswith("  tags    array of string") for line in listing)
    assert any('one of "a", "b"' in line for line in listing)
    argvs = (["n=1.5"], ["n=1", "flag=maybe"], ["n=1", "choice=c"], ["x=1"], ["n=1", "x=nan"])
    results = served.many(*(["run", f"{USER}/typed", *argv] for argv in argvs))
    for argv, bad in zip(argvs, results, strict=True):
        assert bad.code == 2, (argv, bad.err)
        assert bad.err.startswith("replicate-async: "), bad.err
        assert "Traceback" not in bad.err
    assert served.prediction_count() == before


def test_bad_key_value_syntax_exits_2(served: Served) -> None:
    argvs = (["novalue"], ["=x"], ["text:={bad"], ["f=@/definitely/not/here"])
    for argv, bad in zip(
        argvs, served.many(*(["run", "demo/echo", *a] for a in argvs)), strict=True
    ):
        assert bad.code == 2, (argv, bad.err)
        assert bad.err.startswith("replicate-async: ")
        assert bad.err.count("\n") == 1, bad.err
    assert served.cli("bogus").code == 2


def test_language_model_output_is_one_text(served: Served) -> None:
    result = served.cli("run", "demo/tokens", "prompt=one two three").ok()
    assert result.out == "one two three\n"
    lines = result.err.splitlines()
    assert "\r" not in result.err  # not a terminal: plain lines
    assert lines[0] == "running demo/tokens"
    assert any(line.endswith(" succeeded") for line in lines), lines


def test_stream_prints_tokens_without_added_newlines(served: Served) -> None:
    assert served.cli("stream", "demo/tokens", "prompt=one two three").ok().out == "one two three"
    assert served.cli("run", "--stream", "demo/tokens", "prompt=a b").ok().out == "a b"
    events = [
        json.loads(line)
        for line in served.cli("stream", "demo/tokens", "prompt=a b", "--json")
        .ok()
        .out.splitlines()
    ]
    assert [e["data"] for e in events if e["event"] == "output"] == ["a", " b"]
    assert events[-1]["event"] == "done"


def test_run_save_writes_files_and_prints_paths(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "made" / "here"
    result = served.cli("run", "demo/image", "width=4", "height=3", "--save", str(out)).ok()
    (path,) = result.out.splitlines()
    assert Path(path).parent == out
    assert Path(path).read_bytes().startswith(b"\x89PNG")
    again = served.cli("predict", "demo/image", "width=4", "--output-dir", str(out)).ok()
    assert again.out.strip() != path and Path(again.out.strip()).is_file()


def test_failed_prediction_shows_error_and_logs(served: Served) -> None:
    result = served.cli("run", "demo/fail", "message=out of cheese")
    assert result.code == 1
    lines = result.err.splitlines()
    failed = [i for i, line in enumerate(lines) if line.startswith("replicate-async: ")]
    assert len(failed) == 1
    assert lines[failed[0]].endswith("of demo/fail failed: out of cheese")
    assert lines[failed[0] + 1] == "last log lines:"
    assert "  Running" in lines[failed[0] + 2 :]
    as_json = served.cli("run", "demo/fail", "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["status"] == "failed"


def test_unknown_model_exits_1(served: Served) -> None:
    for argv in (["run", "nobody/nothing"], ["models", "get", "nobody/nothing"]):
        result = served.cli(*argv)
        assert result.code == 1
        assert (
            result.err
            == "replicate-async: model nobody/nothing not found (or this token cannot see it)\n"
        )


def test_missing_token_says_how_to_set_it(served: Served) -> None:
    env = served.env()
    del env["REPLICATE_API_TOKEN"]
    result = served.cli("run", "demo/echo", env=env)
    assert result.code == 2
    assert "REPLICATE_API_TOKEN" in result.err
    assert "--emulator" in result.err
    assert "Traceback" not in result.err


def test_emulator_without_a_token(served: Served) -> None:
    env = {k: v for k, v in served.env().items() if not k.startswith("REPLICATE_")}
    assert served.cli("--emulator", "run", "demo/echo", "text=hi", env=env).ok().out == "hi\n"
    assert served.cli("whoami", env={**env, "REPLICATE_EMULATOR": "1"}).ok().out == "demo (user)\n"


def test_verbose_logs_requests_never_the_token(served: Served) -> None:
    result = served.cli("-v", "models", "get", "demo/echo").ok()
    assert "GET /v1/models/demo/echo -> 200" in result.err
    assert TOKEN not in result.err


def test_models_commands(served: Served) -> None:
    listed = served.cli("models", "list").ok().out
    assert "demo/echo" in listed and f"{USER}/typed" in listed
    assert served.cli("models", "search", "tokens").ok().out.startswith("demo/tokens")
    got = served.cli("models", "get", "demo/image").ok().out
    assert got.startswith("demo/image\n") and "latest version: " in got
    versions = served.cli("models", "versions", "demo/image", "--json").ok().out
    (version,) = json.loads(versions)
    schema = served.cli("models", "schema", f"demo/image:{version['id']}").ok().out
    assert "  width   integer  default 64" in schema
    assert schema.splitlines()[-1] == "output: iterator of file (URL)"
    raw = json.loads(served.cli("models", "schema", "demo/tokens", "--json").ok().out)
    assert raw["Input"]["properties"]["prompt"]["type"] == "string"


def test_predictions_commands(served: Served) -> None:
    pid = served.cli("run", "demo/sleep", "seconds=60", "--no-wait").ok().out.strip()
    assert served.emulator.prediction(pid)["status"] in ("starting", "processing")
    assert served.cli("predictions", "get", pid).ok().out.startswith(f"{pid}  ")
    assert pid in served.cli("predictions", "list").ok().out
    canceled = served.cli("predictions", "cancel", pid, "--json").ok()
    assert json.loads(canceled.out)["status"] == "canceled"
    waited = served.cli("predictions", "wait", pid)
    assert waited.code == 1
    assert f"prediction {pid} of demo/sleep was canceled" in waited.err
    done = served.cli("run", "demo/echo", "text=x", "--no-wait").ok().out.strip()
    assert served.cli("predictions", "wait", done).ok().out.splitlines()[-1] == "x"


def test_trainings_commands(served: Served) -> None:
    version = served.client.models.get("demo/echo").latest_version
    assert version is not None
    ref = f"demo/echo:{version.id}"
    made = served.cli("trainings", "create", ref, "--destination", f"{USER}/trained", "--wait").ok()
    assert f"version: {USER}/trained:" in made.out
    tid = served.cli("trainings", "create", ref, "--destination", f"{USER}/trained").ok().out
    tid = tid.strip()
    assert tid in served.cli("trainings", "list").ok().out
    assert served.cli("trainings", "get", tid, "--json").ok().out.count(tid) >= 1
    served.cli("trainings", "cancel", tid).ok()
    waited = served.cli("trainings", "wait", tid)
    assert waited.code in (0, 1)  # it may have finished before the cancel
    assert json.loads(served.cli("trainings", "get", tid, "--json").ok().out)["status"] in (
        "canceled",
        "succeeded",
    )


def test_deployments_commands(served: Served) -> None:
    created = served.cli(
        "deployments", "create", "cli", "--model", f"{USER}/typed", "--hardware", "cpu"
    ).ok()
    assert created.out.startswith(f"{USER}/cli\n") and "hardware: cpu" in created.out
    assert f"{USER}/cli" in served.cli("deployments", "list").ok().out
    updated = served.cli("deployments", "update", f"{USER}/cli", "--max-instances", "3").ok()
    assert "instances: 0-3" in updated.out and "release: 2" in updated.out
    assert "release: 2" in served.cli("deployments", "get", f"{USER}/cli").ok().out
    ran = served.cli("deployments", "run", f"{USER}/cli", "n=7", "--json").ok()
    assert json.loads(ran.out)["output"]["n"] == 7
    refused = served.cli("run", "--deployment", f"{USER}/cli", "n=seven")
    assert refused.code == 2 and "must be an integer" in refused.err
    served.cli("deployments", "delete", f"{USER}/cli").ok()
    assert served.cli("deployments", "get", f"{USER}/cli").code == 1


def test_files_commands(served: Served, tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello, files")
    uploaded = served.cli("files", "upload", str(source), "--metadata", '{"a": 1}', "--json").ok()
    record = json.loads(uploaded.out)
    fid = record["id"]
    assert record["name"] == "hello.txt" and record["metadata"] == {"a": 1}
    assert fid in served.cli("files", "list").ok().out
    assert served.cli("files", "get", fid).ok().out.startswith(fid)
    url = served.emulator.signed_file_url(fid)
    target = tmp_path / "copy.txt"
    served.cli("files", "download", url, "-o", str(target)).ok()
    assert target.read_bytes() == b"hello, files"
    assert served.cli("files", "download", url).ok().out == "hello, files"
    served.cli("files", "delete", fid).ok()
    assert served.cli("files", "get", fid).code == 1


def test_hardware_list(served: Served) -> None:
    assert served.cli("hardware", "list").ok().out.splitlines()[0].split()[0] == "cpu"


def test_webhooks_secret_and_verify(served: Served, tmp_path: Path) -> None:
    secret = served.cli("webhooks", "secret").ok().out.strip()
    assert secret == served.emulator.webhook_secret
    body = json.dumps({"id": "p1", "status": "succeeded"}).encode()
    headers = sign(body, secret=secret, msg_id="msg_1", timestamp=int(time.time()))
    header_args = [arg for k, v in headers.items() for arg in ("--header", f"{k}: {v}")]
    path = tmp_path / "body.json"
    path.write_bytes(body)
    valid = served.cli("webhooks", "verify", "--body", str(path), *header_args).ok()
    assert valid.out.startswith("valid: message msg_1")
    from_stdin = served.cli("webhooks", "verify", "--body", "-", *header_args, stdin=body).ok()
    assert from_stdin.out.startswith("valid: ")
    tampered = served.cli(
        "webhooks", "verify", "--body", "-", *header_args, stdin=body.replace(b"p1", b"p2")
    )
    assert tampered.code == 1
    assert tampered.err.startswith("replicate-async: not valid: ")
    assert os.environ.get("REPLICATE_WEBHOOK_SECRET") is None


def test_batch_writes_one_line_per_item_and_resumes(served: Served, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text("".join(json.dumps({"text": t}) + "\n" for t in "abc"))
    out, journal = tmp_path / "out.jsonl", tmp_path / "journal.sqlite"
    argv = ["batch", "demo/echo", str(inputs), "--out", str(out), "--journal", str(journal)]
    first = served.cli(*argv, "--concurrency", "2").ok()
    assert first.err.splitlines()[-1] == "3 of 3 succeeded"
    lines = sorted(
        (json.loads(line) for line in out.read_text().splitlines()), key=lambda r: r["index"]
    )
    assert [(r["index"], r["status"], r["output"]) for r in lines] == [
        (0, "succeeded", "a"),
        (1, "succeeded", "b"),
        (2, "succeeded", "c"),
    ]
    before = served.prediction_count()
    served.cli(*argv).ok()  # resumed from the journal: nothing runs again
    assert served.prediction_count() == before
    assert len(out.read_text().splitlines()) == 3
    failing = served.cli("batch", "demo/fail", str(inputs.with_name("x.jsonl")))
    assert failing.code == 2 and "cannot read" in failing.err
    fails = tmp_path / "fails.jsonl"
    fails.write_text('{"message": "no"}\n')
    failed = served.cli("batch", "demo/fail", str(fails))
    assert failed.code == 1
    (record,) = [json.loads(line) for line in failed.out.splitlines()]
    assert record["status"] == "failed" and "no" in record["error"]
