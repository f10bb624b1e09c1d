"""`posattn data download` against a local HTTP server (127.0.0.1) serving the shared EWT files."""

import functools
import hashlib
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

from .conftest import write_treebank


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


@pytest.fixture
def served(ewt_dir: Path, full_ewt: bool) -> dict[str, str]:
    """SHA-256 of each file the test server serves: the release's own on the full treebank."""
    names = data.RELEASES["en_ewt"].sha256
    sha256 = {name: hashlib.sha256((ewt_dir / name).read_bytes()).hexdigest() for name in names}
    if full_ewt:
        assert sha256 == data.RELEASES["en_ewt"].sha256
    return sha256


def use_release(monkeypatch: pytest.MonkeyPatch, url: str, sha256: dict[str, str]) -> None:
    monkeypatch.setitem(data.RELEASES, "en_ewt", data.Release("en_ewt", url, sha256))


def test_download_verifies_and_caches(
    server: str, served: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_release(monkeypatch, server + "/{file}", served)
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
    ewt_dir: Path, server: str, served: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = functools.partial(CuttingHandler, directory=str(ewt_dir))
    cutting = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=cutting.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{cutting.server_address[1]}/{{file}}"
        use_release(monkeypatch, url, served)
        result = CliRunner().invoke(app, ["data", "download", "en_ewt"])
    finally:
        cutting.shutdown()
        cutting.server_close()
    assert result.exit_code == 1
    assert "broke off (IncompleteRead); nothing was kept, run the command again" in result.output
    folder = data.cache_root() / "treebanks" / "en_ewt"
    assert list(folder.iterdir()) == []

    use_release(monkeypatch, server + "/{file}", served)
    assert data.download("en_ewt") == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(data.RELEASES["en_ewt"].sha256)


def test_a_release_without_pinned_checksums_records_them_at_first_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = write_treebank(
        tmp_path / "served", {split: [[("Hallo", "INTJ")]] for split in ("train", "dev", "test")}
    )
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{file}}"
        names = [f"en_toy-ud-{split}.conllu" for split in ("train", "dev", "test")]
        release = data.Release("en_toy", url, dict.fromkeys(names), "Toy", "UD_Toy-Test")
        monkeypatch.setitem(data.RELEASES, "en_toy", release)
        first = CliRunner().invoke(app, ["data", "download", "en_toy"])
        assert first.exit_code == 0, first.output
        assert "does not pin this release's checksums" in first.output
        folder = data.cache_root() / "treebanks" / "en_toy"
        recorded = (folder / "SHA256SUMS").read_text().splitlines()
        train = hashlib.sha256((served / names[0]).read_bytes()).hexdigest()
        assert f"{train}  {names[0]}" in recorded and len(recorded) == 3
        listed = CliRunner().invoke(app, ["data", "list"])
        assert listed.exit_code == 0 and "en_toy" in listed.output
        toy = next(known for known in data.known_treebanks() if known.name == "en_toy")
        assert (toy.source, toy.pinned, toy.downloaded) == ("UD_Toy-Test", False, folder)
        # The server's file changes; the copy in the cache was lost: the new bytes are refused.
        (served / names[0]).write_text("1\tHallo\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n")
        (folder / names[0]).unlink()
        with pytest.raises(PosattnError, match=r"checksum mismatch.*SHA256SUMS recorded it"):
            data.download("en_toy")
        # A damaged record is named with its line, never a traceback.
        (folder / "SHA256SUMS").write_text("\nnot a checksum line\n")
        with pytest.raises(PosattnError, match="SHA256SUMS:2: not a '<sha256>  <file>' line"):
            data.download("en_toy")
        result = CliRunner().invoke(app, ["data", "download", "en_toy"])
        assert result.exit_code == 1 and "Traceback" not in result.output
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_unknown_treebank_points_to_the_list_and_to_data_dir() -> None:
    result = CliRunner().invoke(app, ["data", "download", "xx_nothing"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "posattn data list" in result.output and "--data-dir" in result.output
