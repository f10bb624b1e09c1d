"""The HTTP side of `posattn serve`: a JSON API over one loaded tagger, and the page that uses it.

Routes: `POST /api/tag`, `GET /api/health`, `GET /api/model`, the page at `/` (with its script and
style under `/page/`), and FastAPI's OpenAPI docs at `/docs`. Every error is a JSON object
`{"error": "..."}` with a fitting status; no request can take the server down or show a traceback.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posattn.api import PosTagger
from posattn.data.text import sentence_lines
from posattn.errors import PosattnError
from posattn.model.inference import MAX_SHOWN_TOKENS, TaggedSentence
from posattn.presentation.formats import to_conllu
from posattn.server.limits import Limits

PAGE = Path(__file__).parent / "page"
CONLLU = "text/x-conllu"


class TagRequest(BaseModel):
    """Raw text (one sentence per line) or pretokenised sentences; one of the two."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, examples=["I saw a saw"])
    sentences: list[list[str]] | None = Field(None, examples=[[["I", "saw", "a", "saw"]]])
    attention: bool = False
    """Also return each sentence's attention weights (layers x heads x tokens x tokens)."""
    format: Literal["json", "conllu"] = "json"

    @model_validator(mode="after")
    def one_input(self) -> TagRequest:
        if (self.text is None) == (self.sentences is None):
            raise ValueError("give either text or sentences")
        return self


class ServerError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyLimit:
    """Refuses a request body over `max_bytes` with 413, whether or not it says its length, and
    before the application reads any of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                too_big = _error(413, f"the request is over {self.max_bytes:,} bytes")
                await too_big(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _validation_message(error: RequestValidationError) -> str:
    """The first problem in one line: where in the request, and what."""
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        position = first["loc"][-1]
        reason = first.get("ctx", {}).get("error", "")
        return f"the body is not valid JSON (character {position}: {reason})"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def sentence_record(sentence: TaggedSentence, attention: Any = None) -> dict[str, Any]:
    tokens = []
    for token in sentence:
        record: dict[str, Any] = {
            "form": token.form,
            "upos": token.upos,
            "probability": round(token.probability, 4),
        }
        record.update({k: getattr(token, k) for k in ("xpos", "feats") if getattr(token, k)})
        tokens.append(record)
    return {"text": sentence.text, "tokens": tokens, "attention": attention}


class TaggingService:
    """The loaded tagger behind the routes. One request tags at a time (the model's caches are
    not shared between threads), in a worker thread, so the event loop keeps answering."""

    def __init__(self, tagger: PosTagger, limits: Limits) -> None:
        self.tagger = tagger
        self.limits = limits
        self.lock = threading.Lock()
        config = tagger.config.model
        self.shows_attention = config.encoder == "attention" and not config.attention_graph

    def count_tokens(self, request: TagRequest) -> int:
        if request.sentences is not None:
            return sum(len(sentence) for sentence in request.sentences)
        lines = sentence_lines(request.text or "")
        tokenize = self.tagger.model.tokenize
        return sum(len(token.words) for line in lines for token in tokenize(line))

    def tag(self, request: TagRequest) -> list[TaggedSentence]:
        with self.lock:
            tokens = self.count_tokens(request)
            if tokens > self.limits.max_tokens:
                raise ServerError(
                    413,
                    f"{tokens:,} tokens: this server tags at most "
                    f"{self.limits.max_tokens:,} in one request",
                )
            given = request.text if request.text is not None else request.sentences
            return self.tagger.tag(given or []).sentences

    def attention(self, sentence: TaggedSentence) -> dict[str, Any] | None:
        """Every layer's and head's weights, or None where there is nothing to show."""
        if not self.shows_attention or not 0 < len(sentence) <= MAX_SHOWN_TOKENS:
            return None
        with self.lock:
            rows = self.tagger.attention(sentence.forms)
        weights = [[[[round(w, 4) for w in r] for r in m.weights] for m in row] for row in rows]
        return {"layers": len(rows), "heads": len(rows[0]), "weights": weights}

    def description(self) -> dict[str, Any]:
        tagger = self.tagger
        return {
            "path": str(tagger.path),
            "treebank": tagger.treebank,
            "tokenizer": tagger.tokenizer,
            "tags": tagger.tags,
            "attention": self.shows_attention,
            "config": asdict(tagger.config),
            "metrics": tagger.metrics,
            "provenance": tagger.provenance,
            "limits": asdict(self.limits),
        }


def create_app(tagger: PosTagger, limits: Limits | None = None) -> FastAPI:
    """The ASGI application serving `tagger` (run it with uvicorn, or `posattn.server.serve`)."""
    service = TaggingService(tagger, limits or Limits())
    app = FastAPI(
        title="posattn",
        summary="A self-attention part-of-speech tagger: tag text, look at its attention.",
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(error))

    @app.exception_handler(ServerError)
    async def refused(request: Request, error: ServerError) -> JSONResponse:
        return _error(error.status, str(error))

    @app.exception_handler(PosattnError)
    async def unusable(request: Request, error: PosattnError) -> JSONResponse:
        return _error(422, str(error))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        return _error(500, f"the server failed on this request ({type(error).__name__})")

    @app.post("/api/tag", responses={200: {"content": {CONLLU: {}}}})
    def tag(body: TagRequest, request: Request) -> Response:
        """Tag raw text or pretokenised sentences: tokens, UPOS tags and probabilities (and
        XPOS and features if the model predicts them), optionally the attention weights;
        CoNLL-U with `"format": "conllu"` or `Accept: text/x-conllu`."""
        sentences = service.tag(body)
        if body.format == "conllu" or CONLLU in request.headers.get("accept", ""):
            text = "".join(to_conllu(s, n) for n, s in enumerate(sentences, start=1))
            return PlainTextResponse(text, media_type=CONLLU)
        records = [
            sentence_record(s, service.attention(s) if body.attention else None) for s in sentences
        ]
        return JSONResponse({"sentences": records})

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/model")
    def model() -> dict[str, Any]:
        """What is being served: its treebank, tags, config, training metrics and provenance."""
        return service.description()

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(PAGE / "index.html")

    app.mount("/page", StaticFiles(directory=PAGE), name="page")
    app.add_middleware(BodyLimit, max_bytes=service.limits.max_bytes)
    return app
