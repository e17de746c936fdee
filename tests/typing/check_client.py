"""Static checks of the public types: run by mypy --strict and pyright strict, never executed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from replicate_async import (
    APIStatusError,
    AsyncClient,
    AsyncFileOutput,
    Client,
    DoneEvent,
    Model,
    OutputEvent,
    Page,
    Prediction,
    PredictionFailedError,
    Training,
    TrainingTimeoutError,
)


async def check_async(client: AsyncClient) -> None:
    assert_type(await client.predictions.get("x"), Prediction)
    assert_type(await client.predictions.create(model="o/n", input={}), Prediction)
    assert_type(await client.predictions.list(), Page[Prediction])
    assert_type(client.predictions.iter(), AsyncIterator[Prediction])
    assert_type(await client.predictions.wait("x", timeout=1), Prediction)
    assert_type(await client.predictions.cancel("x"), Prediction)
    assert_type(await client.run("o/n", input={}), Any)
    assert_type(await client.models.get("o/n"), Model)
    assert_type(client.with_options(max_retries=0), AsyncClient)


def check_sync(client: Client) -> None:
    assert_type(client.predictions.get("x"), Prediction)
    assert_type(client.predictions.list(), Page[Prediction])
    assert_type(client.predictions.iter(), Iterator[Prediction])
    assert_type(client.models.get("o/n"), Model)
    assert_type(client.with_options(max_retries=0), Client)


async def check_streams_and_outputs(client: AsyncClient, prediction: Prediction) -> None:
    from replicate_async import AsyncPredictionStream, StreamEvent

    stream = client.stream("o/n", input={})
    assert_type(stream, AsyncPredictionStream)
    async for event in stream:
        assert_type(event, StreamEvent)
        if isinstance(event, OutputEvent):
            assert_type(event.data, str)
        elif isinstance(event, DoneEvent):
            assert_type(event.synthetic, bool)
    assert_type(await stream.wait(), Prediction)
    assert_type(stream.text(), AsyncIterator[str])
    assert_type(client.predictions.output(prediction), Any)
    assert_type(await AsyncFileOutput("https://replicate.delivery/x").read(), bytes)


def check_errors(exc: Exception) -> None:
    if isinstance(exc, PredictionFailedError):
        assert_type(exc.prediction, Prediction)
    if isinstance(exc, TrainingTimeoutError):
        assert_type(exc.training, Training)
    if isinstance(exc, APIStatusError):
        assert_type(exc.status_code, int)
        assert_type(exc.retry_after, float | None)


async def check_batch(client: AsyncClient) -> None:
    from replicate_async.batch import BatchResult, as_completed, run_batch

    results = await run_batch(client, "o/n", [{"x": 1}], concurrency=2)
    assert_type(results, list[BatchResult])
    assert_type(results[0].ok, bool)
    async with as_completed(client, "o/n", [{"x": 1}]) as items:
        async for item in items:
            assert_type(item, BatchResult)


def check_sync_module() -> None:
    from replicate_async import PredictionStream, sync

    assert_type(sync.run("o/n", input={}), Any)
    assert_type(sync.stream("o/n", input={}), PredictionStream)
    assert_type(sync.predictions.get("x"), Prediction)
    assert_type(sync.default_client(), Client)
