"""Static checks of the public types: run by mypy --strict and pyright strict, never executed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from replicate_async import AsyncClient, Client, Model, Page, Prediction


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
