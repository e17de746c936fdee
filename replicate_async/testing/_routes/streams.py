"""What predictions' URLs point at: event streams, output files and web pages."""

from __future__ import annotations

from .._events import stream_events
from .._faults import Fired
from .._state import dumps
from ._base import (
    PROBLEM,
    Request,
    Response,
    Routes,
)

__all__ = ["StreamRoutes"]


class StreamRoutes(Routes):
    """Server-sent event streams, output file deliveries and prediction web pages."""

    def stream(self, request: Request, token: str, fired: Fired) -> Response:
        """GET <stream URL>: server-sent events."""
        job = self.core.store.jobs_by_stream.get(token)
        if job is None or job.id not in self.core.store.jobs:
            return Response(404, [("content-type", PROBLEM)], dumps({"detail": "Not found."}))
        self.core.touch(job)
        body = stream_events(
            self.core,
            job,
            self._renderer(request),
            request.headers.get("last-event-id"),
            fired,
        )
        return Response(
            200,
            [
                ("content-type", "text/event-stream"),
                ("cache-control", "no-cache"),
                ("x-accel-buffering", "no"),
            ],
            stream=body,
        )

    def delivery(self, rest: str) -> Response:
        """GET <delivery host>/<id>/<name>: an output file; no token needed."""
        blob_id, _, _ = rest.partition("/")
        blob = self.core.store.blobs.get(blob_id)
        if blob is None:
            return Response(404, [("content-type", "text/plain")], b"Not Found")
        return Response(
            200,
            [
                ("content-type", blob.content_type),
                ("cache-control", "public,max-age=3600"),
                ("access-control-allow-origin", "*"),
                ("etag", f'"{blob.etag}"'),
            ],
            blob.data,
        )

    def web_page(self, job_id: str) -> Response:
        """GET <web>/<id>: a small HTML page about a prediction (not an API)."""
        job = self.core.store.jobs.get(job_id)
        if job is None:
            return Response(404, [("content-type", "text/plain")], b"Not Found")
        page = (
            f"<!doctype html><title>Prediction {job.id}</title><h1>Prediction {job.id}</h1>"
            f"<p>Model {job.model}: {job.status}</p><p>Served by the replicate_async emulator.</p>"
        )
        return Response(200, [("content-type", "text/html; charset=utf-8")], page.encode())
