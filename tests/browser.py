"""A real headless browser for the HTML tests: Debian's chromium, driven over its DevTools
pipe (--remote-debugging-pipe: JSON messages ending in NUL on file descriptors 3 and 4), so
no browser download and no driver package is needed. ``axe_source`` finds axe-core's
axe.min.js, which .ci/run installs with npm."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AXE_PATHS = ("node_modules/axe-core/axe.min.js", ".ci/node_modules/axe-core/axe.min.js")
TIMEOUT = 60  # seconds for one command: the machine's two cores are shared


def chromium_path() -> str | None:
    return os.environ.get("LEAFLET_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")


def axe_source() -> str | None:
    """axe.min.js: $LEAFLET_AXE, or where `npm install axe-core` puts it in the checkout."""
    named = os.environ.get("LEAFLET_AXE")
    candidates = [Path(named)] if named else [ROOT / path for path in AXE_PATHS]
    return next((path.read_text("utf-8") for path in candidates if path.is_file()), None)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless chromium and one page in it."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="leaflet-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def pipes_as_3_and_4() -> None:
            reading, writing = os.dup(to_browser_read), os.dup(from_browser_write)  # above 4
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--remote-debugging-pipe", "--no-sandbox",
             "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
             "--mute-audio", "--font-render-hinting=none",
             f"--user-data-dir={self.profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=pipes_as_3_and_4)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self.profile.cleanup()

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def page(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.send(method, params, self.session)

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def wait_for(self, event: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for index, seen in enumerate(self._events):
                if seen["method"] == event:
                    del self._events[: index + 1]
                    return seen
            message = self._receive()
            if "method" in message:
                self._events.append(message)
        raise BrowserError(f"no {event} in time")

    # What a test does with the page.

    def view(self, width: int, height: int = 900, scale: float = 1, dark: bool = False,
             print_media: bool = False, mobile: bool = False) -> None:
        """A window ``width`` CSS pixels wide; ``scale`` device pixels each (2: 200% zoom
        of a window twice as wide); a dark colour scheme; the print style sheet."""
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": scale,
                   "mobile": mobile})
        self.page("Emulation.setEmulatedMedia", {
            "media": "print" if print_media else "",
            "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def open(self, path: Path) -> None:
        self._events.clear()
        self.page("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)")

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            width, height = self.evaluate("[document.documentElement.scrollWidth, "
                                          "document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = self.page("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def print_pdf(self) -> bytes:
        data = self.page("Page.printToPDF", {"printBackground": True})["data"]
        return base64.b64decode(data)

    def axe(self, source: str, tags: tuple[str, ...]) -> list[dict[str, Any]]:
        """axe-core's violations of ``tags`` on the page as it is now."""
        self.evaluate(source + "\n;true")
        options = json.dumps({"runOnly": {"type": "tag", "values": list(tags)},
                              "resultTypes": ["violations"]})
        return self.evaluate(f"axe.run(document, {options}).then(r => r.violations.map(v => "
                             "({id: v.id, help: v.help, nodes: v.nodes.map(n => "
                             "n.target.join(' ') + ': ' + n.failureSummary)})))")
