"""A real HTTP server on a loopback address (a free port) for an ASGI app, in a thread of the
test."""
import socket
import threading
from contextlib import contextmanager


@contextmanager
def serving(app, host: str = "127.0.0.1"):
    import uvicorn

    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join()
