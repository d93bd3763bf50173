"""Live preview: serves the edition, rebuilds on save, shows errors, serves nothing else."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefwright.preview import Preview

from .conftest import SMALL_PROJECT, write_files


@pytest.fixture
def preview(project: Callable[..., Path]) -> Iterator[Preview]:
    server = Preview(project(), "demo", ["analyst", "public"])
    server.start()
    assert server.watching.wait(10), "the preview does not watch for changes"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """One preview for the tests that only read from it."""
    root = write_files(tmp_path_factory.mktemp("served"), dict(SMALL_PROJECT))
    server = Preview(root, "demo", ["analyst", "public"])
    server.start()
    yield server
    server.stop()


def get(server: Preview, path: str) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server.server_address[1], timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read(), response.getheader("Content-Type") or ""


def events(server: Preview | str) -> queue.Queue[tuple[str, dict[str, object]]]:
    """Subscribe to the event stream of a preview (or at a URL); return a queue of (event, data)."""
    url = server if isinstance(server, str) else server.url
    found: queue.Queue[tuple[str, dict[str, object]]] = queue.Queue()
    ready = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(url + "events", timeout=30) as stream:
            ready.set()
            name = None
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    found.put((name, json.loads(line[6:])))

    threading.Thread(target=listen, daemon=True).start()
    # The server counts a stream among its listeners before it answers: once the answer's
    # headers are here, every later event reaches this queue.
    assert ready.wait(10), "the event stream did not answer"
    return found


def next_event(found: queue.Queue[tuple[str, dict[str, object]]]) -> tuple[str, dict[str, object]]:
    return found.get(timeout=30)


def test_serves_the_page_and_the_edition_on_loopback(served: Preview) -> None:
    preview = served
    assert preview.url.startswith("http://127.0.0.1:")
    status, body, _ = get(preview, "/?a=analyst&f=html")
    assert status == 200
    assert b'src="/files/analyst/demo-analyst.html"' in body
    assert b"TLP:AMBER" in body  # the edition's marking is in view
    status, body, kind = get(preview, "/files/analyst/demo-analyst.html")
    assert status == 200 and b"What is this?" in body and kind.startswith("text/html")
    status, body, kind = get(preview, "/files/public/demo-public.pdf")
    assert status == 200 and body.startswith(b"%PDF") and kind == "application/pdf"


def test_an_edit_rebuilds_and_sends_a_reload(preview: Preview) -> None:
    found = events(preview)
    section_file = preview.state.root / "sources" / "demo" / "intro.md"
    section_file.write_text(section_file.read_text().replace("Plain public text.", "Fresh text."))
    name, data = next_event(found)
    assert name == "reload" and data["version"] == 2
    assert b"Fresh text." in get(preview, "/files/analyst/demo-analyst.html")[1]


def test_a_save_during_the_first_build_is_not_missed(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefwright.preview as preview_module

    root = project()
    section_file = root / "sources" / "demo" / "intro.md"
    first = preview_module.rebuild

    def build_then_save(state: preview_module.State) -> None:  # the author saves as it ends
        first(state)
        if state.version == 1:
            section_file.write_text(section_file.read_text().replace("Plain public", "Later"))

    monkeypatch.setattr(preview_module, "rebuild", build_then_save)
    server = Preview(root, "demo", ["analyst", "public"])
    server.start()  # returns once the first build is done; the save came after it
    try:
        wait_for(lambda: json.loads(get(server, "/state")[1])["version"] == 2, seconds=30)
        assert b"Later text." in get(server, "/files/analyst/demo-analyst.html")[1]
        assert_no_more_builds(server, 2)
    finally:
        server.stop()


def assert_no_more_builds(server: Preview, version: int) -> None:
    """The preview stays at ``version`` over several of its watcher's quiet spells (300 ms)."""
    assert server.watching.wait(10)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert json.loads(get(server, "/state")[1])["version"] == version
        time.sleep(0.1)


def test_a_preview_with_nothing_saved_builds_once(preview: Preview) -> None:
    assert_no_more_builds(preview, 1)


def test_a_broken_save_shows_the_error_and_a_fix_clears_it(preview: Preview) -> None:
    found = events(preview)
    brief = preview.state.root / "briefs" / "demo.yaml"
    good = brief.read_text()
    brief.write_text(good + "colour: blue\n")
    name, data = next_event(found)
    assert name == "problem"
    assert "briefs/demo.yaml:11: unknown key 'colour'" in str(data["error"])
    status, body, _ = get(preview, "/")
    assert b"unknown key" in body  # a page opened now shows the error too
    assert get(preview, "/files/analyst/demo-analyst.html")[0] == 200  # last good output stays
    brief.write_text(good)
    name, data = next_event(found)
    assert name == "reload" and data["error"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/files/../../../etc/passwd",
        "/files/analyst/..%2f..%2f..%2fetc%2fpasswd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/analyst/demo-analyst.md",
        "/files/analyst/manifest.json",
        "/files/judgement/demo-judgement.html",
        "/files/analyst/demo-public.html",
        "//etc/passwd",
    ],
)
def test_nothing_outside_the_editions_is_served(served: Preview, path: str) -> None:
    status, body, _ = get(served, path)
    assert status == 404
    assert b"root:" not in body


def test_it_listens_on_loopback_only(served: Preview) -> None:
    assert served.server.server_address[0] == "127.0.0.1"


def test_a_browser_sees_an_edit_without_reloading(
    preview: Preview, browser_node: str, tmp_path: Path
) -> None:
    import subprocess

    from .conftest import BROWSER

    section_file = preview.state.root / "sources" / "demo" / "intro.md"
    result = subprocess.run(
        [
            browser_node,
            str(BROWSER / "preview.mjs"),
            preview.url + "?a=analyst&f=html",
            str(section_file),
            "Plain public text.",
            "Text edited in the browser test.",
            str(tmp_path / "preview.png"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok":true' in result.stdout and "Updated" in result.stdout
    assert (tmp_path / "preview.png").stat().st_size > 10_000


def test_the_command_serves_until_ctrl_c(project: Callable[..., Path]) -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = project()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from briefwright.cli import main; main()",
            "--root",
            str(root),
            "preview",
            "demo",
            "-a",
            "public",
            "--port",
            str(port),
            "--no-open",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert f"at http://127.0.0.1:{port}/" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/files/public/demo-public.html") as r:
            assert b"What is this?" in r.read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err


def port_of(server: Preview) -> int:
    return int(server.server.server_address[1])


def raw_get(server: Preview, path: str, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    """Send GET with exactly these headers (Host included, or left out); return status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=5)
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read() if path != "/events" or response.status != 200 else response.read1()
    connection.close()
    return response.status, body


EDITION_PATHS = [
    "/",
    "/?a=analyst&f=pdf",
    "/state",
    "/events",
    "/files/analyst/demo-analyst.html",
    "/files/analyst/demo-analyst.pdf",
]


def assert_nothing_of_the_brief(body: bytes) -> None:
    for secret in (b"What is this?", b"Analyst-only", b"TLP:", b"%PDF", b"demo", b"event:"):
        assert secret not in body, body[:300]


@pytest.mark.parametrize("path", EDITION_PATHS)
@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:{port}",  # a DNS-rebinding page: its own name, the preview's port
        "attacker.example",
        "127.0.0.1",  # the right address, the wrong port
        "localhost",
        "127.0.0.1:1",
        "127.0.0.2:{port}",
        "[::1]:{port}",
        "127.0.0.1.attacker.example:{port}",
        "",
    ],
)
def test_a_request_for_another_host_is_refused(served: Preview, path: str, host: str) -> None:
    status, body = raw_get(served, path, [("Host", host.format(port=port_of(served)))])
    assert status == 421
    assert_nothing_of_the_brief(body)


def test_a_request_without_a_host_or_with_two_is_refused(served: Preview) -> None:
    port = port_of(served)
    for headers in ([], [("Host", f"127.0.0.1:{port}"), ("Host", "attacker.example")]):
        status, body = raw_get(served, "/files/analyst/demo-analyst.html", headers)
        assert status == 421
        assert_nothing_of_the_brief(body)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_the_preview_answers_its_own_names(served: Preview, host: str) -> None:
    headers = [("Host", host.format(port=port_of(served)))]
    status, body = raw_get(served, "/files/analyst/demo-analyst.html", headers)
    assert status == 200 and b"What is this?" in body


@pytest.mark.parametrize("path", EDITION_PATHS)
@pytest.mark.parametrize(
    "hostile",
    [
        ("Origin", "http://attacker.example"),
        ("Origin", "null"),
        ("Origin", "http://localhost:{port}"),  # not this page's origin (it was opened by address)
        ("Origin", "https://127.0.0.1:{port}"),
        ("Origin", "http://127.0.0.1:1"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),  # another port of this computer is another site's page
        ("Sec-Fetch-Site", "something-new"),
    ],
)
def test_a_cross_origin_request_is_refused(
    served: Preview, path: str, hostile: tuple[str, str]
) -> None:
    port = port_of(served)
    header = (hostile[0], hostile[1].format(port=port))
    status, body = raw_get(served, path, [("Host", f"127.0.0.1:{port}"), header])
    assert status == 403
    assert_nothing_of_the_brief(body)


@pytest.mark.parametrize(
    "extra",
    [
        [("Origin", "http://127.0.0.1:{port}")],
        [("Sec-Fetch-Site", "same-origin")],
        [("Sec-Fetch-Site", "none")],  # typed into the address bar, or opened by brief preview
    ],
)
def test_the_preview_answers_its_own_page(served: Preview, extra: list[tuple[str, str]]) -> None:
    port = port_of(served)
    headers = [("Host", f"127.0.0.1:{port}")] + [(k, v.format(port=port)) for k, v in extra]
    status, body = raw_get(served, "/files/analyst/demo-analyst.html", headers)
    assert status == 200 and b"What is this?" in body
    status, body = raw_get(served, "/events", headers)
    assert status == 200 and body.startswith(b"retry:")


def test_a_full_url_in_the_request_line_is_not_followed(served: Preview) -> None:
    port = port_of(served)
    url = f"http://127.0.0.1:{port}/files/analyst/demo-analyst.html"
    status, body = raw_get(served, url, [("Host", f"127.0.0.1:{port}")])
    assert status == 404
    assert_nothing_of_the_brief(body)


SECRET = b"root:x:0:0:a file outside the project\n"


def replace_with_link(link: Path, target: Path) -> None:
    if link.is_dir() and not link.is_symlink():
        import shutil

        shutil.rmtree(link)
    else:
        link.unlink(missing_ok=True)
    link.symlink_to(target)


@pytest.mark.parametrize("where", ["file", "audience folder", "brief folder", "build folder"])
def test_a_symlink_in_build_is_not_followed(preview: Preview, tmp_path: Path, where: str) -> None:
    root = preview.state.root
    outside = tmp_path / "outside"
    (outside / "demo" / "analyst").mkdir(parents=True)
    (outside / "demo" / "analyst" / "demo-analyst.html").write_bytes(SECRET)
    build = root / "build"
    edition = "demo/analyst/demo-analyst.html"
    link, target = {
        "file": (build / edition, outside / edition),
        "audience folder": (build / "demo/analyst", outside / "demo/analyst"),
        "brief folder": (build / "demo", outside / "demo"),
        "build folder": (build, outside),
    }[where]
    replace_with_link(link, target)
    status, body, _ = get(preview, "/files/analyst/demo-analyst.html")
    assert status == 403
    assert b"root:" not in body
    assert b"symbolic link" in body


def test_a_symlink_to_another_edition_is_not_followed(preview: Preview) -> None:
    """A public edition that is a link to the analyst one would leak what the public may not see."""
    folder = preview.state.root / "build" / "demo"
    analyst = folder / "analyst" / "demo-analyst.html"
    replace_with_link(folder / "public" / "demo-public.html", analyst)
    status, body, _ = get(preview, "/files/public/demo-public.html")
    assert status == 403
    assert b"Analyst-only" not in body and b"TLP:AMBER" not in body


def test_only_a_regular_file_is_served(preview: Preview) -> None:
    import os

    edition = preview.state.root / "build" / "demo" / "analyst" / "demo-analyst.html"
    edition.unlink()
    os.mkfifo(edition)  # opening a pipe to read would wait for a writer forever
    status, body, _ = get(preview, "/files/analyst/demo-analyst.html")
    assert status == 403 and b"not a regular file" in body
    edition.unlink()
    assert get(preview, "/files/analyst/demo-analyst.html")[0] == 404


def hang_up(server: Preview, path: str, read: int = 0) -> None:
    """Ask for ``path``, read ``read`` bytes of the answer, then drop the connection (a reset)."""
    import socket
    import struct

    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=5) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port_of(server)}\r\n\r\n".encode())
        while read > 0:
            read -= len(client.recv(read))
        # Linger 0: close with a reset, as a browser does when a tab closes or a reload
        # cancels a request half-way.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_dropped_connection_leaves_no_traceback(
    preview: Preview, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="briefwright.preview")
    for _ in range(5):
        for path in ("/files/analyst/demo-analyst.pdf", "/files/public/demo-public.html", "/"):
            hang_up(preview, path)
    hang_up(preview, "/events", read=len(b"HTTP/1.0 200"))  # a tab with the page closes

    def published_to_nobody() -> bool:  # the stream writes to the closed tab, and lets it go
        preview.state.publish("reload", preview.state.snapshot())
        with preview.state.lock:
            return not preview.state.listeners

    wait_for(published_to_nobody)
    assert get(preview, "/state")[0] == 200  # and the preview goes on serving
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err, err
    assert any("dropped the connection" in r.getMessage() for r in caplog.records)
    assert all(r.levelname == "DEBUG" for r in caplog.records if "dropped" in r.getMessage())


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_a_flood_of_connections_is_capped(preview: Preview) -> None:
    import socket

    from briefwright.preview import serving as live

    before = threading.active_count()
    idle = []  # connections that never send a request, each holding a thread while it waits
    try:
        for _ in range(live.MAX_CONNECTIONS + 20):
            idle.append(socket.create_connection(("127.0.0.1", port_of(preview)), timeout=5))
        wait_for(lambda: threading.active_count() >= before + live.MAX_CONNECTIONS)
        # Those over the cap are answered at once, and given no thread.
        for connection in idle[live.MAX_CONNECTIONS :]:
            answer = b""
            while len(answer) < len(b"HTTP/1.0 503") and (chunk := connection.recv(64)):
                answer += chunk
            assert answer.startswith(b"HTTP/1.0 503"), answer
        assert threading.active_count() <= before + live.MAX_CONNECTIONS
        status, body, _ = get(preview, "/files/analyst/demo-analyst.html")
        assert status == 503 and b"busy" in body
        assert_nothing_of_the_brief(body)
        assert threading.active_count() <= before + live.MAX_CONNECTIONS
    finally:
        for connection in idle:
            connection.close()
    wait_for(lambda: threading.active_count() <= before + 1)
    assert get(preview, "/files/analyst/demo-analyst.html")[0] == 200


def test_open_event_streams_are_capped(preview: Preview) -> None:
    from briefwright.preview import serving as live

    streams = []
    try:
        for _ in range(live.MAX_STREAMS):
            connection = http.client.HTTPConnection("127.0.0.1", port_of(preview), timeout=5)
            connection.request("GET", "/events")
            response = connection.getresponse()
            assert response.status == 200
            streams.append(response)
        status, body, _ = get(preview, "/events")
        assert status == 503 and b"close some" in body
        # The page and the editions still load beside the streams.
        assert get(preview, "/files/analyst/demo-analyst.html")[0] == 200
    finally:
        for response in streams:
            response.close()

    def gone() -> bool:  # a stream finds its tab gone when it next writes to it
        preview.state.publish("reload", preview.state.snapshot())
        return not preview.state.listeners

    wait_for(gone)
    assert raw_get(preview, "/events", [("Host", f"127.0.0.1:{port_of(preview)}")])[0] == 200


def descendants(pid: int) -> set[int]:
    """Return the processes started by ``pid``, and by them, and so on (Linux: /proc)."""
    parents: dict[int, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        parents[int(stat_file.parent.name)] = int(fields[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, ppid in parents.items() if ppid == parent}
        todo += children - found
        found |= children
    return found


def preview_command(root: Path, port: int) -> list[str]:
    import sys

    return [
        *(sys.executable, "-c", "from briefwright.cli import main; main()"),
        *("--root", str(root), "preview", "demo", "--port", str(port), "--no-open"),
    ]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_ctrl_c_during_a_rebuild_stops_cleanly(project: Callable[..., Path]) -> None:
    """Ctrl-C in a terminal reaches every process of the preview: itself, pandoc, PDF workers."""
    import os
    import signal
    import subprocess

    root = project()
    port = free_port()
    process = subprocess.Popen(
        preview_command(root, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal gives a command
    )
    try:
        assert process.stdout is not None
        assert f"at http://127.0.0.1:{port}/" in process.stdout.readline()
        started = descendants(process.pid)  # pandoc, the fork server of the PDF workers
        section_file = root / "sources" / "demo" / "intro.md"
        text = section_file.read_text()
        edits = iter(range(1000))

        def rebuilding() -> bool:
            if next(edits) % 20 == 0:  # again each second: the watcher may not have been ready
                section_file.write_text(text.replace("Plain", f"Edit {time.monotonic()}"))
            return len(descendants(process.pid) - started) > 0

        # Press Ctrl-C while the rebuild has PDF workers laying out its editions.
        wait_for(rebuilding, seconds=30)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Stopped." in out
    for noise in ("Traceback", "Exception", "leaked", "WARNING", "ERROR"):
        assert noise not in err, err

    def all_ended() -> bool:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(all_ended)  # nothing the builds started is left running


def test_a_save_that_fixes_the_error_says_so(project: Callable[..., Path]) -> None:
    said: list[str] = []
    preview = Preview(project(), "demo", ["analyst", "public"], echo=said.append)
    preview.start()
    try:
        found = events(preview)
        brief = preview.state.root / "briefs" / "demo.yaml"
        good = brief.read_text()
        brief.write_text(good + "colour: blue\n")
        assert next_event(found)[0] == "problem"
        assert not said  # the problem itself is a warning in the log
        brief.write_text(good)
        name, data = next_event(found)
        assert name == "reload" and data["error"] is None and data["fixed"] is True
        assert said == ["Fixed: demo builds again (version 2)."]
        section_file = preview.state.root / "sources" / "demo" / "intro.md"
        section_file.write_text(section_file.read_text().replace("Plain", "Plainer"))
        name, data = next_event(found)
        assert name == "reload" and data["fixed"] is False  # an ordinary save fixes nothing
        assert len(said) == 1
    finally:
        preview.stop()


def test_the_console_says_when_a_save_fixes_the_error(project: Callable[..., Path]) -> None:
    import signal
    import subprocess

    root = project()
    port = free_port()
    process = subprocess.Popen(
        preview_command(root, port), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def read_lines() -> None:  # so that the test can wait for a line with a timeout
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=read_lines, daemon=True).start()
    try:
        assert f"at http://127.0.0.1:{port}/" in lines.get(timeout=60)
        found = events(f"http://127.0.0.1:{port}/")
        brief = root / "briefs" / "demo.yaml"
        good = brief.read_text()
        while True:  # again until the watcher, which may not have been ready, sees it
            brief.write_text(good + f"colour: blue{time.monotonic()}\n")
            try:
                if found.get(timeout=3)[0] == "problem":
                    break
            except queue.Empty:
                continue
        brief.write_text(good)
        assert lines.get(timeout=30) == "Fixed: demo builds again (version 2).\n"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    err = process.stderr.read() if process.stderr else ""
    assert "unknown key 'colour'" in err and "Traceback" not in err


def test_a_browser_sees_a_fix_clear_the_problem(
    preview: Preview, browser_node: str, tmp_path: Path
) -> None:
    import subprocess

    from .conftest import BROWSER

    brief = preview.state.root / "briefs" / "demo.yaml"
    result = subprocess.run(
        [
            browser_node,
            str(BROWSER / "preview.mjs"),
            "--break-and-fix",
            preview.url + "?a=analyst&f=html",
            str(brief),
            "authors: [Unit A]",
            "authors: [Unit A]\ncolour: blue",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok":true' in result.stdout and "Fixed" in result.stdout


def test_a_section_marked_above_an_edition_withdraws_it(preview: Preview) -> None:
    public = preview.state.root / "build" / "demo" / "public"
    assert public.is_dir()
    intro = preview.state.root / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("marking: TLP:CLEAR", "marking: TLP:RED"))
    wait_for(lambda: json.loads(get(preview, "/state")[1])["error"] is not None, seconds=30)
    assert not public.exists()  # its files held the now-RED text
