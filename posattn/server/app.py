"""The HTTP side of `posattn serve`: a JSON API over one loaded tagger, and the page that uses it.

Routes: `POST /api/tag`, `GET /api/health`, `GET /api/model`, the page at `/` (with its script and
style under `/page/`), and FastAPI's OpenAPI docs at `/docs`; HEAD wherever GET is. Every error is
a JSON object `{"error": "..."}` with a fitting status; no request can take the server down or
show a traceback.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posattn.api import PosTagger
from posattn.data.text import sentence_lines
from posattn.errors import PosattnError
from posattn.server.limits import Limits
from posattn.tagging.attention_maps import MAX_SHOWN_TOKENS
from posattn.tagging.document import TaggedSentence
from posattn.tagging.formats import to_conllu

PAGE = Path(__file__).parent / "page"
CONLLU = "text/x-conllu"


class TagRequest(BaseModel):
    """Raw text (one sentence per line) or pretokenised sentences; one of the two."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    text: str | None = Field(None, examples=["I saw a saw"])
    """Raw text, one sentence per line, split into words the way the model's treebank is."""
    sentences: list[list[str]] | None = Field(None, examples=[[["I", "saw", "a", "saw"]]])
    """Sentences already split into words."""
    attention: StrictBool = False
    """Also return each sentence's attention weights (layers x heads x tokens x tokens)."""
    format: Literal["json", "conllu"] | None = None
    """The answer's format; if not given, CoNLL-U when the Accept header asks for text/x-conllu,
    else JSON."""

    @model_validator(mode="after")
    def one_input(self) -> TagRequest:
        if (self.text is None) == (self.sentences is None):
            raise ValueError("give either text or sentences")
        return self

    @field_validator("text")
    @classmethod
    def encodable(cls, text: str | None) -> str | None:
        # JSON may carry half of a surrogate pair (\ud800), which no UTF-8 answer can hold.
        if text is not None and not text.isascii():
            text.encode("utf-8")
        return text

    @field_validator("sentences")
    @classmethod
    def encodable_tokens(cls, sentences: list[list[str]] | None) -> list[list[str]] | None:
        for sentence in sentences or []:
            for token in sentence:
                token.encode("utf-8")
        return sentences


class Token(BaseModel):
    form: str
    upos: str
    probability: float
    xpos: str | None = None
    """Only from a model that predicts the treebank's own tags."""
    feats: str | None = None
    """Only from a model that predicts morphological features."""


class Attention(BaseModel):
    layers: int
    heads: int
    weights: list[list[list[list[float]]]]
    """(layers, heads, tokens, tokens): row i is how token i spreads its attention."""


class Sentence(BaseModel):
    text: str
    tokens: list[Token]
    attention: Attention | None
    """With "attention": true, for a model with attention and a sentence of up to 256 tokens."""


class Tagged(BaseModel):
    sentences: list[Sentence]


class ErrorBody(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": what}
    for status, what in (
        (413, "The request is over the server's limits (bytes, tokens or attention)"),
        (422, "The request is not one the server can tag (the error says why)"),
        (500, "The server failed on this request; it keeps serving"),
    )
}


REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": TagRequest.model_json_schema()}},
}
"""The body `tag_request` reads, for the docs (it is read by hand, so FastAPI cannot see it)."""


class ServerError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyLimit:
    """Refuses a request body over `max_bytes` with 413, by its declared length or, without
    one, as soon as that many bytes have come, and before the application reads any of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        too_big = _error(413, f"the request is over {self.max_bytes:,} bytes")
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await too_big(scope, receive, send)
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


class HeadAsGet:
    """Answers HEAD wherever GET is answered: the same status and headers, no body (FastAPI's
    routes, unlike Starlette's, take only the methods they name)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _error(status: int, message: str) -> JSONResponse:
    # One line, and encodable however odd the request it quotes (half a surrogate pair).
    line = " ".join(message.splitlines()).encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": line}, status_code=status)


async def tag_request(request: Request) -> TagRequest:
    """The body of `POST /api/tag`, read as JSON whatever its Content-Type says (`curl -d` sends
    a form type), or a one-line 422 saying what is wrong with it."""
    body = await request.body()
    if not body:
        raise ServerError(422, "the body must be a JSON object with text or sentences")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        raise ServerError(
            422, f"the body is not valid JSON (character {error.pos}: {error.msg})"
        ) from None
    except UnicodeDecodeError as error:
        encoding = error.encoding.upper()
        raise ServerError(
            422, f"the body is not valid JSON (byte {error.start}: not {encoding})"
        ) from None
    except ValueError as error:  # Python's limit on the digits of an integer
        reason = str(error)
        if "integer string conversion" in reason:
            reason = f"a number of over {sys.get_int_max_str_digits():,} digits"
        raise ServerError(422, f"the body is not valid JSON ({reason})") from None
    except RecursionError:
        raise ServerError(422, "the body is nested too deeply to read") from None
    try:
        return TagRequest.model_validate(data)
    except ValidationError as error:
        problems = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(problems) from None


def _where(location: tuple[Any, ...]) -> str:
    """A place in the body, `sentences.0.1`; a field name that is not a plain word quoted (it
    is the client's, and may hold a line break)."""
    if location[:1] == ("body",):
        location = location[1:]
    parts = [str(part) for part in location]
    return ".".join(p if p.isidentifier() or p.isdigit() else json.dumps(p) for p in parts)


def _validation_message(error: RequestValidationError) -> str:
    """The first problem in one line: where in the request, and what."""
    first = error.errors()[0]
    location = tuple(first.get("loc", ()))
    if first["type"] == "string_unicode":  # a field name with half of a surrogate pair
        return "the body is not valid Unicode (half of a surrogate pair)"
    if location == ("body",) and first["type"] != "value_error":  # missing, or not an object
        return "the body must be a JSON object with text or sentences"
    where = _where(location)
    message = str(first["msg"]).removeprefix("Value error, ")
    if "surrogate" in message:
        message = "not valid Unicode (half of a surrogate pair)"
    return f"{where}: {message}" if where else message


def sentence_record(sentence: TaggedSentence, attention: Attention | None) -> Sentence:
    tokens = [
        Token(
            form=t.form,
            upos=t.upos,
            probability=round(t.probability, 4),
            xpos=t.xpos,
            feats=t.feats,
        )
        for t in sentence
    ]
    return Sentence(text=sentence.text, tokens=tokens, attention=attention)


class TaggingService:
    """The loaded tagger behind the routes. One request tags at a time (the model's caches are
    not shared between threads), in a worker thread, so the event loop keeps answering."""

    def __init__(self, tagger: PosTagger, limits: Limits) -> None:
        if tagger.model.needs_trees:
            raise PosattnError(
                f"{tagger.path}: this model attends along gold dependency trees, so it cannot "
                "tag text: serve another"
            )
        self.tagger = tagger
        self.limits = limits
        self.lock = threading.Lock()
        self.shows_attention = tagger.config.model.encoder == "attention"

    def words(self, request: TagRequest) -> list[list[str]]:
        """The words of each sentence, as tagging will split them."""
        if request.sentences is not None:
            return request.sentences
        tokenize = self.tagger.model.tokenize
        return [
            [word for token in tokenize(line) for word in token.words]
            for line in sentence_lines(request.text or "")
        ]

    def check_limits(self, words: list[list[str]], attention: bool) -> None:
        tokens = sum(len(sentence) for sentence in words)
        if tokens > self.limits.max_tokens:
            raise ServerError(
                413,
                f"{tokens:,} tokens: this server tags at most "
                f"{self.limits.max_tokens:,} in one request",
            )
        # Attention maps grow with the square of a sentence's length, in time and in bytes.
        cells = sum(len(sentence) ** 2 for sentence in words if len(sentence) <= MAX_SHOWN_TOKENS)
        if attention and cells > self.limits.max_attention_cells:
            raise ServerError(
                413,
                f"attention for these sentences is {cells:,} cells a head; this server gives at "
                f"most {self.limits.max_attention_cells:,}: ask for fewer sentences at a time",
            )

    def tag(self, request: TagRequest) -> list[TaggedSentence]:
        self.check_limits(self.words(request), request.attention)
        given = request.text if request.text is not None else request.sentences
        with self.lock:
            return self.tagger.tag(given or []).sentences

    def attention(self, sentence: TaggedSentence) -> Attention | None:
        """Every layer's and head's weights, or None where there is nothing to show."""
        if not self.shows_attention or not 0 < len(sentence) <= MAX_SHOWN_TOKENS:
            return None
        with self.lock:
            rows = self.tagger.attention(sentence.forms)
        weights = [[[[round(w, 4) for w in r] for r in m.weights] for m in row] for row in rows]
        return Attention(layers=len(rows), heads=len(rows[0]), weights=weights)

    def description(self) -> dict[str, Any]:
        """What is served, without this machine's paths: the page is for anyone it is shown to."""
        tagger = self.tagger
        provenance = tagger.provenance or {}
        config = asdict(tagger.config)
        config["data"].pop("data_dir")
        return {
            "treebank": tagger.treebank,
            "tokenizer": tagger.tokenizer,
            "tags": tagger.tags,
            "attention": self.shows_attention,
            "config": config,
            "metrics": tagger.metrics,
            "provenance": {
                key: provenance[key]
                for key in ("started", "posattn", "python", "packages", "git")
                if key in provenance
            }
            | {
                "data_files": {
                    split: {"name": Path(f["path"]).name, "sha256": f["sha256"]}
                    for split, f in provenance.get("data_files", {}).items()
                }
            },
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

    @app.exception_handler(HTTPException)
    async def refused_by_http(request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(ServerError)
    async def refused(request: Request, error: ServerError) -> JSONResponse:
        return _error(error.status, str(error))

    @app.exception_handler(PosattnError)
    async def unusable(request: Request, error: PosattnError) -> JSONResponse:
        return _error(422, str(error))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        return _error(500, f"the server failed on this request ({type(error).__name__})")

    @app.post(
        "/api/tag",
        response_model=Tagged,
        responses={200: {"content": {CONLLU: {}}}, **ERRORS},
        openapi_extra={"requestBody": REQUEST_BODY},
    )
    def tag(body: Annotated[TagRequest, Depends(tag_request)], request: Request) -> Response:
        """Tag raw text or pretokenised sentences: tokens, UPOS tags and probabilities (and
        XPOS and features if the model predicts them), optionally the attention weights;
        CoNLL-U with `"format": "conllu"` or `Accept: text/x-conllu`."""
        sentences = service.tag(body)
        wants_conllu = body.format is None and CONLLU in request.headers.get("accept", "")
        if body.format == "conllu" or wants_conllu:
            text = "".join(to_conllu(s, n) for n, s in enumerate(sentences, start=1))
            return PlainTextResponse(text, media_type=CONLLU)
        records = [
            sentence_record(s, service.attention(s) if body.attention else None) for s in sentences
        ]
        return JSONResponse(Tagged(sentences=records).model_dump(exclude_none=False))

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/model")
    async def model() -> dict[str, Any]:
        """What is being served: its treebank, tags, config, training metrics and provenance."""
        return service.description()

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(PAGE / "index.html")

    app.mount("/page", StaticFiles(directory=PAGE), name="page")
    app.add_middleware(BodyLimit, max_bytes=service.limits.max_bytes)
    app.add_middleware(HeadAsGet)
    return app
