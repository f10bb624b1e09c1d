"""Measure and picture `posattn serve`, the real command on a free loopback port.

    python scripts/serving.py load runs/ewt --requests 200 --clients 8     # latency, JSON
    python scripts/serving.py screenshot runs/ewt docs/serve-page.png --layer 2 --head 4

`load` sends the first `requests` sentences of EWT test, one a request, from `clients` threads at
once, checks every answer against the one the server gave that sentence alone first, and prints
the latency percentiles. `screenshot` types the emblem
sentence into the page, clicks its second "saw" and saves what Debian's Chromium shows.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def running_server(model: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "posattn", "serve", "--model", str(model), "--port", str(port)]
    process = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/health", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"posattn serve ended: {process.returncode}") from None
                time.sleep(0.2)
        else:
            raise SystemExit(f"posattn serve did not answer at {url} within a minute")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def post(url: str, text: str) -> tuple[float, Any]:
    """(seconds, answer) of one request."""
    body = json.dumps({"text": text}).encode()
    call = urllib.request.Request(
        f"{url}/api/tag", body, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(call, timeout=60) as answer:
        result = json.load(answer)
    return time.perf_counter() - start, result


def load(model: Path, requests: int, clients: int, data_dir: Path) -> dict[str, Any]:
    test = next(data_dir.glob("*-ud-test.conllu"))
    with test.open(encoding="utf-8") as lines:
        texts = [line[len("# text = ") :].strip() for line in lines if line.startswith("# text = ")]
    with running_server(model) as url:
        chosen = texts[:requests]
        alone = {text: post(url, text)[1] for text in chosen}
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(lambda text: post(url, text), chosen))
        wall = time.perf_counter() - started
    latencies = sorted(seconds * 1000 for seconds, _ in results)
    return {
        "requests": len(chosen),
        "clients": clients,
        "all_answered_as_alone": all(
            answer == alone[text] for text, (_, answer) in zip(chosen, results, strict=True)
        ),
        "tokens": sum(len(alone[t]["sentences"][0]["tokens"]) for t in chosen),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "requests_per_second": round(len(chosen) / wall, 1),
    }


def screenshot(model: Path, output: Path, layer: str, head: str) -> None:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,820"):
        options.add_argument(flag)
    options.add_argument("--disable-background-networking")  # this machine has no internet
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    with running_server(model) as url:
        driver = webdriver.Chrome(options=options, service=service)
        try:
            driver.get(url)
            driver.find_element(By.ID, "tag").click()  # the page opens with the emblem
            wait = WebDriverWait(driver, 30)
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".token")) == 4)
            driver.find_elements(By.CSS_SELECTOR, ".token")[3].click()
            wait.until(lambda d: d.find_element(By.ID, "attention").is_displayed())
            driver.find_element(By.CSS_SELECTOR, f"#layer option[value='{layer}']").click()
            driver.find_element(By.CSS_SELECTOR, f"#head option[value='{head}']").click()
            output.write_bytes(driver.get_screenshot_as_png())
        finally:
            driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    measure = commands.add_parser("load", help="latency of 8 clients at once")
    measure.add_argument("model", type=Path)
    measure.add_argument("--requests", type=int, default=200)
    measure.add_argument("--clients", type=int, default=8)
    measure.add_argument("--data-dir", type=Path, default=Path("../shared/data/en_ewt"))
    picture = commands.add_parser("screenshot", help="the page after clicking the second saw")
    picture.add_argument("model", type=Path)
    picture.add_argument("output", type=Path)
    picture.add_argument("--layer", default="1")
    picture.add_argument("--head", default="1", help="a number, or average")
    args = parser.parse_args()
    if args.command == "load":
        print(json.dumps(load(args.model, args.requests, args.clients, args.data_dir), indent=1))
    else:
        screenshot(args.model, args.output, args.layer, args.head)


if __name__ == "__main__":
    main()
