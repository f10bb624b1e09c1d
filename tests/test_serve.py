"""`posattn serve`: the real command on a free loopback port, a model of the toy language behind
it. The JSON API, every kind of bad request (each a JSON error, the server serving on), 200
requests from 8 clients at once, and the page driven in headless Chromium."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import posattn

from .conftest import assert_picture, free_port

MAX_BYTES, MAX_TOKENS = 20_000, 500
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def server(toy_run: tuple[Path, Path]) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "posattn", "serve", "--model", str(toy_run[0])]
    command += ["--port", str(port), "--max-bytes", str(MAX_BYTES), "--max-tokens", str(MAX_TOKENS)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while request("GET", f"{url}/api/health")[0] != 200:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start within a minute"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output


def request(
    method: str, url: str, body: bytes | dict[str, Any] | None = None, **headers: str
) -> tuple[int, str, bytes]:
    """(status, content type, body); (0, '', b'') if nothing listens there."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers.setdefault("Content-Type", "application/json")
    call = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            return answer.status, answer.headers.get("content-type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, "", b""


def tag(url: str, body: dict[str, Any]) -> dict[str, Any]:
    status, kind, answer = request("POST", f"{url}/api/tag", body)
    assert status == 200 and kind == "application/json", (status, answer)
    return dict(json.loads(answer))


def tags_of(answer: dict[str, Any]) -> list[list[str]]:
    return [[token["upos"] for token in s["tokens"]] for s in answer["sentences"]]


def test_tags_raw_text_and_tokens_as_the_python_api_does(
    server: str, toy_run: tuple[Path, Path]
) -> None:
    answer = tag(server, {"text": "I saw a saw .\nwe plant the plant ."})
    assert tags_of(answer) == [["PRON", "VERB", "DET", "NOUN", "PUNCT"]] * 2
    first = answer["sentences"][0]
    assert [t["form"] for t in first["tokens"]] == ["I", "saw", "a", "saw", "."]
    assert first["attention"] is None  # not asked for
    expected = posattn.load(toy_run[0]).tag("I saw a saw .").sentences[0]
    assert [t["probability"] for t in first["tokens"]] == pytest.approx(
        [t.probability for t in expected], abs=1e-4
    )
    given = tag(server, {"sentences": [["you", "plant", "a", "saw", "."]]})
    assert tags_of(given) == [["PRON", "VERB", "DET", "NOUN", "PUNCT"]]


def test_conllu_by_field_or_by_accept_header(server: str) -> None:
    body = {"sentences": [["I", "saw", "a", "saw", "."]]}
    status, kind, by_field = request("POST", f"{server}/api/tag", {**body, "format": "conllu"})
    assert status == 200 and kind.startswith("text/x-conllu")
    lines = by_field.decode().splitlines()
    assert lines[:2] == ["# sent_id = 1", "# text = I saw a saw ."]
    assert [line.split("\t")[3] for line in lines[2:7]] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    by_header = request("POST", f"{server}/api/tag", body, Accept="text/x-conllu")
    assert by_header[2] == by_field


def test_attention_weights_are_the_models(server: str, toy_run: tuple[Path, Path]) -> None:
    attention = tag(server, {"text": "I saw a saw .", "attention": True})["sentences"][0][
        "attention"
    ]
    assert (attention["layers"], attention["heads"]) == (2, 4)
    maps = posattn.load(toy_run[0]).attention(["I", "saw", "a", "saw", "."])
    for layer, row in zip(attention["weights"], maps, strict=True):
        for weights, expected in zip(layer, row, strict=True):
            assert len(weights) == 5 and all(sum(r) == pytest.approx(1, abs=1e-3) for r in weights)
            assert weights == [pytest.approx(r, abs=1e-4) for r in expected.weights]


def test_health_model_and_docs(server: str) -> None:
    assert json.loads(request("GET", f"{server}/api/health")[2]) == {"status": "ok"}
    model = json.loads(request("GET", f"{server}/api/model")[2])
    assert model["tags"] == ["DET", "NOUN", "PRON", "PUNCT", "VERB"]
    assert model["config"]["model"]["layers"] == 2 and model["attention"] is True
    assert model["metrics"]["dev_accuracy"] > 0.98
    assert model["provenance"]["posattn"] == posattn.__version__
    limits = {"max_bytes": MAX_BYTES, "max_tokens": MAX_TOKENS, "max_attention_cells": 100_000}
    assert model["limits"] == limits
    assert str(Path.home()) not in json.dumps(model) and "/tmp" not in json.dumps(model)
    assert model["provenance"]["data_files"]["train"]["name"] == "en_toy-ud-train.conllu"
    tagging = json.loads(request("GET", f"{server}/openapi.json")[2])["paths"]["/api/tag"]
    schema = tagging["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["title"] == "TagRequest" and {"text", "sentences"} <= set(schema["properties"])
    assert b"swagger" in request("GET", f"{server}/docs")[2].lower()


BAD_REQUESTS = [
    (b'{"text": "I saw', 422, "not valid JSON"),
    ({"text": "I saw", "sentences": [["I", "saw"]]}, 422, "either text or sentences"),
    ({}, 422, "either text or sentences"),
    ({"text": "I saw", "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
    ({"sentences": "I saw"}, 422, "sentences: Input should be a valid list"),
    ({"text": "I saw", "format": "xml"}, 422, "format: Input should be 'json' or 'conllu'"),
    ({"text": " \n "}, 422, "nothing to tag"),
    ({"sentences": [["I", ""]]}, 422, "sentence 1: token 2 is empty"),
    ({"sentences": [["I", "saw\ta"]]}, 422, "sentence 1: token 2 holds a tab or line break"),
    ({"sentences": [["I"], []]}, 422, "sentence 2 has no tokens"),
    ({"text": "I saw", "attention": "yes"}, 422, "attention: Input should be a valid boolean"),
    (b'{"text": "I saw \\ud800 a saw"}', 422, "text: not valid Unicode"),
    (b"", 422, "the body must be a JSON object with text or sentences"),
    (b"\xff\xfe", 422, "not valid JSON"),
    (b'{"text": "I saw \xff a saw"}', 422, "not valid JSON (byte 16: not UTF-8)"),
    (b'{"text": "I saw \xed\xa0\x80 a saw"}', 422, "text: not valid Unicode"),
    (b"[" * 5000 + b"]" * 5000, 422, "nested too deeply"),
    (b"[" * (MAX_BYTES - 1), 422, "nested too deeply"),
    (b'{"text": "I saw", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", 422, "nested too deeply"),
    (b'{"text": ' + b"1" * 5000 + b"}", 422, "not valid JSON (a number of over 4,300 digits)"),
    (b'{"\\ud800": 1, "text": "I saw"}', 422, "the body is not valid Unicode"),
    (b'{"a\\nb": 1, "text": "I saw"}', 422, '"a\\nb": Extra inputs are not permitted'),
    ({"text": "a " * (MAX_BYTES // 2)}, 413, f"over {MAX_BYTES:,} bytes"),
    ({"text": "a . " * (MAX_TOKENS // 2 + 1)}, 413, f"at most {MAX_TOKENS} in one request"),
    ({"sentences": [["a"] * (MAX_TOKENS + 1)]}, 413, f"{MAX_TOKENS + 1} tokens"),
    ({"sentences": [["a"] * 250] * 2, "attention": True}, 413, "at most 100,000"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_REQUESTS)
def test_a_bad_request_gets_one_json_error_and_the_server_serves_on(
    server: str, body: bytes | dict[str, Any], status: int, message: str
) -> None:
    answer = request("POST", f"{server}/api/tag", body)
    assert answer[:2] == (status, "application/json"), answer
    error = json.loads(answer[2])["error"]
    assert message in error and "\n" not in error and "Traceback" not in error
    assert tags_of(tag(server, {"text": "I saw a saw ."})) == [
        ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    ]


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"],
)
def test_a_json_body_is_read_whatever_its_content_type(
    server: str, content_type: str | None
) -> None:
    # What `curl -d '{"text": ...}'` sends without -H: a form type, but a JSON body all the same.
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {} if content_type is None else {"Content-Type": content_type}
    connection.request("POST", "/api/tag", body=b'{"text": "I saw a saw ."}', headers=headers)
    answer = connection.getresponse()
    body = answer.read()
    assert (answer.status, answer.getheader("content-type")) == (200, "application/json"), body
    assert tags_of(json.loads(body)) == [["PRON", "VERB", "DET", "NOUN", "PUNCT"]]


def test_head_of_health_and_of_the_page_is_answered_without_a_body(server: str) -> None:
    for path, kind in (("/api/health", "application/json"), ("/", "text/html")):
        status, head_kind, body = request("HEAD", f"{server}{path}")
        assert (status, body) == (200, b""), path
        assert head_kind.startswith(kind) and request("GET", f"{server}{path}")[1] == head_kind
    assert request("HEAD", f"{server}/api/tag")[:2] == (405, "application/json")


def test_the_attention_limit_holds_only_for_requests_for_attention(
    server: str, toy_run: tuple[Path, Path]
) -> None:
    # Two sentences of 250 tokens: 500 tokens, at the token limit; 2 x 250**2 = 125,000
    # attention cells, over the limit of 100,000, which only a request for attention is held to.
    line = " ".join(["I saw a saw ."] * 50)
    body: dict[str, Any] = {"text": f"{line}\n{line}"}
    answer = tag(server, body)
    expected = posattn.load(toy_run[0]).tag([line]).sentences[0]
    assert tags_of(answer) == [[t.upos for t in expected]] * 2 and len(expected) == 250
    assert all(s["attention"] is None for s in answer["sentences"])
    status, kind, refused = request("POST", f"{server}/api/tag", {**body, "attention": True})
    assert (status, kind) == (413, "application/json")
    assert json.loads(refused)["error"].startswith("attention for these sentences is 125,000 cells")


def test_a_body_without_a_length_is_cut_off_at_the_limit(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    # Chunked, so no length is declared: only counting the bytes as they come can stop it.
    pieces = (b'{"text": "' + b"a " * 1000 for _ in range(MAX_BYTES // 1000))
    connection.request("POST", "/api/tag", body=pieces, encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 413 and "bytes" in json.loads(answer.read())["error"]


def test_a_wrong_method_or_path_is_a_json_error(server: str) -> None:
    for method, path, status in (("GET", "/api/tag", 405), ("GET", "/api/nothing", 404)):
        answer = request(method, f"{server}{path}")
        assert answer[:2] == (status, "application/json")
        assert json.loads(answer[2])["error"] in ("Method Not Allowed", "Not Found")


def test_200_requests_from_8_clients_are_all_answered_right(server: str) -> None:
    sentences = [
        "I saw a saw .",
        "we plant the plant .",
        "they like a dog .",
        "you sold the tree .",
    ]
    expected = {s: tag(server, {"text": s}) for s in sentences}
    with ThreadPoolExecutor(max_workers=8) as clients:
        answers = list(clients.map(lambda i: tag(server, {"text": sentences[i % 4]}), range(200)))
    assert all(answers[i] == expected[sentences[i % 4]] for i in range(200))


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="the page is tested in Debian's Chromium: apt-get install chromium chromium-driver",
)
def test_the_page_tags_the_emblem_and_shows_where_a_word_attends(
    server: str, tmp_path: Path
) -> None:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1100,900",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get(server)
        wait = WebDriverWait(driver, 30)
        text = driver.find_element(By.ID, "text")
        text.clear()
        text.send_keys("I saw a saw .")  # the toy language's sentences end in a full stop
        driver.find_element(By.ID, "tag").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".token")) == 5)
        tokens = driver.find_elements(By.CSS_SELECTOR, ".token")
        assert [t.get_attribute("data-tag") for t in tokens] == [
            "PRON",
            "VERB",
            "DET",
            "NOUN",
            "PUNCT",
        ]
        assert "VERB" in tokens[1].text and "NOUN" in tokens[3].text  # shown, not only stored

        tokens[3].click()  # the second "saw"
        wait.until(lambda d: d.find_element(By.ID, "attention").is_displayed())
        assert "saw" in driver.find_element(By.ID, "attention-title").text
        cells = driver.find_elements(By.CSS_SELECTOR, "#matrix td")
        assert len(cells) == 25
        strip = driver.find_elements(By.CSS_SELECTOR, "#strip span")
        weights = [float(s.get_attribute("data-weight") or "nan") for s in strip]
        assert sum(weights) == pytest.approx(1, abs=1e-2)
        for head, title in (("2", "layer 1, head 2"), ("average", "layer 1, heads averaged")):
            driver.find_element(By.CSS_SELECTOR, f"#head option[value='{head}']").click()
            assert title in driver.find_element(By.ID, "attention-title").text
        screenshot = tmp_path / "page.png"
        screenshot.write_bytes(driver.get_screenshot_as_png())
        assert_picture(screenshot)
    finally:
        driver.quit()


def test_serve_refuses_a_port_out_of_range_or_in_use(server: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from posattn.cli import app

    out_of_range = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert out_of_range.exit_code == 2 and "65535" in out_of_range.output
    port = server.rsplit(":", 1)[1]
    busy = CliRunner().invoke(app, ["serve", "--model", str(tmp_path / "none"), "--port", port])
    assert busy.exit_code == 1 and "Traceback" not in busy.output
    assert f"127.0.0.1:{port}: cannot listen there" in busy.output  # said before loading a model
