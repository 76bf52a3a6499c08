"""A real `practice-review serve` process on a free local port, for tests and benchmarks over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import uvicorn
from fastapi import FastAPI

CLI = str(Path(sys.executable).with_name("practice-review"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    started_in: float  # seconds from launch until /health answered

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(database_url: str, workers: int = 1, port: int | None = None, log: IO[bytes] | None = None) -> Served:
    """Launch the server (it migrates the database first) and wait until /health answers."""
    port = port or free_port()
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url}
    launched = time.perf_counter()
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    return answering(process, port, launched)


def answering(process: subprocess.Popen[bytes], port: int, launched: float) -> Served:
    """The launched server once its /health answers (bench/floor.py's too)."""
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return Served(process, port, time.perf_counter() - launched)
        except httpx.TransportError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError("the server did not start")


@contextmanager
def served(database_url: str, workers: int = 1, log: IO[bytes] | None = None) -> Iterator[Served]:
    server = start(database_url, workers, log=log)
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


@contextmanager
def served_in_thread(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """The app served by uvicorn on a free local port (or `port`), in a background thread here; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
