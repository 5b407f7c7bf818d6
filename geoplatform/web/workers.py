"""geoplatform.web.workers: ``serve --workers N``, each worker with its own listening socket.

uvicorn's multi-process mode shares one listening socket between its workers,
and the kernel then hands a new connection to whichever worker is waiting in
``accept`` first: a handful of long-lived connections (a reverse proxy's
keep-alive pool, a load generator, a busy client app) can all land on one
worker while the others idle, and that worker's interpreter lock becomes the
limit of the whole server. Here every worker binds its own socket with
``SO_REUSEPORT``, so the kernel spreads connections over the workers by a hash
of their addresses, evenly whatever each worker is doing.

The parent only supervises: it keeps the port bound (so nothing else takes it
between restarts), restarts a worker that dies, gives up when workers keep
dying right after they start (a broken configuration), and on SIGINT/SIGTERM
passes SIGTERM on and waits: uvicorn then lets each worker finish the requests
it has accepted, so an acknowledged write is never cut off.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

APP_FACTORY = "geoplatform.app:create_app_from_environment"
QUICK_EXIT_S = 15.0
"""A worker that dies sooner than this after starting counts towards giving up."""
MAX_QUICK_EXITS = 5
STOP_WAIT_S = 30.0
"""How long stopping workers may take to finish their accepted requests."""

LOGGER = logging.getLogger("geoplatform.workers")


def _address(host: str, port: int) -> tuple[socket.AddressFamily, Any]:
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return family, address


def reuse_port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A socket bound to host:port with ``SO_REUSEPORT`` (listening when asked)."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    if listen:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own listening socket, the app built from the environment."""
    import uvicorn

    listening = reuse_port_socket(host, port, listen=True)
    config = uvicorn.Config(APP_FACTORY, factory=True, **options)
    uvicorn.Server(config).run(sockets=[listening])


def serve_workers(host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run ``workers`` worker processes until SIGINT/SIGTERM; returns the exit status."""
    reserved = reuse_port_socket(host, port, listen=False)  # fails now if the port is taken
    context = multiprocessing.get_context("spawn")
    started: dict[int, float] = {}

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port, options), daemon=False)
        process.start()
        started[id(process)] = time.monotonic()
        return process

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    quick_exits = 0
    status = 0
    try:
        while not stopping:
            wait([p.sentinel for p in processes], timeout=0.5)
            for index, process in enumerate(processes):
                if stopping or process.is_alive():
                    continue
                lived = time.monotonic() - started.pop(id(process), 0.0)
                quick_exits = quick_exits + 1 if lived < QUICK_EXIT_S else 0
                if quick_exits >= MAX_QUICK_EXITS:
                    LOGGER.error("workers keep exiting at start (last code %s)", process.exitcode)
                    stopping, status = True, 1
                    break
                LOGGER.warning("worker exited with code %s: starting another", process.exitcode)
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the accepted requests
        deadline = time.monotonic() + STOP_WAIT_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        reserved.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
