"""AWS KMS emulator: TrentService.Encrypt / TrentService.Decrypt over x-amz-json-1.1 with SigV4.

Wire facts: https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html and API_Decrypt.html,
CommonErrors.html; shared/reference/kms-servers.md section 3. Keys are real AES-256-GCM keys. The
CiphertextBlob is this emulator's own versioned format (not AWS's, which is undocumented):

    0x01 | u16 BE len(key ARN) | key ARN (UTF-8) | nonce (12) | AES-256-GCM ciphertext || tag (16)

with AAD = "openfle-kms-emulator/aws" || the bytes before the nonce || canonical EncryptionContext
JSON, so Decrypt needs no KeyId, a blob moved to another key fails, and any flipped bit fails.
"""

import calendar
import json
import os
import re
import struct
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import sigv4
from emu_core import (Response, allowed, b64decode_std, b64encode_std, parse_json_object,
                      request_id)

CONTENT_TYPE = "application/x-amz-json-1.1"
BLOB_VERSION = 1
_AAD_LABEL = b"openfle-kms-emulator/aws"
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]+)")
_ALIAS_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias/[A-Za-z0-9/_-]+)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class KmsError(Exception):
    def __init__(self, kind, message, status=400):
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def _parse_iso(value):
    return calendar.timegm(time.strptime(value.replace(".000", ""), "%Y-%m-%dT%H:%M:%SZ"))


class AwsKey:
    def __init__(self, spec):
        self.arn = spec["arn"]
        m = _KEY_ARN.fullmatch(self.arn)
        if not m:
            raise ValueError(f"aws key arn {self.arn!r} is not arn:aws:kms:REGION:ACCOUNT:key/ID")
        self.region, self.account, self.key_id = m.groups()
        self.aliases = list(spec.get("aliases", []))
        self.enabled = spec.get("enabled", True)
        material = spec.get("material")
        raw = b64decode_std(material) if material else os.urandom(32)
        if raw is None or len(raw) != 32:
            raise ValueError(f"aws key {self.arn}: 'material' must be base64 of 32 bytes")
        self.aead = AESGCM(raw)


class AwsKmsProvider:
    name = "aws"

    def __init__(self, env):
        self.env = env
        cfg = env.state.get("aws", {})
        self.regions = cfg.get("regions")
        self.keys = [AwsKey(k) for k in cfg.get("keys", [])]
        self.credentials = {}
        for cred in cfg.get("credentials", []):
            entry = dict(cred)
            if cred.get("expiration"):
                entry["expiration_epoch"] = _parse_iso(cred["expiration"])
            self.credentials[cred["access_key_id"]] = entry

    # ---- HTTP -----------------------------------------------------------------------------------

    def handle(self, req):
        try:
            return self._handle(req)
        except (KmsError, sigv4.SigV4Error) as err:
            return self.error(getattr(err, "status", 400), err.kind, err.message)

    def error(self, status, kind, message):
        body = {"__type": kind}
        if message is not None:
            body["message"] = message
        return Response(status, json.dumps(body).encode(),
                        {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id()})

    def fault_response(self, status, req):
        kinds = {408: "RequestTimeoutException", 429: "ThrottlingException",
                 500: "KMSInternalException", 502: "KMSInternalException",
                 503: "ServiceUnavailableException", 509: "ThrottlingException"}
        kind = kinds.get(status, "KMSInternalException" if status >= 500 else "ValidationException")
        message = "Rate exceeded" if kind == "ThrottlingException" else "Injected fault"
        return self.error(status, kind, message)

    def _handle(self, req):
        target = req.header("X-Amz-Target", "")
        if req.method != "POST" or req.path != "/":
            raise KmsError("UnknownOperationException", None, 404 if req.method == "POST" else 400)
        operation = {"TrentService.Encrypt": self._encrypt,
                     "TrentService.Decrypt": self._decrypt}.get(target)
        if operation is None:
            raise KmsError("UnknownOperationException", None)
        credential, auth = sigv4.verify(req, self.credentials.get, self.env.clock.now(), "kms",
                                        self.regions)
        body = parse_json_object(req.body)
        if body is None:
            raise KmsError("SerializationException",
                           "Start of structure or map found where not expected.")
        reply = operation(body, credential, auth["region"])
        return Response(200, json.dumps(reply).encode(),
                        {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id()})

    # ---- operations -----------------------------------------------------------------------------

    def _encrypt(self, body, credential, region):
        key_id = _required_string(body, "KeyId", "keyId")
        plaintext = _required_blob(body, "Plaintext", "plaintext", 4096)
        context = _encryption_context(body)
        key = self._resolve(key_id, region)
        self._authorize(credential, "kms:Encrypt", key)
        if not key.enabled:
            raise KmsError("DisabledException", f"{key.arn} is disabled.")
        header = struct.pack(">BH", BLOB_VERSION, len(key.arn.encode())) + key.arn.encode()
        nonce = os.urandom(12)
        sealed = key.aead.encrypt(nonce, plaintext, _AAD_LABEL + header + context)
        return {"CiphertextBlob": b64encode_std(header + nonce + sealed),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "KeyId": key.arn}

    def _decrypt(self, body, credential, region):
        blob = _required_blob(body, "CiphertextBlob", "ciphertextBlob", 6144)
        context = _encryption_context(body)
        algorithm = body.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        if algorithm != "SYMMETRIC_DEFAULT":
            raise KmsError("InvalidCiphertextException", None)
        arn, header, rest = _split_blob(blob)
        key = next((k for k in self.keys if k.arn == arn and k.region == region), None)
        if key is None or len(rest) < 12 + 16:
            raise KmsError("InvalidCiphertextException", None)
        if "KeyId" in body:
            wanted = self._resolve(_required_string(body, "KeyId", "keyId"), region)
            if wanted.arn != key.arn:
                raise KmsError("IncorrectKeyException",
                               "The key ID in the request does not identify a CMK that can perform "
                               "this operation.")
        self._authorize(credential, "kms:Decrypt", key)
        if not key.enabled:
            raise KmsError("DisabledException", f"{key.arn} is disabled.")
        try:
            plaintext = key.aead.decrypt(rest[:12], rest[12:], _AAD_LABEL + header + context)
        except InvalidTag:
            raise KmsError("InvalidCiphertextException", None) from None
        return {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "KeyId": key.arn,
                "Plaintext": b64encode_std(plaintext)}

    # ---- keys and permissions -------------------------------------------------------------------

    def _resolve(self, key_id, region):
        """Find the key a KeyId names: key ARN, key id, alias name or alias ARN (in `region`)."""
        m = _KEY_ARN.fullmatch(key_id)
        if m:
            if m.group(1) != region:
                raise KmsError("NotFoundException", f"Invalid arn {m.group(1)}")
            key = next((k for k in self.keys if k.arn == key_id), None)
            if key is None:
                raise KmsError("NotFoundException", f"Key '{key_id}' does not exist")
            return key
        m = _ALIAS_ARN.fullmatch(key_id)
        if m or key_id.startswith("alias/"):
            alias_region, alias = (m.group(1), m.group(3)) if m else (region, key_id)
            if alias_region != region:
                raise KmsError("NotFoundException", f"Invalid arn {alias_region}")
            key = next((k for k in self.keys if k.region == region and alias in k.aliases), None)
            if key is None:
                account = m.group(2) if m else self._account()
                raise KmsError("NotFoundException",
                               f"Alias arn:aws:kms:{region}:{account}:{alias} is not found.")
            return key
        if _UUID.fullmatch(key_id):
            key = next((k for k in self.keys if k.key_id == key_id and k.region == region), None)
            if key is None:
                raise KmsError("NotFoundException",
                               f"Key 'arn:aws:kms:{region}:{self._account()}:key/{key_id}' "
                               "does not exist")
            return key
        raise KmsError("NotFoundException", f"Invalid keyId '{key_id}'")

    def _account(self):
        return self.keys[0].account if self.keys else "111122223333"

    @staticmethod
    def _authorize(credential, action, key):
        if not allowed(credential.get("allowed_keys"), key.arn):
            principal = credential.get("principal", "arn:aws:iam::111122223333:user/test")
            raise KmsError("AccessDeniedException",
                           f"User: {principal} is not authorized to perform: {action} on resource: "
                           f"{key.arn} because no identity-based policy allows the {action} action")


def _required_string(body, field, member):
    value = body.get(field)
    if value is None:
        raise KmsError("ValidationException",
                       f"1 validation error detected: Value null at '{member}' failed to satisfy "
                       "constraint: Member must not be null")
    if not isinstance(value, str):
        raise KmsError("SerializationException", "STRING_VALUE can not be converted to a String")
    if not 1 <= len(value) <= 2048:
        raise KmsError("ValidationException",
                       f"1 validation error detected: Value at '{member}' failed to satisfy "
                       "constraint: Member must have length between 1 and 2048")
    return value


def _required_blob(body, field, member, max_len):
    value = body.get(field)
    if value is None:
        raise KmsError("ValidationException",
                       f"1 validation error detected: Value null at '{member}' failed to satisfy "
                       "constraint: Member must not be null")
    raw = b64decode_std(value)
    if raw is None:
        raise KmsError("SerializationException", f"Base64 decoding of '{field}' failed")
    if not 1 <= len(raw) <= max_len:
        raise KmsError("ValidationException",
                       f"1 validation error detected: Value at '{member}' failed to satisfy "
                       f"constraint: Member must have length between 1 and {max_len}")
    return raw


def _encryption_context(body):
    context = body.get("EncryptionContext")
    if context is None:
        return b""
    if not isinstance(context, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in context.items()):
        raise KmsError("SerializationException", "EncryptionContext must map strings to strings")
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _split_blob(blob):
    """Return (key ARN, header bytes, nonce||sealed) of a version-1 blob, or raise InvalidCiphertext."""
    if len(blob) < 3 or blob[0] != BLOB_VERSION:
        raise KmsError("InvalidCiphertextException", None)
    (arn_len,) = struct.unpack(">H", blob[1:3])
    if len(blob) < 3 + arn_len:
        raise KmsError("InvalidCiphertextException", None)
    try:
        arn = blob[3:3 + arn_len].decode("utf-8")
    except UnicodeDecodeError:
        raise KmsError("InvalidCiphertextException", None) from None
    return arn, blob[:3 + arn_len], blob[3 + arn_len:]
