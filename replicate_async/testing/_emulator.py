"""The `Emulator`: a faithful in-memory Replicate API, its lifecycle and its ways in."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import anyio
import anyio.from_thread
import anyio.lowlevel
import httpx

from ._app import App
from ._clock import Clock, ClockMode
from ._core import IN_PROCESS, Core, Options
from ._faults import FaultPlan
from ._models import ModelSpec
from ._runner import Runner
from ._state import Collection, Job, Model, Version
from ._transport import AsyncEmulatorTransport, EmulatorTransport
from ._webhooks import WebhookDelivery, WebhookDispatcher, WebhookHandler

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

    from replicate_async import AsyncClient, Client

    from ._server import EmulatorServer

__all__ = ["Emulator"]

F = TypeVar("F", bound=Callable[..., Any])


def check_model_ref(ref: str) -> None:
    """Refuse a model reference that is not ``owner/name`` (before anything is loaded)."""
    owner, sep, name = ref.partition("/")
    if not sep or not owner or not name or "/" in name or ":" in ref:
        raise ValueError(f"a model reference looks like 'owner/name', not {ref!r}")


class Emulator:
    """A local, in-memory emulator of Replicate's HTTP API (all 37 operations).

    Register models as Python functions, then talk to the emulator through an in-process httpx
    transport (`async_transport`, `sync_transport`), a ready client (`async_client`, `client`)
    or real sockets (`serve`). Nothing touches the network and nothing costs money.

    ```python
    from replicate_async.testing import Emulator, Log

    emu = Emulator()

    @emu.model("acme/llm")
    async def llm(prompt: str):
        yield Log("loading")
        for word in prompt.split():
            yield word + " "

    async with emu.async_client() as client:
        assert await client.run("acme/llm", input={"prompt": "a b"}) == ["a ", "b "]
    ```

    Lifecycle: the emulator's background work (running models, deadlines, webhooks) happens in
    a task group. ``async with emulator:`` (or entering `async_client`, or an httpx client over
    `async_transport`) runs it in the current event loop, on asyncio or trio; the outermost
    entry owns it. Used from sync code (`client`, `sync_transport`, `serve`), or through the
    async transport without being entered, it starts on its own event-loop thread instead;
    `close` stops that thread.

    Args:
        api_token: The token requests must carry (``Bearer`` or ``Token``); default: a random
            ``r8_emulator…`` token, see `api_token`.
        accept_any_token: Accept any non-empty token (a missing one is still a 401).
        clock: ``"instant"`` (default: virtual time that jumps whenever every running model is
            asleep, so model sleeps, cold starts, holds and deadlines never wait for real),
            ``"manual"`` (virtual time moved only by `advance`) or ``"real"``.
        demo: Register the demo models (``demo/echo``, ``demo/tokens``, ``demo/image``,
            ``demo/sleep``, ``demo/fail``).
        username: The account's username (owner of models you create, and of deployments).
        omit_unset: Omit unset keys the way the 2023-2024 server did (no ``output`` before
            there is one, no ``data_removed``, ``source``, ``urls.web``, ``metrics`` while
            running...) instead of sending every spec-required key.
        file_outputs: ``"url"`` (default) serves file outputs from the emulated delivery host;
            ``"data-uri"`` inlines them as ``data:`` URIs, as some 2024 sync responses did.
        retention: Seconds (emulator clock) after which a finished prediction's input, output,
            logs and output files are removed (``data_removed: true``); None keeps them.
        setup_time: Seconds every prediction spends in ``starting`` (a cold start).
        sync_early_return: Let ``Prefer: wait`` return as soon as the output is complete, while
            the status is still ``processing`` (as the real server sometimes does).
        sse_comment: Start each event stream with a ``: hi`` comment line.
        sse_resume: ``"after-id"`` resumes a stream after ``Last-Event-ID``; ``"replay"``
            always replays it from the start (clients must de-duplicate by id).
        max_file_size: The Files API limit (100 MiB; larger uploads get 413).
        webhook_secret: The ``whsec_…`` signing secret (default: random).
        webhook_retry_delays: Waits before each retry of a failed terminal delivery (the last
            attempt comes about a minute after completion by default).
        webhook_transport: The httpx transport used to deliver webhooks to URLs without an
            in-process receiver (default: real HTTP).
        seed: Seed the identifier generator for reproducible ids.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        accept_any_token: bool = False,
        clock: ClockMode = "instant",
        demo: bool = False,
        username: str = "emulator",
        omit_unset: bool = False,
        file_outputs: Literal["url", "data-uri"] = "url",
        retention: float | None = 3600.0,
        setup_time: float = 0.0,
        sync_early_return: bool = False,
        sse_comment: bool = True,
        sse_resume: Literal["after-id", "replay"] = "after-id",
        max_file_size: int = 100 * 1024 * 1024,
        webhook_secret: str | None = None,
        webhook_retry_delays: Sequence[float] = (1.0, 2.0, 4.0, 8.0, 16.0, 29.0),
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        if file_outputs not in ("url", "data-uri"):
            raise ValueError("file_outputs must be 'url' or 'data-uri'")
        if sse_resume not in ("after-id", "replay"):
            raise ValueError("sse_resume must be 'after-id' or 'replay'")
        options = Options(
            api_token="",
            accept_any_token=accept_any_token,
            username=username,
            omit_unset=omit_unset,
            file_outputs=file_outputs,
            retention=retention,
            max_file_size=max_file_size,
            setup_time=setup_time,
            sync_early_return=sync_early_return,
            sse_comment=sse_comment,
            sse_resume=sse_resume,
            webhook_retry_delays=tuple(float(d) for d in webhook_retry_delays),
            clock=clock,
        )
        core = Core(options, seed=seed, webhook_secret=webhook_secret)
        options.api_token = api_token or core.ids.api_token()
        core.runner = Runner(core)
        core.webhooks = WebhookDispatcher(core)
        core.webhooks.transport = webhook_transport
        core.faults = FaultPlan()
        self.core = core
        """The emulator's internals (store, clock, options), for advanced tests."""
        self.app: App = App(core)
        """The transport-neutral HTTP app (internal)."""
        self._lock = threading.Lock()
        self._depth = 0
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._owner: contextlib.AbstractAsyncContextManager[None] | None = None
        self._portal: BlockingPortal | None = None
        self._thread: threading.Thread | None = None
        self._stop: anyio.Event | None = None
        self._servers: list[EmulatorServer] = []
        if demo:
            from .demo import register_demo_models

            register_demo_models(self)

    # -- public attributes -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The in-process API base URL, ``http://replicate.emulator/v1``.

        Any host works through the in-process transports; this one never resolves, so it cannot
        be mistaken for the real API. Over sockets use `EmulatorServer.base_url`.
        """
        return IN_PROCESS.api_base

    @property
    def delivery_url(self) -> str:
        """The prefix of in-process output-file URLs (``https://emulator.replicate.delivery/``)."""
        return IN_PROCESS.delivery_base

    @property
    def api_token(self) -> str:
        """The token the emulator accepts."""
        return self.core.options.api_token

    @property
    def webhook_secret(self) -> str:
        """The ``whsec_…`` secret deliveries are signed with (also served by the API)."""
        return self.core.webhook_secret

    @property
    def clock(self) -> Clock:
        """The emulator's clock (``clock.now()`` is its Unix time)."""
        return self.core.clock

    @property
    def faults(self) -> FaultPlan:
        """The fault plan: ``emulator.faults.add(Fault.status(503, times=1))``."""
        return self.core.faults

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery attempt so far, in order."""
        return self.core.webhooks.deliveries

    # -- registering models ------------------------------------------------------------------

    @overload
    def model(self, ref: str, func: F, /, **options: Any) -> F: ...

    @overload
    def model(self, ref: str, /, **options: Any) -> Callable[[F], F]: ...

    def model(self, ref: str, func: Any = None, /, **options: Any) -> Any:
        """Register a function as a model runnable by ``owner/name`` (a decorator).

        The model gets a version (a stable 64-hex id derived from `ref`, unless you pass
        `version`) whose ``openapi_schema`` is derived from the function's signature, and it can
        be run by ``owner/name`` (like an official model), ``owner/name:<version>`` or the bare
        version id. Registering the same `ref` again adds a new latest version.

        Args:
            ref: ``owner/name``.
            func: The function (when not used as a decorator).
            **options: ``version`` (a 64-hex id), ``stream`` (default: True for generators),
                ``thread`` (run sync code in a worker thread; default True), ``setup_time``
                (seconds in ``starting``), ``description``, ``readme`` (default: the
                docstring), ``visibility``, ``github_url``, ``paper_url``, ``license_url``,
                ``cover_image_url``, ``official`` (default True).

        Input is checked against the signature when a prediction is created: a missing
        required parameter, an unknown key (unless the function takes ``**kwargs``) or a value
        of the wrong JSON type is refused with 422 "Input validation failed" (the real API
        validates input against the version's schema too); nothing runs then.

        Returns:
            The function unchanged (or a decorator).
        """
        if func is None:

            def decorator(f: F) -> F:
                self.add_model(ref, f, **options)
                return f

            return decorator
        self.add_model(ref, func, **options)
        return func

    def add_model(
        self,
        ref: str,
        func: Callable[..., Any] | None = None,
        *,
        version: str | None = None,
        stream: bool | None = None,
        thread: bool = True,
        setup_time: float = 0.0,
        description: str | None = None,
        readme: str | None = None,
        visibility: Literal["public", "private"] = "public",
        github_url: str | None = None,
        paper_url: str | None = None,
        license_url: str | None = None,
        cover_image_url: str | None = None,
        official: bool = True,
        hardware: str = "cpu",
    ) -> str | None:
        """Create a model, and a version running `func` if one is given.

        Without `func` the model has no versions (a training destination, for example).

        Args:
            ref: ``owner/name``.
            func: The model function, or None.
            version: The version id (64 lower-case hex digits); default: derived from `ref` and
                the number of versions.
            stream: Whether predictions get ``urls.stream`` (default: True for generators).
            thread: Run sync functions and generators in a worker thread.
            setup_time: Seconds each prediction spends in ``starting``.
            description: The model's description (default: the docstring's first line).
            readme: The README (default: the docstring).
            visibility: ``public`` or ``private``.
            github_url: The model's GitHub URL.
            paper_url: The model's paper URL.
            license_url: The model's license URL.
            cover_image_url: The cover image URL.
            official: Whether the model reports ``is_official: true``.
            hardware: The hardware SKU.

        Returns:
            The new version id, or None without `func`.

        Raises:
            ValueError: A malformed `ref` or `version`, or a version id already in use.
        """
        spec = (
            ModelSpec(func, stream=stream, thread=thread, setup_time=setup_time) if func else None
        )
        return self._add_spec(
            ref,
            spec,
            version=version,
            description=description,
            readme=readme,
            visibility=visibility,
            github_url=github_url,
            paper_url=paper_url,
            license_url=license_url,
            cover_image_url=cover_image_url,
            official=official,
            hardware=hardware,
        )

    def _add_spec(
        self,
        ref: str,
        spec: ModelSpec | None,
        *,
        version: str | None = None,
        description: str | None = None,
        readme: str | None = None,
        visibility: Literal["public", "private"] = "public",
        github_url: str | None = None,
        paper_url: str | None = None,
        license_url: str | None = None,
        cover_image_url: str | None = None,
        official: bool = True,
        hardware: str = "cpu",
    ) -> str | None:
        check_model_ref(ref)
        owner, _, name = ref.partition("/")
        core = self.core
        store = core.store
        model = store.models.get(ref)
        doc = spec.doc if spec is not None else None
        if model is None:
            model = Model(
                owner=owner,
                name=name,
                created_at=core.stamp(),
                visibility=visibility,
                hardware=hardware,
                is_official=official,
            )
            store.models[ref] = model
        if description is not None or model.description is None:
            model.description = description or (doc.splitlines()[0] if doc else None)
        if readme is not None or model.readme is None:
            model.readme = readme or doc
        for key, value in (
            ("github_url", github_url),
            ("paper_url", paper_url),
            ("license_url", license_url),
            ("cover_image_url", cover_image_url),
        ):
            if value is not None:
                setattr(model, key, value)
        if spec is None:
            return None
        if version is None:
            seed = f"{ref}#{len(model.versions)}"
            version = hashlib.sha256(seed.encode()).hexdigest()
        if len(version) != 64 or any(c not in "0123456789abcdef" for c in version):
            raise ValueError("a version id is 64 lower-case hex digits")
        if version in store.versions:
            raise ValueError(f"version {version} already exists")
        created = Version(
            id=version,
            model=model,
            created_at=core.stamp(),
            spec=spec,
            openapi_schema=spec.openapi_schema(),
        )
        model.versions.append(created)
        store.versions[version] = created
        return version

    def register_cog(
        self,
        source: str | os.PathLike[str],
        *,
        name: str,
        concurrency: int | None = None,
        lazy_setup: bool = False,
        weights: str | None = None,
        version: str | None = None,
        description: str | None = None,
        visibility: Literal["public", "private"] = "public",
        hardware: str = "cpu",
    ) -> str:
        """Run a Cog model, unchanged, as ``name`` (needs ``replicate-async[cog]``).

        ```python
        emu = Emulator()
        emu.register_cog("path/to/cog.yaml", name="me/my-model")  # or "predict.py:Predictor"
        async with emu.async_client() as client:
            out = await client.run("me/my-model", input={"prompt": "hi"})
        ```

        The version's ``openapi_schema`` comes from Cog's inspection of the predictor (types,
        defaults, ``ge``/``le``, choices, descriptions, order; the output type) and input is
        validated against it. ``setup()`` runs once, now (or before the first prediction with
        `lazy_setup`); ``predict()``/``run()`` runs in a worker thread, or on an asyncio loop
        of the model's own if it is ``async def``, one prediction at a time unless
        `concurrency` says otherwise. ``print`` output becomes the logs; exceptions fail the
        prediction; cancelling raises ``cog.CancelationException`` inside ``predict()``.
        ``Path``/``File`` inputs arrive as local files; returned paths become file outputs;
        iterators stream. A ``train:`` entry in ``cog.yaml`` becomes the model's trainer.

        Args:
            source: ``cog.yaml``, the directory holding it, or ``path/to/predict.py:Name``.
            name: ``owner/name`` to serve the model as.
            concurrency: Predictions run at once (default: ``cog.yaml``'s ``concurrency.max``,
                or the ``@cog.concurrent(max=...)`` of the predict method, else 1).
            lazy_setup: Run ``setup()`` before the first prediction rather than now.
            weights: Passed to ``setup(weights=...)`` when it takes them (default:
                ``$COG_WEIGHTS``).
            version: The version id (default: derived from `name`).
            description: The model's description.
            visibility: ``public`` or ``private``.
            hardware: The hardware SKU.

        Returns:
            The new version id.

        Raises:
            ImportError: The ``cog`` extra is not installed.
            CogLoadError: ``cog.yaml`` or the predictor cannot be loaded, or ``setup()``
                failed; the message names the file and the line.
        """
        from ._cog import register_cog

        return register_cog(
            self,
            source,
            name=name,
            concurrency=concurrency,
            lazy_setup=lazy_setup,
            weights=weights,
            version=version,
            description=description,
            visibility=visibility,
            hardware=hardware,
        )

    def trainer(self, ref: str) -> Callable[[F], F]:
        """Register the training function of a model (a decorator).

        ``POST /models/{owner}/{name}/versions/{id}/trainings`` calls it with the training input
        as keyword arguments. Its return value (a `Path`, `bytes` or a URL) becomes
        ``output.weights``; a new version of the destination model, running the trained
        model's code, becomes ``output.version``. Without a trainer a default one logs a few
        progress lines and produces a small weights file.

        Args:
            ref: ``owner/name`` of a registered model.

        Returns:
            A decorator.
        """

        def decorator(func: F) -> F:
            model = self.core.store.models.get(ref)
            if model is None:
                raise ValueError(f"register the model {ref} before its trainer")
            model.trainer = ModelSpec(func)
            return func

        return decorator

    def add_collection(
        self,
        slug: str,
        *,
        name: str,
        description: str,
        models: Sequence[str] = (),
        full_description: str | None = None,
    ) -> None:
        """Add (or replace) a collection of models.

        Args:
            slug: The collection's slug.
            name: Its name.
            description: Its description.
            models: ``owner/name`` references.
            full_description: Markdown, or None.
        """
        self.core.store.collections[slug] = Collection(
            slug, name, description, full_description, list(models)
        )

    def mark_example(self, prediction_id: str) -> None:
        """List a prediction among its model's examples (the first becomes the default example).

        Args:
            prediction_id: A prediction of a registered model.
        """
        job = self.core.store.jobs[prediction_id]
        model = job.version.model if job.version is not None else None
        if model is None:
            raise ValueError("that prediction has no model")
        model.examples.append(job)
        if model.default_example is None:
            model.default_example = job

    def webhook_receiver(self, url: str, handler: WebhookHandler) -> None:
        """Receive webhooks for URLs starting with `url` in process (no sockets).

        Args:
            url: A URL prefix, e.g. ``"https://example.test/hooks"``.
            handler: Called with each delivery's ``httpx.Request``; returns an
                ``httpx.Response``, a status code or None (200); may be async.
        """
        self.core.webhooks.receivers.append((url, handler))

    def prediction(self, prediction_id: str) -> dict[str, Any]:
        """The prediction (or training) as ``GET`` would return it now (in-process URLs).

        Args:
            prediction_id: The id.

        Returns:
            The JSON object.
        """
        job = self.core.touch(self.core.store.jobs[prediction_id])
        return self.core.renderer(IN_PROCESS).job(job)

    def jobs(self) -> list[Job]:
        """Every prediction and training, oldest first (internal objects, for assertions)."""
        return list(self.core.store.jobs.values())

    def signed_file_url(self, file_id: str, *, expires_in: int = 3600) -> str:
        """A signed ``/files/{id}/download`` URL that works without a token until it expires.

        Args:
            file_id: A Files API id.
            expires_in: Seconds of validity.

        Returns:
            The URL (in-process base).
        """
        expiry = int(self.core.now()) + expires_in
        owner = self.core.options.username
        signature = self.app.signature(owner, file_id, expiry)
        query = httpx.QueryParams({"owner": owner, "expiry": str(expiry), "signature": signature})
        return f"{self.base_url}/files/{file_id}/download?{query}"

    # -- time ----------------------------------------------------------------------------------

    async def advance(self, seconds: float) -> None:
        """Move the emulator clock forward, fire due timers and let woken models run.

        Works in every clock mode (in ``"real"`` mode only the clock reading moves). Call it in
        the event loop the emulator runs in; from sync code use `advance_blocking`.

        Args:
            seconds: How far.
        """
        self.core.clock.advance(seconds)
        await self.settle()

    def advance_blocking(self, seconds: float) -> None:
        """`advance` for sync code, when the emulator runs on its own thread.

        Args:
            seconds: How far.
        """
        self.portal().call(self.advance, seconds)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the emulator's clock (instantly with a virtual clock).

        Inside model code you can also use the module-level ``replicate_async.testing.sleep``.

        Args:
            seconds: How long, in emulator seconds.
        """
        await self.core.clock.sleep(seconds)

    async def settle(self) -> None:
        """Wait until every model run and webhook delivery is done or blocked.

        With the instant or real clock, work sleeping on the emulator clock counts as
        unfinished (it wakes by itself); with the manual clock, sleeping work is settled (it
        waits for `advance`). Work waiting on anything else (a model awaiting your event) keeps
        this waiting.
        """
        await self.core.clock.wait_idle()

    # -- lifecycle -----------------------------------------------------------------------------

    def runs_here(self) -> bool:
        """Whether the emulator runs in the current event loop (internal)."""
        if self._token is None:
            return False
        try:
            return anyio.lowlevel.current_token() == self._token
        except RuntimeError:
            return False

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncGenerator[None]:
        core = self.core
        # An exception from the body (the user's code) is kept out of the task groups, which
        # would wrap it in an ExceptionGroup, and raised again once they are closed: `except
        # ModelError` and `pytest.raises` around `async with emulator` must match it. Background
        # tasks never raise (Core.spawn logs their exceptions); cancellation passes as it is.
        failure: Exception | None = None
        async with anyio.from_thread.BlockingPortal() as portal:
            try:
                async with anyio.create_task_group() as group:
                    core.spawner = group.start_soon
                    self._token = anyio.lowlevel.current_token()
                    self._portal = portal
                    group.start_soon(core.clock.run_jumper)
                    try:
                        yield
                    except Exception as exc:
                        failure = exc
                    finally:
                        self._shutdown()
                        group.cancel_scope.cancel()
                        with anyio.CancelScope(shield=True):
                            await core.webhooks.aclose()
            finally:
                self._portal = None
                self._token = None
                core.clock.reset_loop_state()
                await portal.stop(cancel_remaining=True)
        if failure is not None:
            raise failure

    def _shutdown(self) -> None:
        core = self.core
        core.spawner = None
        for job in core.store.jobs.values():
            if not job.is_terminal():
                core.runner.finish(job, "failed", error="the emulator was shut down")
            job.waiters.clear()
            job.cancel_scope = None

    async def __aenter__(self) -> Emulator:
        with self._lock:
            if self._depth and self.runs_here():
                self._depth += 1
                return self
            if self._depth or self._thread is not None:
                raise RuntimeError(
                    "this emulator already runs in another event loop or on its own thread; "
                    "use one emulator per event loop (or call close() first)"
                )
            self._depth = 1
        owner = self._running()
        try:
            await owner.__aenter__()
        except BaseException:
            self._depth = 0
            raise
        self._owner = owner
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        owner, self._owner = self._owner, None
        if owner is not None:
            await owner.__aexit__(exc_type, exc, tb)

    def start(self) -> None:
        """Run the emulator on its own event-loop thread (done on demand by sync users)."""
        self.portal()

    def portal(self) -> BlockingPortal:
        """The blocking portal into the emulator's loop, starting its thread if needed."""
        with self._lock:
            if self._portal is not None:
                return self._portal
            if self._depth:
                raise RuntimeError("the emulator is starting or stopping in an event loop")
            ready = threading.Event()
            failure: list[BaseException] = []

            async def main() -> None:
                self._stop = anyio.Event()
                try:
                    async with self._running():
                        ready.set()
                        await self._stop.wait()
                except BaseException as exc:
                    failure.append(exc)
                    ready.set()
                    raise

            thread = threading.Thread(
                target=anyio.run, args=(main,), name="replicate-emulator", daemon=True
            )
            self._thread = thread
            thread.start()
            ready.wait()
            portal = self._started_portal()
            if failure or portal is None:
                self._thread = None
                raise RuntimeError("the emulator thread failed to start") from (
                    failure[0] if failure else None
                )
            return portal

    def _started_portal(self) -> BlockingPortal | None:
        return self._portal

    def close(self) -> None:
        """Stop the socket servers and the emulator's own thread (if it runs on one)."""
        for server in list(self._servers):
            server.close()
        thread, portal, stop = self._thread, self._portal, self._stop
        if thread is None or portal is None or stop is None:
            return
        with contextlib.suppress(RuntimeError):
            portal.call(stop.set)
        thread.join(timeout=10)
        self._thread = None
        self._stop = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- ways in -------------------------------------------------------------------------------

    def async_transport(self) -> AsyncEmulatorTransport:
        """An ``httpx.AsyncBaseTransport`` serving this emulator in process (no sockets).

        Returns:
            The transport; pass it to ``httpx.AsyncClient(transport=..., base_url=...)``.
        """
        return AsyncEmulatorTransport(self)

    def sync_transport(self) -> EmulatorTransport:
        """An ``httpx.BaseTransport`` serving this emulator in process, for sync clients.

        Returns:
            The transport; the emulator runs on its own thread.
        """
        return EmulatorTransport(self)

    @contextlib.asynccontextmanager
    async def async_client(self, **options: Any) -> AsyncGenerator[AsyncClient]:
        """A ``replicate_async.AsyncClient`` bound to this emulator, inside a running emulator.

        ```python
        async with emu.async_client() as client:
            output = await client.run("demo/echo", input={"text": "hi"})
        ```

        Args:
            **options: Passed to ``AsyncClient`` (``timeout``, ``max_retries``, ...).

        Yields:
            The client.
        """
        from replicate_async import AsyncClient

        options.setdefault("api_token", self.api_token)
        options.setdefault("base_url", self.base_url)
        prefixes = list(options.pop("file_output_prefixes", ()))
        async with self:
            client = AsyncClient(
                transport=self.async_transport(),
                file_output_prefixes=[*prefixes, self.delivery_url],
                **options,
            )
            async with client:
                yield client

    def client(self, **options: Any) -> Client:
        """A sync ``replicate_async.Client`` bound to this emulator (running on its own thread).

        ```python
        with emu.client() as client:
            print(client.run("demo/echo", input={"text": "hi"}))
        ```

        Args:
            **options: Passed to ``Client`` (``timeout``, ``max_retries``, ...).

        Returns:
            The client (use it in a ``with`` block, or close it).
        """
        from replicate_async import Client

        options.setdefault("api_token", self.api_token)
        options.setdefault("base_url", self.base_url)
        prefixes = list(options.pop("file_output_prefixes", ()))
        self.start()
        return Client(
            transport=self.sync_transport(),
            file_output_prefixes=[*prefixes, self.delivery_url],
            **options,
        )

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
        """Serve the emulator over real sockets (uvicorn, on the emulator's own thread).

        Needs the ``replicate-async[emulator]`` extra (uvicorn).

        Args:
            host: The interface to bind (default: loopback only).
            port: The port (0 picks a free one).

        Returns:
            The running server: its `base_url`; ``close()`` stops it.
        """
        from ._server import start_server

        if self._depth:
            raise RuntimeError(
                "serve() runs the server on the emulator's own thread: call it from sync code, "
                "or before entering the emulator in an event loop"
            )
        server = start_server(self, host=host, port=port)
        self._servers.append(server)
        return server

    def forget_server(self, server: EmulatorServer) -> None:
        """Drop a closed server (internal)."""
        if server in self._servers:
            self._servers.remove(server)
