"""AsyncModels: models, their versions, examples and README; search; predictions by model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from .._exceptions import decode_json_body
from .._http import same_origin
from .._params import model_ref, optional_strings, sort_params
from .._refs import parse_model
from .._serde import structure, structure_page
from .._types import InputMapping, WebhookEventName
from ..types.models import Model, ModelVersion
from ..types.pages import Page
from ..types.predictions import Prediction
from .api_client import AsyncAPIClient
from .files import check_segment, delete_resource
from .pagination import fetch_page, iterate_pages
from .predictions import create_prediction

__all__ = [
    "AsyncModelExamples",
    "AsyncModelPredictions",
    "AsyncModelReadme",
    "AsyncModelVersions",
    "AsyncModels",
    "ModelSortBy",
    "SortDirection",
]

ModelSortBy = Literal["model_created_at", "latest_version_created_at"]
"""The orders `AsyncModels.list` can sort by (the server default: latest_version_created_at)."""

SortDirection = Literal["asc", "desc"]
"""A sort direction (the server default: desc)."""

_VISIBILITIES = ("public", "private")
_VERSION_HELP = "pass the version id alone, e.g. models.versions.get('owner/name', '<version id>')"


class AsyncModelVersions:
    """The versions of a model: get, list, iter, delete."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def get(self, model: str, version_id: str) -> ModelVersion:
        """Return one version of a model, with its OpenAPI schema.

        Args:
            model: The model, ``owner/name``.
            version_id: The version id (64 hex characters).
        """
        ref = model_ref(model)
        check_segment(version_id, what="version id", example=_VERSION_HELP)
        payload = decode_json_body(
            await self._api.request(
                "GET", f"models/{ref.owner}/{ref.name}/versions/{version_id}", kind="read"
            )
        )
        return structure(payload, ModelVersion)

    async def list(self, model: str, *, cursor: str | None = None) -> Page[ModelVersion]:
        """Return one page of a model's versions, newest first.

        Args:
            model: The model, ``owner/name``.
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        ref = model_ref(model)
        path = f"models/{ref.owner}/{ref.name}/versions"
        return await fetch_page(self._api, path, ModelVersion, cursor=cursor)

    async def iter(self, model: str) -> AsyncIterator[ModelVersion]:
        """Yield every version of a model, newest first, page after page."""
        ref = model_ref(model)
        path = f"models/{ref.owner}/{ref.name}/versions"
        async for item in iterate_pages(self._api, path, ModelVersion):
            yield item

    async def delete(self, model: str, version_id: str) -> None:
        """Delete a version of your own private model.

        The server accepts the request (202) and deletes the version, its predictions and
        their output files in the background, which may take minutes.
        """
        ref = model_ref(model)
        check_segment(version_id, what="version id", example=_VERSION_HELP)
        await delete_resource(self._api, f"models/{ref.owner}/{ref.name}/versions/{version_id}")


class AsyncModelExamples:
    """The example predictions a model's author saved: list, iter."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def list(self, model: str, *, cursor: str | None = None) -> Page[Prediction]:
        """Return one page of a model's example predictions.

        Args:
            model: The model, ``owner/name``.
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        ref = model_ref(model)
        path = f"models/{ref.owner}/{ref.name}/examples"
        return await fetch_page(self._api, path, Prediction, cursor=cursor)

    async def iter(self, model: str) -> AsyncIterator[Prediction]:
        """Yield every example prediction of a model, page after page."""
        ref = model_ref(model)
        path = f"models/{ref.owner}/{ref.name}/examples"
        async for item in iterate_pages(self._api, path, Prediction):
            yield item


class AsyncModelReadme:
    """A model's README."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def get(self, model: str) -> str:
        """Return a model's README as Markdown text.

        Raises:
            NotFoundError: The model has no README (or does not exist).
        """
        ref = model_ref(model)
        response = await self._api.request(
            "GET",
            f"models/{ref.owner}/{ref.name}/readme",
            kind="read",
            headers={"Accept": "text/plain, text/markdown;q=0.9, */*;q=0.1"},
        )
        return response.text


class AsyncModelPredictions:
    """Predictions of a model through its own route (official models)."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def create(
        self,
        model: str,
        *,
        input: InputMapping,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        wait: bool | int = False,
        cancel_after: float | str | None = None,
    ) -> Prediction:
        """Create a prediction of a model's current version (``POST /models/{o}/{n}/predictions``).

        The same as ``client.predictions.create(model="owner/name", ...)``; see there. File
        leaves in `input` are uploaded first.

        Args:
            model: The model, ``owner/name`` (an official model; community models need a
                version: use ``client.predictions.create("owner/name:<version id>", ...)``).
            input: The model's input.
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook` (start, output, logs,
                completed).
            wait: ``True`` (or 1 to 60 seconds) asks the server to hold the response until the
                prediction finishes or the window ends; ``False`` returns at once.
            cancel_after: A server-side deadline (seconds, or ``"5m"``; at least 5 s).
        """
        ref = model_ref(model)
        return await create_prediction(
            self._api,
            ref,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            wait=wait,
            cancel_after=cancel_after,
        )


class AsyncModels:
    """Models: get, list, iter, search, create, update, delete.

    Sub-resources: `versions`, `examples`, `readme` and `predictions`.
    """

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
        self.versions: AsyncModelVersions = AsyncModelVersions(api)
        """A model's versions: get, list, iter, delete."""
        self.examples: AsyncModelExamples = AsyncModelExamples(api)
        """A model's example predictions: list, iter."""
        self.readme: AsyncModelReadme = AsyncModelReadme(api)
        """A model's README: get."""
        self.predictions: AsyncModelPredictions = AsyncModelPredictions(api)
        """Predictions through a model's own route: create."""

    async def get(self, model: str) -> Model:
        """Return a model, with its latest version and default example.

        Args:
            model: The model, ``owner/name``.
        """
        ref = model_ref(model)
        payload = decode_json_body(
            await self._api.request("GET", f"models/{ref.owner}/{ref.name}", kind="read")
        )
        return structure(payload, Model)

    async def list(
        self,
        *,
        cursor: str | None = None,
        sort_by: ModelSortBy | None = None,
        sort_direction: SortDirection | None = None,
    ) -> Page[Model]:
        """Return one page of public models.

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page. The URL
                already carries the sort order, so `sort_by` and `sort_direction` are not
                sent with it.
            sort_by: ``"latest_version_created_at"`` (the server default) or
                ``"model_created_at"``.
            sort_direction: ``"desc"`` (the server default) or ``"asc"``.
        """
        params = sort_params(sort_by, sort_direction)
        return await fetch_page(self._api, "models", Model, cursor=cursor, params=params)

    async def iter(
        self,
        *,
        sort_by: ModelSortBy | None = None,
        sort_direction: SortDirection | None = None,
    ) -> AsyncIterator[Model]:
        """Yield every public model, page after page (see `list` for the arguments)."""
        params = sort_params(sort_by, sort_direction)
        async for item in iterate_pages(self._api, "models", Model, params=params):
            yield item

    async def search(self, query: str, *, cursor: str | None = None) -> Page[Model]:
        """Search public models; return one page of results.

        Sends the query text as the plain-text body of a ``QUERY /models`` request.

        Args:
            query: The search text.
            cursor: A results page's ``next`` URL, to fetch that page of the same search.
        """
        if not isinstance(query, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        if not query.strip():
            raise ValueError("query must not be empty: pass the text to search for")
        target = "models"
        if cursor is not None:
            target = cursor
            if not same_origin(cursor, self._api.options.base_url):
                raise ValueError(
                    "cursor must be a page's next or previous URL, on the API's origin "
                    f"({self._api.options.base_url})"
                )
        payload = decode_json_body(
            await self._api.request(
                "QUERY",
                target,
                kind="read",
                content=query.encode("utf-8"),
                headers={"Content-Type": "text/plain"},
            )
        )
        return structure_page(payload, Model)

    async def create(
        self,
        owner: str,
        name: str,
        *,
        visibility: Literal["public", "private"],
        hardware: str,
        description: str | None = None,
        github_url: str | None = None,
        paper_url: str | None = None,
        license_url: str | None = None,
        cover_image_url: str | None = None,
    ) -> Model:
        """Create a model (without versions: push one with Cog, or train into it).

        Args:
            owner: Your account's username (or an organization you belong to).
            name: The new model's name.
            visibility: ``"public"`` or ``"private"``.
            hardware: The hardware SKU to run it on (see ``client.hardware.list()``).
            description: A short description.
            github_url: The URL of its source code.
            paper_url: The URL of its paper.
            license_url: The URL of its license.
            cover_image_url: The URL of its cover image.
        """
        check_segment(owner, what="owner", example="pass the account name alone, e.g. 'alice'")
        check_segment(name, what="model name", example="pass the name alone, e.g. 'my-model'")
        try:
            parse_model(f"{owner}/{name}")
        except ValueError:
            raise ValueError(
                f"invalid owner {owner!r} or model name {name!r}: use letters, digits, '.', '_' "
                "and '-', starting with a letter or digit"
            ) from None
        if visibility not in _VISIBILITIES:
            raise ValueError(
                f"visibility={visibility!r} is not valid: choose 'public' or 'private'"
            )
        check_segment(hardware, what="hardware SKU", example="see client.hardware.list()")
        body: dict[str, Any] = {
            "owner": owner,
            "name": name,
            "visibility": visibility,
            "hardware": hardware,
        }
        body.update(
            optional_strings(
                description=description,
                github_url=github_url,
                paper_url=paper_url,
                license_url=license_url,
                cover_image_url=cover_image_url,
            )
        )
        payload = decode_json_body(
            await self._api.request("POST", "models", kind="create", json=body)
        )
        return structure(payload, Model)

    async def update(
        self,
        model: str,
        *,
        description: str | None = None,
        readme: str | None = None,
        github_url: str | None = None,
        paper_url: str | None = None,
        weights_url: str | None = None,
        license_url: str | None = None,
    ) -> Model:
        """Change a model's metadata; only the arguments given are sent.

        Args:
            model: The model, ``owner/name``.
            description: A new description.
            readme: New README content (Markdown).
            github_url: A new source code URL.
            paper_url: A new paper URL.
            weights_url: A new weights URL.
            license_url: A new license URL.

        Raises:
            ValueError: No field to change was given.
        """
        ref = model_ref(model)
        body = optional_strings(
            description=description,
            readme=readme,
            github_url=github_url,
            paper_url=paper_url,
            weights_url=weights_url,
            license_url=license_url,
        )
        if not body:
            raise ValueError(
                "nothing to update: pass at least one of description, readme, github_url, "
                "paper_url, weights_url, license_url"
            )
        payload = decode_json_body(
            await self._api.request(
                "PATCH", f"models/{ref.owner}/{ref.name}", kind="create", json=body
            )
        )
        return structure(payload, Model)

    async def delete(self, model: str) -> None:
        """Delete a model: only your own private model, once it has no versions.

        Args:
            model: The model, ``owner/name``.
        """
        ref = model_ref(model)
        await delete_resource(self._api, f"models/{ref.owner}/{ref.name}")
