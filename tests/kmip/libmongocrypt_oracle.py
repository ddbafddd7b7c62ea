"""Drives Debian's libmongocrypt (1.7.2) through its public C API to see the KMIP bytes it sends.

libmongocrypt does no I/O: for a KMIP data key it hands out each request and is fed each reply.
run_datakey() creates a data key with the "kmip" provider, passes every request to a `send`
callable (which talks to a real server) and returns what libmongocrypt sent and received, so a
test can check that openfle's builders produce the same bytes for the same inputs. Loaded with
ctypes; nothing of libmongocrypt is copied.
"""

import ctypes
import ctypes.util

import bson

NEED_KMS = 4
READY = 5
DONE = 6
ERROR = 0


class Unavailable(Exception):
    pass


def _load():
    for name in ("libmongocrypt.so.0", ctypes.util.find_library("mongocrypt")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise Unavailable("libmongocrypt is not installed (apt-get install libmongocrypt0)")


class Libmongocrypt:
    def __init__(self):
        lib = _load()
        p, u32, b = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_bool
        sigs = {
            "mongocrypt_version": (ctypes.c_char_p, [ctypes.POINTER(u32)]),
            "mongocrypt_new": (p, []),
            "mongocrypt_destroy": (None, [p]),
            "mongocrypt_init": (b, [p]),
            "mongocrypt_setopt_kms_providers": (b, [p, p]),
            "mongocrypt_status": (b, [p, p]),
            "mongocrypt_binary_new": (p, []),
            "mongocrypt_binary_new_from_data": (p, [ctypes.c_char_p, u32]),
            "mongocrypt_binary_data": (ctypes.POINTER(ctypes.c_uint8), [p]),
            "mongocrypt_binary_len": (u32, [p]),
            "mongocrypt_binary_destroy": (None, [p]),
            "mongocrypt_status_new": (p, []),
            "mongocrypt_status_destroy": (None, [p]),
            "mongocrypt_status_message": (ctypes.c_char_p, [p, ctypes.POINTER(u32)]),
            "mongocrypt_ctx_new": (p, [p]),
            "mongocrypt_ctx_destroy": (None, [p]),
            "mongocrypt_ctx_status": (b, [p, p]),
            "mongocrypt_ctx_setopt_key_encryption_key": (b, [p, p]),
            "mongocrypt_ctx_datakey_init": (b, [p]),
            "mongocrypt_ctx_state": (ctypes.c_int, [p]),
            "mongocrypt_ctx_next_kms_ctx": (p, [p]),
            "mongocrypt_kms_ctx_message": (b, [p, p]),
            "mongocrypt_kms_ctx_bytes_needed": (u32, [p]),
            "mongocrypt_kms_ctx_feed": (b, [p, p]),
            "mongocrypt_kms_ctx_status": (b, [p, p]),
            "mongocrypt_ctx_kms_done": (b, [p]),
            "mongocrypt_ctx_finalize": (b, [p, p]),
        }
        for name, (res, argtypes) in sigs.items():
            fn = getattr(lib, name)
            fn.restype = res
            fn.argtypes = argtypes
        self.lib = lib

    def version(self):
        return self.lib.mongocrypt_version(None).decode()

    def _bin(self, data):
        # The buffer must outlive the binary; the caller keeps `data` alive while it is used.
        return self.lib.mongocrypt_binary_new_from_data(data, len(data))

    def _bytes(self, binary):
        n = self.lib.mongocrypt_binary_len(binary)
        return bytes(self.lib.mongocrypt_binary_data(binary)[:n])

    def _error(self, getter, handle):
        status = self.lib.mongocrypt_status_new()
        getter(handle, status)
        msg = self.lib.mongocrypt_status_message(status, None)
        self.lib.mongocrypt_status_destroy(status)
        return (msg or b"").decode(errors="replace")

    def run_datakey(self, send, endpoint, key_id=None):
        """Creates a KMIP data key; returns {"requests": [...], "replies": [...], "key": doc}."""
        L = self.lib
        crypt = L.mongocrypt_new()
        ctx = None
        try:
            providers = bson.BSON.encode({"kmip": {"endpoint": endpoint}})
            b = self._bin(providers)
            ok = L.mongocrypt_setopt_kms_providers(crypt, b)
            L.mongocrypt_binary_destroy(b)
            if not ok or not L.mongocrypt_init(crypt):
                raise RuntimeError(self._error(L.mongocrypt_status, crypt))
            ctx = L.mongocrypt_ctx_new(crypt)
            kek = {"provider": "kmip", "endpoint": endpoint}
            if key_id is not None:
                kek["keyId"] = key_id
            kek_bytes = bson.BSON.encode(kek)
            b = self._bin(kek_bytes)
            ok = L.mongocrypt_ctx_setopt_key_encryption_key(ctx, b)
            L.mongocrypt_binary_destroy(b)
            if not ok or not L.mongocrypt_ctx_datakey_init(ctx):
                raise RuntimeError(self._error(L.mongocrypt_ctx_status, ctx))

            requests, replies = [], []
            while L.mongocrypt_ctx_state(ctx) == NEED_KMS:
                while True:
                    kms = L.mongocrypt_ctx_next_kms_ctx(ctx)
                    if not kms:
                        break
                    msg = L.mongocrypt_binary_new()
                    L.mongocrypt_kms_ctx_message(kms, msg)
                    request = self._bytes(msg)
                    L.mongocrypt_binary_destroy(msg)
                    requests.append(request)
                    reply = send(request)
                    replies.append(reply)
                    offset = 0
                    while L.mongocrypt_kms_ctx_bytes_needed(kms) > 0:
                        want = L.mongocrypt_kms_ctx_bytes_needed(kms)
                        chunk = reply[offset:offset + want]
                        if not chunk:
                            raise RuntimeError("libmongocrypt wants more bytes than the reply has")
                        offset += len(chunk)
                        b = self._bin(chunk)
                        ok = L.mongocrypt_kms_ctx_feed(kms, b)
                        L.mongocrypt_binary_destroy(b)
                        if not ok:
                            raise RuntimeError(self._error(L.mongocrypt_kms_ctx_status, kms))
                if not L.mongocrypt_ctx_kms_done(ctx):
                    raise RuntimeError(self._error(L.mongocrypt_ctx_status, ctx))
            if L.mongocrypt_ctx_state(ctx) != READY:
                raise RuntimeError(self._error(L.mongocrypt_ctx_status, ctx))
            out = L.mongocrypt_binary_new()
            if not L.mongocrypt_ctx_finalize(ctx, out):
                L.mongocrypt_binary_destroy(out)
                raise RuntimeError(self._error(L.mongocrypt_ctx_status, ctx))
            key = bson.BSON(self._bytes(out)).decode()
            L.mongocrypt_binary_destroy(out)
            return {"requests": requests, "replies": replies, "key": key}
        finally:
            if ctx:
                L.mongocrypt_ctx_destroy(ctx)
            L.mongocrypt_destroy(crypt)
