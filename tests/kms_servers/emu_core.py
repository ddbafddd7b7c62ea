"""Shared pieces of the KMS emulators: request/response values, the clock, bearer tokens, encodings.

Nothing here knows about a particular provider. Providers get an `Env` (state, clock, tokens) and
turn a `Request` into a `Response`.
"""

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import uuid


@dataclasses.dataclass
class Request:
    method: str
    target: str                 # raw request-target as sent ("/path?query")
    path: str                   # target before '?', still percent-encoded
    query: str                  # raw query string after '?', "" if none
    headers: object             # http.client.HTTPMessage (case-insensitive get/get_all)
    body: bytes
    client_cert: dict = None    # getpeercert() of a verified TLS client, else None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def query_params(self):
        """Decoded query parameters; the last value wins, like most web frameworks."""
        return dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))

    def host(self):
        return self.headers.get("Host", "")


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict = dataclasses.field(default_factory=dict)


def json_response(status, obj, content_type="application/json; charset=utf-8", headers=None):
    hdrs = {"Content-Type": content_type}
    hdrs.update(headers or {})
    return Response(status, json.dumps(obj, separators=(",", ":")).encode(), hdrs)


def text_response(status, text, content_type="text/plain", headers=None):
    hdrs = {"Content-Type": content_type}
    hdrs.update(headers or {})
    return Response(status, text.encode(), hdrs)


def parse_json_object(body):
    """Parse a request body that must be a JSON object; None when it is not."""
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def parse_form(body):
    """Decode an application/x-www-form-urlencoded body the way real token endpoints do.

    libmongocrypt 1.7.2 puts clientId/clientSecret into the form without percent-encoding; decoding
    leniently (unreserved and most reserved characters pass through unchanged) accepts what it sends,
    while a '+' still means a space and a raw '&' still splits fields, exactly as a real server does.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


def b64decode_std(text):
    """Strict standard base64 (RFC 4648 section 4), as AWS and GCP JSON bytes fields use."""
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def b64encode_std(data):
    return base64.b64encode(data).decode("ascii")


def b64url_decode(text):
    """base64url (RFC 4648 section 5) with or without '=' padding, as Azure Key Vault accepts."""
    if not isinstance(text, str):
        return None
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    if b"+" in raw or b"/" in raw:
        return None
    raw = raw.rstrip(b"=")
    try:
        return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return None


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def request_id():
    return str(uuid.uuid4())


class Clock:
    """Wall clock with a test-controlled offset (POST /__emulator/clock) to expire tokens instantly."""

    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            return time.time() + self._offset

    def set_offset(self, seconds):
        with self._lock:
            self._offset = float(seconds)

    def offset(self):
        with self._lock:
            return self._offset


class TokenAuthority:
    """Opaque bearer tokens that every emulator process started from the same state file accepts.

    A token is prefix + base64url(claims JSON) + "." + base64url(HMAC-SHA256(claims)). The HMAC key
    is the state file's "token_secret", or a hash of the whole state, so an identity endpoint and a
    vault running as separate processes (or the IMDS emulator) agree without talking to each other.
    Clients cannot tell these from real opaque tokens; they must treat them as opaque anyway.
    """

    def __init__(self, state, clock):
        secret = state.get("token_secret")
        if isinstance(secret, str) and secret:
            self._key = hashlib.sha256(b"token-secret:" + secret.encode()).digest()
        else:
            canonical = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
            self._key = hashlib.sha256(b"state:" + canonical).digest()
        self._clock = clock

    def issue(self, kind, subject, lifetime, prefix="", **extra):
        """Return (token, claims) for `subject`, valid for `lifetime` seconds from the emulator clock."""
        now = int(self._clock.now())
        claims = {"kind": kind, "sub": subject, "iat": now, "exp": now + int(lifetime),
                  "jti": b64url_encode(os.urandom(9))}
        claims.update(extra)
        payload = b64url_encode(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return prefix + payload + "." + b64url_encode(mac), claims

    def verify(self, token, kind, prefix=""):
        """Return (claims, None) for a valid token, else (None, "invalid" | "expired")."""
        if not isinstance(token, str) or not token.startswith(prefix):
            return None, "invalid"
        payload, _, mac = token[len(prefix):].partition(".")
        want = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        got = b64url_decode(mac)
        if got is None or not hmac.compare_digest(want, got):
            return None, "invalid"
        try:
            claims = json.loads(b64url_decode(payload))
        except (TypeError, ValueError):
            return None, "invalid"
        if claims.get("kind") != kind:
            return None, "invalid"
        if claims["exp"] <= self._clock.now():
            return None, "expired"
        return claims, None


@dataclasses.dataclass
class Env:
    """What a provider needs from the server: the state file, the clock and the token authority."""
    state: dict
    clock: Clock
    tokens: TokenAuthority


def bearer_token(req):
    """The token of an "Authorization: Bearer <t>" header (scheme case-insensitive), or None."""
    value = req.header("Authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def allowed(allow_list, resource):
    """Permission check shared by providers: a missing list or "*" allows everything."""
    if allow_list is None:
        return True
    return "*" in allow_list or resource in allow_list


def iso8601(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def crc32c(data):
    """CRC-32C (Castagnoli, reflected poly 0x82F63B78), which GCP KMS returns beside ciphertexts."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()
