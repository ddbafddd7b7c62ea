"""Helpers for the emulator self-tests: shared certs/state, emulator processes, raw HTTP(S) calls."""

import atexit
import http.client
import json
import os
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import certs  # noqa: E402
import make_state  # noqa: E402

PYTHON = "/usr/bin/python3"
_SHARED = {}


def shared():
    """One temp dir per test run with certs and a state file (generated once, removed at exit)."""
    if not _SHARED:
        tmp = tempfile.mkdtemp(prefix="openfle-kms-emu-")
        atexit.register(shutil.rmtree, tmp, True)
        _SHARED["dir"] = tmp
        _SHARED["certs"] = certs.generate(os.path.join(tmp, "certs"))
        state = make_state.with_imds(make_state.default_state())
        _SHARED["state"] = state
        _SHARED["state_path"] = write_state(state, "state.json")
    return _SHARED


def write_state(state, name):
    path = os.path.join(_SHARED["dir"], name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f)
    return path


class Emulator:
    """A kms_emulator.py child process; use as a context manager."""

    def __init__(self, provider, state_path=None, tls=True, cert="server", client_ca=False,
                 port=0, extra_args=()):
        env = shared()
        self.provider = provider
        self.tls = tls
        self.certs = env["certs"]
        args = [PYTHON, os.path.join(HERE, "kms_emulator.py"), "--provider", provider,
                "--state", state_path or env["state_path"], "--port", str(port)]
        if tls:
            args += ["--cert", self.certs[cert + ".pem"], "--key", self.certs[cert + ".key"]]
            if client_ca:
                args += ["--client-ca", self.certs["ca.pem"]]
        else:
            args.append("--no-tls")
        self.args = list(args) + list(extra_args)
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(env["dir"], f"{provider}-{time.time_ns()}.log")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=15):
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"{self.provider} emulator did not start: {line!r}\n{self.stderr()}")
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self._stderr.close()

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    # ---- HTTP ---------------------------------------------------------------------------------

    def context(self, client_cert=None, cafile=None, password=None):
        ctx = ssl.create_default_context(cafile=cafile or self.certs["ca.pem"])
        if client_cert:
            ctx.load_cert_chain(self.certs[client_cert], password=password)
        return ctx

    def connection(self, timeout=10, context=None, server_hostname="localhost"):
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn = http.client.HTTPSConnection(server_hostname, self.port, timeout=timeout,
                                           context=context or self.context())
        return conn

    def request(self, method, path, body=None, headers=None, timeout=10, context=None):
        """Send one request; return (status, headers dict lower-cased, body bytes)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        conn = self.connection(timeout, context)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None, **kw):
        status, hdrs, data = self.request(method, path, body, headers, **kw)
        return status, json.loads(data) if data else None

    def control(self, method, name, body=None):
        status, data = self.json(method, "/__emulator/" + name, body)
        if status != 200:
            raise AssertionError(f"control {method} {name} -> {status} {data}")
        return data


def form(fields):
    """Encode a form body exactly (values already encoded as the caller wants them on the wire)."""
    return "&".join(f"{k}={v}" for k, v in fields)
