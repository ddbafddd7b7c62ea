"""HTTP(S) server shared by every emulator: TLS per connection, fault injection, request log, control API.

The control API lives under /__emulator/ on the same port, needs no authentication and is never
logged or faulted (see README.md for its contract). Everything else goes to the provider.
"""

import http.server
import json
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

from emu_core import Request, Response, json_response

CONTROL_PREFIX = "/__emulator/"
MAX_BODY = 1 << 20
FAULT_MODES = ("status", "drop", "hang", "malformed", "truncated")


class FaultQueue:
    """Pending faults, applied in order to the next matching non-control requests."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._cancel = threading.Event()

    @staticmethod
    def validate(spec):
        """Return (fault dict, None) or (None, error message) for one JSON fault spec."""
        if not isinstance(spec, dict):
            return None, "a fault must be a JSON object"
        mode = spec.get("mode")
        if mode not in FAULT_MODES:
            return None, f"'mode' must be one of {list(FAULT_MODES)}, got {mode!r}"
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return None, "'count' must be an integer >= 1"
        fault = {"mode": mode, "count": count}
        match = spec.get("match")
        if match is not None and not isinstance(match, str):
            return None, "'match' must be a string (substring of the request path)"
        fault["match"] = match
        if mode == "status":
            status = spec.get("status")
            if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
                return None, "mode 'status' needs an integer 'status' in 200..599"
            fault["status"] = status
            body = spec.get("body")
            if body is not None and not isinstance(body, str):
                return None, "'body' must be a string"
            fault["body"] = body
        if mode == "hang":
            seconds = spec.get("seconds", 30)
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                return None, "'seconds' must be a number >= 0"
            fault["seconds"] = seconds
        return fault, None

    def add(self, faults):
        with self._lock:
            self._faults.extend(faults)

    def take(self, path):
        """Consume one use of the first fault whose 'match' is in path (or that has none)."""
        with self._lock:
            for fault in self._faults:
                if fault["match"] is None or fault["match"] in path:
                    fault["count"] -= 1
                    if fault["count"] == 0:
                        self._faults.remove(fault)
                    return dict(fault), self._cancel
            return None, None

    def pending(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def clear(self):
        """Drop all faults and wake any request hanging in a 'hang' fault."""
        with self._lock:
            n = len(self._faults)
            self._faults.clear()
            self._cancel.set()
            self._cancel = threading.Event()
            return n


class RequestLog:
    """What tests may see of each request: never header values, query values or bodies."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = 0

    def add(self, req, client_cert):
        entry = {
            "method": req.method,
            "path": req.path,
            "query_keys": [k for k, _ in urllib.parse.parse_qsl(req.query, keep_blank_values=True)],
            "headers": list(req.headers.keys()),
            "time": time.time(),
            "status": None,
            "fault": None,
            "client_cert": client_cert is not None,
        }
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
        return entry

    def update(self, entry, **fields):
        with self._lock:
            entry.update(fields)

    def snapshot(self):
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self):
        with self._lock:
            n = len(self._entries)
            self._entries.clear()
            return n


def _control_reply(status, obj):
    return json_response(status, obj, content_type="application/json")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openfle-kms-emulator"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this many seconds

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        # The request line may carry query values (STS WebIdentityToken); log the path only.
        sys.stderr.write(f"[{self.server.provider.name}] {self.address_string()} {fmt % args}\n")

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        self.log_message("%s %s -> %s", self.command, path, code)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(Response(400, b"bad request body", {"Content-Type": "text/plain"}))
            return
        path, _, query = self.path.partition("?")
        req = Request(self.command, self.path, path, query, self.headers, body,
                      getattr(self.connection, "peer_cert", None))
        if path.startswith(CONTROL_PREFIX):
            self._send(self.server.control(req))
            return
        entry = self.server.log.add(req, req.client_cert)
        fault, cancel = self.server.faults.take(path)
        if fault:
            self.server.log.update(entry, fault=fault["mode"])
            if fault["mode"] == "drop":
                self.close_connection = True
                self.log_message("%s %s -> dropped (fault)", self.command, path)
                return
            if fault["mode"] == "hang":
                cancel.wait(fault["seconds"])
            elif fault["mode"] == "status":
                resp = self.server.provider.fault_response(fault["status"], req)
                if fault["body"] is not None:
                    resp = Response(fault["status"], fault["body"].encode(), resp.headers)
                self.server.log.update(entry, status=resp.status)
                self._send(resp)
                return
            elif fault["mode"] == "malformed":
                resp = Response(200, b'{"truncated json": [1, 2,', {"Content-Type": "application/json"})
                self.server.log.update(entry, status=200)
                self._send(resp)
                return
        resp = self._handle_provider(req)
        self.server.log.update(entry, status=resp.status)
        self._send(resp, truncate=bool(fault and fault["mode"] == "truncated"))

    def _handle_provider(self, req):
        try:
            return self.server.provider.handle(req)
        except Exception:  # noqa: BLE001 - a test server must answer, and say why on stderr
            traceback.print_exc(file=sys.stderr)
            return self.server.provider.fault_response(500, req)

    def _send(self, resp, truncate=False):
        body = resp.body if self.command != "HEAD" else b""
        declared = len(body)
        if truncate:
            # Promise the whole body, deliver half of it, then close: a reader must notice.
            declared = max(declared, 16)
            body = body[: len(body) // 2]
            self.close_connection = True
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(declared))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


class EmulatorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, provider, env, ssl_context=None):
        self.provider = provider
        self.env = env
        self.ssl_context = ssl_context
        self.faults = FaultQueue()
        self.log = RequestLog()
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the per-connection thread, so a slow or broken client
        # cannot stall accept() for everyone else.
        if self.ssl_context is not None:
            request.settimeout(10)
            try:
                conn = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                sys.stderr.write(f"[{self.provider.name}] TLS handshake with {client_address[0]} "
                                 f"failed: {exc}\n")
                return
            conn.peer_cert = conn.getpeercert() or None
            try:
                self.RequestHandlerClass(conn, client_address, self)
            finally:
                try:
                    conn.close()
                except OSError:
                    pass
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, ssl.SSLError)):
            return  # clients hanging up mid-request are routine in fault tests
        super().handle_error(request, client_address)

    # ---- control API -------------------------------------------------------------------------

    def control(self, req):
        name = req.path[len(CONTROL_PREFIX):].strip("/")
        method = req.method
        if name == "requests":
            if method == "GET":
                return _control_reply(200, self.log.snapshot())
            if method == "DELETE":
                return _control_reply(200, {"cleared": self.log.clear()})
        elif name == "faults":
            if method == "GET":
                return _control_reply(200, {"pending": self.faults.pending()})
            if method == "DELETE":
                return _control_reply(200, {"cleared": self.faults.clear()})
            if method == "POST":
                return self._add_faults(req)
        elif name == "clock":
            if method == "POST":
                spec = _json_or_none(req.body)
                offset = spec.get("offset_seconds") if isinstance(spec, dict) else None
                if not isinstance(offset, (int, float)) or isinstance(offset, bool):
                    return _control_reply(400, {"error": "body must be {\"offset_seconds\": number}"})
                self.env.clock.set_offset(offset)
            if method in ("GET", "POST"):
                return _control_reply(200, {"offset_seconds": self.env.clock.offset(),
                                            "now": self.env.clock.now()})
        elif name == "tokens":
            if method == "POST":
                spec = _json_or_none(req.body)
                mint = getattr(self.provider, "mint_token", None)
                if mint is None:
                    return _control_reply(404, {"error": f"provider {self.provider.name} issues no tokens"})
                if not isinstance(spec, dict):
                    return _control_reply(400, {"error": "body must be a JSON object"})
                result, error = mint(spec)
                if error:
                    return _control_reply(400, {"error": error})
                return _control_reply(200, result)
        elif name == "info":
            if method == "GET":
                return _control_reply(200, {"provider": self.provider.name,
                                            "port": self.server_address[1],
                                            "tls": self.ssl_context is not None})
        else:
            return _control_reply(404, {"error": f"unknown control endpoint {req.path}"})
        return _control_reply(405, {"error": f"{method} not allowed on {req.path}"})

    def _add_faults(self, req):
        spec = _json_or_none(req.body)
        specs = spec if isinstance(spec, list) else [spec]
        faults = []
        for one in specs:
            fault, error = FaultQueue.validate(one)
            if error:
                return _control_reply(400, {"error": error})
            faults.append(fault)
        self.faults.add(faults)
        return _control_reply(200, {"pending": self.faults.pending()})


def _json_or_none(body):
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def make_ssl_context(cert, key, client_ca=None, key_password=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key, password=key_password)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
