"""Cog fixture models through the async SDK, on asyncio and trio."""

from __future__ import annotations

import base64
from pathlib import Path

import anyio
import pytest

from replicate_async import (
    AsyncFileOutput,
    LogsEvent,
    OutputEvent,
    PredictionFailedError,
    UnprocessableEntityError,
)
from replicate_async.testing import Emulator

from .support import FIXTURES, PNG, emulator_with_models, until_processing

pytestmark = pytest.mark.anyio


@pytest.fixture
def emu() -> Emulator:
    return emulator_with_models()


async def test_typed_inputs_get_their_defaults_and_prints_become_logs(emu: Emulator) -> None:
    async with emu.async_client() as client:
        output = await client.run("me/text", input={"prompt": "hi"})
        assert output == "> hi hi [16 ab1 None a -]"
        shouted = await client.run(
            "me/text",
            input={
                "prompt": "yo",
                "repeat": 3,
                "style": "shout",
                "width": 32,
                "seed": 7,
                "tags": ["x", "y"],
                "api_key": "s3cret",
                "temperature": 1,  # an integer for a number input
                "unknown": "dropped, as Cog drops it",
            },
        )
        assert shouted == "> YO YO YO [32 ab1 7 x,y s3cret]"
    logs = [job.logs for job in emu.jobs()]
    assert logs == ["repeating 'hi' 2 times\n", "repeating 'yo' 3 times\n"]


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"repeat": 0}, "input.repeat", "Must be greater than or equal to 1"),
        ({"repeat": 6}, "input.repeat", "Must be less than or equal to 5"),
        ({"temperature": 1.5}, "input.temperature", "Must be less than or equal to 1"),
        ({"style": "whisper"}, "input.style", 'must be one of the following: "plain", "shout"'),
        ({"width": 10}, "input.width", "must be one of the following: 8, 16, 32"),
        ({"prompt": ""}, "input.prompt", "String length must be greater than or equal to 1"),
        ({"prompt": "x" * 51}, "input.prompt", "String length must be less than or equal to 50"),
        ({"code": "AB"}, "input.code", "Does not match pattern '^[a-z]+[0-9]$'"),
        ({"repeat": "2"}, "input.repeat", "Invalid type. Expected: integer, given: string"),
        ({"tags": ["a", 1]}, "input.tags", "Invalid type. Expected: string, given: integer"),
        ({"loud": None}, "input.loud", "Invalid type. Expected: boolean, given: null"),
    ],
)
async def test_input_outside_the_schema_is_a_422_and_nothing_runs(
    emu: Emulator, bad: dict[str, object], field: str, message: str
) -> None:
    async with emu.async_client() as client:
        with pytest.raises(UnprocessableEntityError) as caught:
            await client.predictions.create("me/text", input={"prompt": "hi", **bad})
    assert f"{field}: {message}" in str(caught.value)
    assert emu.jobs() == []


async def test_a_missing_required_input_is_a_422(emu: Emulator) -> None:
    async with emu.async_client() as client:
        with pytest.raises(UnprocessableEntityError, match="prompt is required"):
            await client.predictions.create("me/text", input={})


async def test_a_path_in_becomes_a_local_file_and_a_path_out_a_file_output(
    emu: Emulator, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    async with emu.async_client() as client:
        uploaded = await client.run("me/image", input={"image": image})  # via the Files API
        assert isinstance(uploaded, list) and isinstance(uploaded[0], AsyncFileOutput)
        assert await uploaded[0].read() == PNG[::-1]
        assert uploaded[0].filename == "flipped.png"
        data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
        inline = await client.run("me/image", input={"image": data_uri, "many": True})
        assert [await f.read() for f in inline] == [PNG[::-1], PNG]
        # A URL the emulator serves (an earlier output) works as an input too.
        again = await client.run("me/image", input={"image": uploaded[0].url})
        assert await again[0].read() == PNG
        with_file = await client.run(
            "me/image", input={"image": PNG, "extra": b"a note"}
        )  # a cog.File input
        assert await with_file[0].read() == PNG[::-1]
    logs = [job.logs for job in emu.jobs()]
    assert logs[0] == "got cat.png (40 bytes)\n"
    assert logs[3].endswith("extra: a note\n")


async def test_an_input_file_that_cannot_be_fetched_fails_the_prediction(emu: Emulator) -> None:
    async with emu.async_client() as client:
        with pytest.raises(PredictionFailedError, match="Failed to download input file"):
            await client.run("me/image", input={"image": "https://example.invalid/x.png"})


async def test_a_concatenate_iterator_streams_output_events(emu: Emulator) -> None:
    async with emu.async_client() as client:
        events = [e async for e in client.stream("me/stream", input={"prompt": "a b c"})]
        assert [e.data for e in events if isinstance(e, OutputEvent)] == ["a ", "b ", "c "]
        assert [e.data for e in events if isinstance(e, LogsEvent)] == ["streaming"]
        assert await client.run("me/stream", input={"prompt": "x y"}) == ["x ", "y "]


async def test_async_code_runs_on_an_asyncio_loop_of_its_own_even_under_trio(
    emu: Emulator,
) -> None:
    async with emu.async_client() as client:
        events = [e async for e in client.stream("me/async-stream", input={"prompt": "p q"})]
    assert [e.data for e in events if isinstance(e, OutputEvent)] == ["p ", "q "]
    assert emu.jobs()[0].logs == "async streaming\n"


async def test_an_exception_fails_the_prediction_with_its_message_and_traceback(
    emu: Emulator,
) -> None:
    async with emu.async_client() as client:
        with pytest.raises(PredictionFailedError, match="cannot handle boom") as caught:
            await client.run("me/fails", input={"text": "boom"})
    prediction = caught.value.prediction
    assert prediction.error == "cannot handle boom"
    logs = prediction.logs or ""
    assert logs.startswith("about to fail\nTraceback (most recent call last):\n")
    assert 'fails/predict.py", line 9, in predict' in logs
    assert "_cog.py" not in logs and "anyio" not in logs


async def test_cancelling_interrupts_predict_and_frees_the_slot(
    emu: Emulator, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    async with emu.async_client() as client:
        running = await client.predictions.create("me/slow", input={"marker": str(first)})
        await until_processing(client, running)
        # One prediction at a time per model (as Cog): the next one waits in `starting`.
        queued = await client.predictions.create("me/slow", input={"marker": str(second)})
        assert (await client.predictions.get(queued.id)).status == "starting"
        canceled = await client.predictions.cancel(running.id)
        assert canceled.status == "canceled"
        await until_processing(client, queued)  # it starts once predict() has stopped ...
        assert first.read_text() == "cancelled"  # ... by CancelationException, inside it
        await client.predictions.cancel(queued.id)
        finished = await client.predictions.wait(queued.id)
    assert finished.status == "canceled"
    with anyio.fail_after(30):
        async with emu:
            await emu.settle()
    assert second.read_text() == "cancelled"


async def test_concurrency_lets_more_predictions_run_at_once(tmp_path: Path) -> None:
    emu = Emulator()
    emu.register_cog(FIXTURES / "slow", name="me/slow", concurrency=2)
    markers = [tmp_path / "a", tmp_path / "b"]
    async with emu.async_client() as client:
        created = [
            await client.predictions.create("me/slow", input={"marker": str(m)}) for m in markers
        ]
        for prediction in created:
            await until_processing(client, prediction)  # both run together
        for prediction in created:
            await client.predictions.cancel(prediction.id)
        async with emu:
            await emu.settle()
    assert [m.read_text() for m in markers] == ["cancelled", "cancelled"]


async def test_a_cog_train_function_is_the_models_trainer(emu: Emulator) -> None:
    emu.add_model("emulator/trained")
    version = emu.core.store.models["me/stream"].versions[-1].id
    async with emu.async_client() as client:
        training = await client.trainings.create(
            f"me/stream:{version}",
            destination="emulator/trained",
            input={"data": "ab", "epochs": 2},
        )
        done = await client.trainings.wait(training)
        assert done.status == "succeeded", done.error
        assert done.logs == "epoch 1/2\nepoch 2/2\n"
        output = done.output
        assert output is not None and output.weights is not None and output.version
        weights = AsyncFileOutput(output.weights, client=client)
        assert await weights.read() == b"abab"
        new_version = output.version
        assert new_version.startswith("emulator/trained:")
        # The trained version runs the same predictor.
        assert await client.run(new_version, input={"prompt": "t"}) == ["t "]
        with pytest.raises(UnprocessableEntityError, match="Must be less than or equal to 3"):
            await client.trainings.create(
                f"me/stream:{version}",
                destination="emulator/trained",
                input={"data": "x", "epochs": 9},
            )


async def test_lazy_setup_runs_before_the_first_prediction(tmp_path: Path) -> None:
    (tmp_path / "cog.yaml").write_text('predict: "counting.py:Predictor"\n')
    (tmp_path / "counting.py").write_text(
        "import pathlib\n"
        "\n"
        "from cog import BasePredictor\n"
        "\n"
        'LOG = pathlib.Path(__file__).with_name("setup.log")\n'
        "\n"
        "\n"
        "class Predictor(BasePredictor):\n"
        "    def setup(self) -> None:\n"
        '        with LOG.open("a") as log:\n'
        '            log.write("setup\\n")\n'
        "\n"
        "    def predict(self) -> int:\n"
        "        return len(LOG.read_text().splitlines())\n"
    )
    setup_log = tmp_path / "setup.log"
    emu = Emulator()
    emu.register_cog(tmp_path, name="me/counting", lazy_setup=True)
    assert not setup_log.exists()
    async with emu.async_client() as client:
        assert await client.run("me/counting", input={}) == 1
        assert await client.run("me/counting", input={}) == 1  # once only
    Emulator().register_cog(tmp_path, name="me/counting")  # eager: at registration
    assert setup_log.read_text() == "setup\nsetup\n"


def test_a_bad_name_or_concurrency_is_refused_before_setup_runs(tmp_path: Path) -> None:
    (tmp_path / "cog.yaml").write_text('predict: "marking.py:Predictor"\n')
    (tmp_path / "marking.py").write_text(
        "import pathlib\n"
        "\n"
        "from cog import BasePredictor\n"
        "\n"
        "\n"
        "class Predictor(BasePredictor):\n"
        "    def setup(self) -> None:\n"
        '        pathlib.Path(__file__).with_name("setup.ran").touch()\n'
        "\n"
        "    def predict(self) -> int:\n"
        "        return 1\n"
    )
    with pytest.raises(ValueError, match="owner/name"):
        Emulator().register_cog(tmp_path, name="no-owner")
    with pytest.raises(ValueError, match="at least 1, not 0"):
        Emulator().register_cog(tmp_path, name="me/marking", concurrency=0)
    assert not (tmp_path / "setup.ran").exists()
