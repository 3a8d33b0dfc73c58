"""Tiny random-weight models built from configs, so the whole pipeline runs in seconds on real code paths."""
from __future__ import annotations

import http.server
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from podcaster.random_models import build_kokoro, build_llm

ROOT = Path(__file__).resolve().parent.parent
DEMO_FEEDS = ROOT / "examples" / "demo-feeds.txt"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """No test touches the user's data or cache folders; the hub is never asked."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PODCASTER_HOME", str(base / "data"))
    monkeypatch.setenv("PODCASTER_CONFIG", str(base / "config" / "profile.toml"))
    monkeypatch.setenv("PODCASTER_CACHE", os.environ.get("PODCASTER_TEST_CACHE", str(base / "cache")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def source_held_still(monkeypatch):
    """Kokoro's harmonic source with its random phase and noise at zero: what is left between two
    takes of a line is float rounding."""
    import torch
    monkeypatch.setattr(torch, "rand", lambda *size, **kw: torch.zeros(*size, device=kw.get("device")))
    monkeypatch.setattr(torch, "randn_like", lambda x, **kw: torch.zeros_like(x))


@pytest.fixture(scope="session")
def tiny_llm(tmp_path_factory) -> Path:
    return build_llm(tmp_path_factory.mktemp("tiny-llm"))


@pytest.fixture(scope="session")
def tiny_kokoro(tmp_path_factory) -> Path:
    pytest.importorskip("kokoro", reason="Kokoro's torch model (the kokoro package) installs on Python < 3.13 only")
    return build_kokoro(tmp_path_factory.mktemp("tiny-kokoro"))


@contextmanager
def loopback_server(handler: type[http.server.BaseHTTPRequestHandler]):
    """A real HTTP server on 127.0.0.1 with handler; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
