"""`posattn data download` against a local HTTP server (127.0.0.1) serving the shared EWT files."""

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posattn.cli import app
from posattn.data import download as data
from posattn.data.treebank import resolve_data_dir
from posattn.errors import PosattnError


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSATTN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def server(ewt_dir: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(ewt_dir))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def use_release(monkeypatch: pytest.MonkeyPatch, url: str, sha256: dict[str, str]) -> None:
    monkeypatch.setitem(data.RELEASES, "en_ewt", data.Release("en_ewt", url, sha256))


def test_download_verifies_and_caches(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    use_release(monkeypatch, server + "/{file}", data.RELEASES["en_ewt"].sha256)
    result = CliRunner().invoke(app, ["data", "download", "en_ewt"])
    assert result.exit_code == 0, result.output
    folder = data.cache_root() / "treebanks" / "en_ewt"
    assert sorted(p.name for p in folder.iterdir()) == sorted(data.RELEASES["en_ewt"].sha256)
    assert resolve_data_dir(None, "en_ewt") == folder


def test_wrong_bytes_are_refused_and_not_kept(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = dict.fromkeys(data.RELEASES["en_ewt"].sha256, "0" * 64)
    use_release(monkeypatch, server + "/{file}", wrong)
    with pytest.raises(PosattnError, match="checksum mismatch"):
        data.download("en_ewt")
    assert not any((data.cache_root() / "treebanks" / "en_ewt").iterdir())


def test_no_network_says_how_to_supply_the_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 on loopback: nothing listens, so the connection is refused at once.
    use_release(monkeypatch, "http://127.0.0.1:9/{file}", data.RELEASES["en_ewt"].sha256)
    result = CliRunner().invoke(app, ["data", "stats"], env={"POSATTN_DATA_DIR": ""})
    assert result.exit_code == 1
    assert "could not download" in result.output and "--data-dir" in result.output
    assert "POSATTN_DATA_DIR" in result.output and "Traceback" not in result.output


class CuttingHandler(QuietHandler):
    """Promises the whole file, sends half of it, and hangs up."""

    def do_GET(self) -> None:
        body = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


def test_a_broken_transfer_keeps_nothing_and_a_retry_starts_over(
    ewt_dir: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = functools.partial(CuttingHandler, directory=str(ewt_dir))
    cutting = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=cutting.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{cutting.server_address[1]}/{{file}}"
        use_release(monkeypatch, url, data.RELEASES["en_ewt"].sha256)
        result = CliRunner().invoke(app, ["data", "download", "en_ewt"])
    finally:
        cutting.shutdown()
        cutting.server_close()
    assert result.exit_code == 1
    assert "broke off (IncompleteRead); nothing was kept, run the command again" in result.output
    folder = data.cache_root() / "treebanks" / "en_ewt"
    assert list(folder.iterdir()) == []

    use_release(monkeypatch, server + "/{file}", data.RELEASES["en_ewt"].sha256)
    assert data.download("en_ewt") == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(data.RELEASES["en_ewt"].sha256)
