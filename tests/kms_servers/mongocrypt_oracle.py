"""Drive Debian's libmongocrypt 1.7.2 through ctypes and do its KMS I/O against an emulator.

libmongocrypt does no I/O: it hands out request bytes per KMS context and wants the reply fed back.
This module builds requests with the real library (so the emulators see byte-for-byte what 1.7.2
sends, quirks included) and performs the TLS exchange itself, like a driver would.

Only what the emulator self-test needs: create a data key (Encrypt / wrapkey / :encrypt, plus the
OAuth round trip) and explicitly encrypt with it (Decrypt / unwrapkey / :decrypt).
"""

import ctypes
import ctypes.util
import socket
import ssl
import struct
import uuid

NEED_MONGO_KEYS, NEED_KMS, READY, DONE, ERROR = 3, 4, 5, 6, 0


# ---- minimal BSON (https://bsonspec.org/spec.html) ----------------------------------------------

def bson_encode(doc):
    out = bytearray()
    for key, value in doc.items():
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            out += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            out += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, str):
            raw = value.encode() + b"\x00"
            out += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        elif isinstance(value, uuid.UUID):
            out += b"\x05" + name + struct.pack("<i", 16) + b"\x04" + value.bytes
        elif isinstance(value, (bytes, bytearray)):
            out += b"\x05" + name + struct.pack("<i", len(value)) + b"\x00" + bytes(value)
        elif isinstance(value, dict):
            out += b"\x03" + name + bson_encode(value)
        else:
            raise TypeError(f"cannot BSON-encode {type(value).__name__}")
    return struct.pack("<i", len(out) + 5) + bytes(out) + b"\x00"


def bson_decode(data):
    """Decode the types key documents use; binaries come back as (subtype, bytes)."""
    doc, pos, end = {}, 4, struct.unpack("<i", data[:4])[0] - 1
    while pos < end:
        kind = data[pos]
        nul = data.index(b"\x00", pos + 1)
        name, pos = data[pos + 1:nul].decode(), nul + 1
        if kind == 0x02:
            n = struct.unpack("<i", data[pos:pos + 4])[0]
            doc[name], pos = data[pos + 4:pos + 3 + n].decode(), pos + 4 + n
        elif kind in (0x03, 0x04):
            n = struct.unpack("<i", data[pos:pos + 4])[0]
            doc[name], pos = bson_decode(data[pos:pos + n]), pos + n
        elif kind == 0x05:
            n = struct.unpack("<i", data[pos:pos + 4])[0]
            doc[name], pos = (data[pos + 4], data[pos + 5:pos + 5 + n]), pos + 5 + n
        elif kind == 0x08:
            doc[name], pos = data[pos] == 1, pos + 1
        elif kind in (0x09, 0x12):
            doc[name], pos = struct.unpack("<q", data[pos:pos + 8])[0], pos + 8
        elif kind == 0x10:
            doc[name], pos = struct.unpack("<i", data[pos:pos + 4])[0], pos + 4
        else:
            raise ValueError(f"unsupported BSON type 0x{kind:02x}")
    return doc


# ---- ctypes binding -----------------------------------------------------------------------------

def load_library():
    """The libmongocrypt CDLL, or None when it is not installed."""
    for name in ("libmongocrypt.so.0", ctypes.util.find_library("mongocrypt")):
        if name:
            try:
                return _declare(ctypes.CDLL(name))
            except OSError:
                continue
    return None


def _declare(lib):
    p, b, u32, cp = ctypes.c_void_p, ctypes.c_bool, ctypes.c_uint32, ctypes.c_char_p
    sigs = {
        "mongocrypt_new": (p, []), "mongocrypt_destroy": (None, [p]),
        "mongocrypt_setopt_kms_providers": (b, [p, p]), "mongocrypt_init": (b, [p]),
        "mongocrypt_status": (b, [p, p]),
        "mongocrypt_status_new": (p, []), "mongocrypt_status_destroy": (None, [p]),
        "mongocrypt_status_message": (cp, [p, ctypes.POINTER(u32)]),
        "mongocrypt_binary_new": (p, []), "mongocrypt_binary_destroy": (None, [p]),
        "mongocrypt_binary_new_from_data": (p, [ctypes.c_char_p, u32]),
        "mongocrypt_binary_data": (ctypes.POINTER(ctypes.c_uint8), [p]),
        "mongocrypt_binary_len": (u32, [p]),
        "mongocrypt_ctx_new": (p, [p]), "mongocrypt_ctx_destroy": (None, [p]),
        "mongocrypt_ctx_status": (b, [p, p]), "mongocrypt_ctx_state": (ctypes.c_int, [p]),
        "mongocrypt_ctx_setopt_key_encryption_key": (b, [p, p]),
        "mongocrypt_ctx_datakey_init": (b, [p]),
        "mongocrypt_ctx_setopt_key_id": (b, [p, p]),
        "mongocrypt_ctx_setopt_algorithm": (b, [p, cp, ctypes.c_int]),
        "mongocrypt_ctx_explicit_encrypt_init": (b, [p, p]),
        "mongocrypt_ctx_mongo_feed": (b, [p, p]), "mongocrypt_ctx_mongo_done": (b, [p]),
        "mongocrypt_ctx_next_kms_ctx": (p, [p]),
        "mongocrypt_kms_ctx_message": (b, [p, p]),
        "mongocrypt_kms_ctx_endpoint": (b, [p, ctypes.POINTER(ctypes.c_char_p)]),
        "mongocrypt_kms_ctx_bytes_needed": (u32, [p]),
        "mongocrypt_kms_ctx_feed": (b, [p, p]), "mongocrypt_kms_ctx_status": (b, [p, p]),
        "mongocrypt_ctx_kms_done": (b, [p]), "mongocrypt_ctx_finalize": (b, [p, p]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class OracleError(Exception):
    pass


class Binary:
    """A mongocrypt_binary_t that owns a copy of its bytes for as long as the object lives."""

    def __init__(self, lib, data=None):
        self.lib = lib
        self._buf = data
        self.ptr = lib.mongocrypt_binary_new_from_data(data, len(data)) if data is not None \
            else lib.mongocrypt_binary_new()

    def bytes(self):
        n = self.lib.mongocrypt_binary_len(self.ptr)
        return ctypes.string_at(self.lib.mongocrypt_binary_data(self.ptr), n) if n else b""

    def __del__(self):
        self.lib.mongocrypt_binary_destroy(self.ptr)


class Oracle:
    """One mongocrypt_t. `connect(endpoint)` returns the socket to talk to for a KMS endpoint."""

    def __init__(self, lib, kms_providers, connect):
        self.lib, self.connect = lib, connect
        self.crypt = lib.mongocrypt_new()
        self.requests = []  # (endpoint, raw request bytes) in the order libmongocrypt built them
        providers = Binary(lib, bson_encode(kms_providers))
        if not (lib.mongocrypt_setopt_kms_providers(self.crypt, providers.ptr)
                and lib.mongocrypt_init(self.crypt)):
            raise OracleError(self._status(lib.mongocrypt_status, self.crypt))

    def close(self):
        self.lib.mongocrypt_destroy(self.crypt)

    def _status(self, getter, obj):
        status = self.lib.mongocrypt_status_new()
        try:
            getter(obj, status)
            n = ctypes.c_uint32()
            msg = self.lib.mongocrypt_status_message(status, ctypes.byref(n))
            return (msg or b"").decode(errors="replace")
        finally:
            self.lib.mongocrypt_status_destroy(status)

    def create_data_key(self, kek):
        ctx = self.lib.mongocrypt_ctx_new(self.crypt)
        try:
            kek_bin = Binary(self.lib, bson_encode(kek))
            self._check(ctx, self.lib.mongocrypt_ctx_setopt_key_encryption_key(ctx, kek_bin.ptr))
            self._check(ctx, self.lib.mongocrypt_ctx_datakey_init(ctx))
            return self._run(ctx, None)  # the key document, as BSON bytes
        finally:
            self.lib.mongocrypt_ctx_destroy(ctx)

    def encrypt_with(self, key_doc_bson, value):
        """Explicit deterministic encryption with the key; makes libmongocrypt decrypt the DEK."""
        key_id = bson_decode(key_doc_bson)["_id"][1]
        ctx = self.lib.mongocrypt_ctx_new(self.crypt)
        try:
            kid = Binary(self.lib, key_id)
            self._check(ctx, self.lib.mongocrypt_ctx_setopt_key_id(ctx, kid.ptr))
            alg = b"AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"
            self._check(ctx, self.lib.mongocrypt_ctx_setopt_algorithm(ctx, alg, len(alg)))
            msg = Binary(self.lib, bson_encode({"v": value}))
            self._check(ctx, self.lib.mongocrypt_ctx_explicit_encrypt_init(ctx, msg.ptr))
            return bson_decode(self._run(ctx, key_doc_bson))["v"]
        finally:
            self.lib.mongocrypt_ctx_destroy(ctx)

    def _check(self, ctx, ok):
        if not ok:
            raise OracleError(self._status(self.lib.mongocrypt_ctx_status, ctx))

    def _run(self, ctx, key_doc_bson):
        lib = self.lib
        while True:
            state = lib.mongocrypt_ctx_state(ctx)
            if state == NEED_MONGO_KEYS:
                doc = Binary(lib, key_doc_bson)
                self._check(ctx, lib.mongocrypt_ctx_mongo_feed(ctx, doc.ptr))
                self._check(ctx, lib.mongocrypt_ctx_mongo_done(ctx))
            elif state == NEED_KMS:
                while True:
                    kms = lib.mongocrypt_ctx_next_kms_ctx(ctx)
                    if not kms:
                        break
                    self._kms_exchange(kms)
                self._check(ctx, lib.mongocrypt_ctx_kms_done(ctx))
            elif state == READY:
                out = Binary(lib)
                self._check(ctx, lib.mongocrypt_ctx_finalize(ctx, out.ptr))
                return out.bytes()
            else:
                raise OracleError(f"state {state}: " + self._status(lib.mongocrypt_ctx_status, ctx))

    def _kms_exchange(self, kms):
        lib = self.lib
        msg = Binary(lib)
        endpoint = ctypes.c_char_p()
        if not (lib.mongocrypt_kms_ctx_message(kms, msg.ptr)
                and lib.mongocrypt_kms_ctx_endpoint(kms, ctypes.byref(endpoint))):
            raise OracleError(self._status(lib.mongocrypt_kms_ctx_status, kms))
        request = msg.bytes()
        self.requests.append((endpoint.value.decode(), request))
        sock = self.connect(endpoint.value.decode())
        try:
            sock.sendall(request)
            while True:
                need = lib.mongocrypt_kms_ctx_bytes_needed(kms)
                if need == 0:
                    break
                chunk = sock.recv(need)
                if not chunk:
                    raise OracleError("KMS server closed the connection early")
                feed = Binary(lib, chunk)
                if not lib.mongocrypt_kms_ctx_feed(kms, feed.ptr):
                    raise OracleError(self._status(lib.mongocrypt_kms_ctx_status, kms))
        finally:
            sock.close()


def tls_connector(port, cafile):
    """connect(endpoint) that ignores the endpoint's host/port and dials the loopback emulator."""
    context = ssl.create_default_context(cafile=cafile)

    def connect(_endpoint):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        return context.wrap_socket(raw, server_hostname="localhost")
    return connect
