"""GCP emulator: OAuth 2.0 JWT-bearer token endpoint + Cloud KMS encrypt/decrypt.

Wire facts: shared/reference/kms-servers.md section 4; RFC 7523 (JWT bearer grant); Google's
"Using OAuth 2.0 for Server to Server Applications" (claims iss/scope/aud/exp/iat, max 1 hour);
Cloud KMS REST v1 cryptoKeys.encrypt / cryptoKeys.decrypt and google.rpc error JSON.
  POST /token                                                        -> bearer token
  POST /v1/projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}[/cryptoKeyVersions/{v}]:encrypt
  POST /v1/projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}:decrypt
Keys are real AES-256-GCM keys. The ciphertext is this emulator's own versioned format:
    0x01 | u32 BE key version | nonce (12) | AES-256-GCM ciphertext || tag (16)
with AAD = "openfle-kms-emulator/gcp" || cryptoKey name || first 5 bytes || additionalAuthenticatedData.
"""

import os
import re
import struct

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from emu_core import (allowed, b64decode_std, b64encode_std, bearer_token, crc32c, json_response,
                      parse_form, parse_json_object)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
KMS_SCOPES = ("https://www.googleapis.com/auth/cloudkms",
              "https://www.googleapis.com/auth/cloud-platform")
DEFAULT_LIFETIME = 3599
MAX_ASSERTION_LIFETIME = 3600
ALLOWED_CLOCK_SKEW = 300
_AAD_LABEL = b"openfle-kms-emulator/gcp"
_KMS_PATH = re.compile(
    r"/v1/(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/:]+)"
    r"(?:/cryptoKeyVersions/([^/:]+))?:(encrypt|decrypt)")
_TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
              "timeframe. Check your iat and exp values in the JWT claim.")
_BAD_CREDENTIALS = ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                    "login cookie or other valid authentication credential. See "
                    "https://developers.google.com/identity/sign-in/web/devconsole-project.")
_NO_CREDENTIALS = ("Request is missing required authentication credential. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}


def rpc_error(code, message, status=None, headers=None):
    """google.rpc.Status JSON as Google REST APIs return it."""
    return json_response(code, {"error": {"code": code, "message": message,
                                          "status": status or _STATUS_NAMES.get(code, "UNKNOWN")}},
                         headers=headers)


def oauth_error(status, error, description):
    return json_response(status, {"error": error, "error_description": description})


class KeyVersion:
    def __init__(self, spec):
        self.id = str(spec.get("id", "1"))
        if not self.id.isdigit():
            raise ValueError(f"gcp key version id {self.id!r} must be a decimal number")
        self.state = spec.get("state", "ENABLED")
        material = spec.get("material")
        raw = b64decode_std(material) if material else os.urandom(32)
        if raw is None or len(raw) != 32:
            raise ValueError("gcp key version 'material' must be base64 of 32 bytes")
        self.aead = AESGCM(raw)


class CryptoKey:
    def __init__(self, spec):
        self.name = spec["name"]
        if not re.fullmatch(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/:]+",
                            self.name):
            raise ValueError(f"gcp key name {self.name!r} is not projects/P/locations/L/"
                             "keyRings/R/cryptoKeys/K")
        self.versions = {v.id: v for v in map(KeyVersion, spec.get("versions") or [{}])}
        self.primary = str(spec.get("primary", next(iter(self.versions))))


class GcpProvider:
    name = "gcp"

    def __init__(self, env):
        self.env = env
        cfg = env.state.get("gcp", {})
        self.accounts = {}
        for account in cfg.get("service_accounts", []):
            entry = dict(account)
            entry["public_key"] = serialization.load_pem_public_key(account["public_key_pem"].encode())
            self.accounts[account["email"]] = entry
        self.scopes = set(cfg.get("scopes", KMS_SCOPES))
        self.audiences = set(cfg.get("audiences", []))
        self.lifetime = cfg.get("token_lifetime", DEFAULT_LIFETIME)
        self.keys = {k["name"]: CryptoKey(k) for k in cfg.get("keys", [])}

    def handle(self, req):
        if req.path == "/token":
            return self._token(req)
        m = _KMS_PATH.fullmatch(req.path)
        if m and req.method == "POST":
            return self._kms(req, m.group(1), m.group(2), m.group(3))
        return rpc_error(404, f"Method not found: {req.method} {req.path}")

    def fault_response(self, status, req):
        if req.path == "/token":
            return oauth_error(status, "internal_failure", "Injected fault.")
        message = "Quota exceeded." if status == 429 else "The service is currently unavailable."
        return rpc_error(status, message)

    # ---- OAuth token endpoint -------------------------------------------------------------------

    def _accepted_audiences(self, req):
        host = req.host()
        bare = host.rsplit(":", 1)[0] if ":" in host else host
        return {"https://oauth2.googleapis.com/token", f"https://{host}/token",
                f"https://{bare}/token"} | self.audiences

    def _token(self, req):
        if req.method != "POST":
            return oauth_error(405, "invalid_request", "Method not allowed: use POST.")
        form = parse_form(req.body) or {}
        grant = form.get("grant_type")
        if grant != JWT_BEARER:
            return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant or ''}")
        assertion = form.get("assertion")
        if not assertion:
            return oauth_error(400, "invalid_request", "Missing required parameter: assertion")
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT: malformed assertion.")
        if header.get("alg") != "RS256":
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        account = self.accounts.get(unverified.get("iss"))
        if account is None:
            return oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        try:
            claims = jwt.decode(assertion, account["public_key"], algorithms=["RS256"],
                                options={"verify_exp": False, "verify_iat": False,
                                         "verify_nbf": False, "verify_aud": False})
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        now = self.env.clock.now()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (iat, exp)):
            return oauth_error(400, "invalid_grant", _TIMEFRAME)
        if exp <= now or iat > now + ALLOWED_CLOCK_SKEW or exp < iat or \
                exp - iat > MAX_ASSERTION_LIFETIME:
            return oauth_error(400, "invalid_grant", _TIMEFRAME)
        accepted = self._accepted_audiences(req)
        if claims.get("aud") not in accepted:
            return oauth_error(400, "invalid_grant",
                               "Invalid JWT: Failed audience check. The right audience is "
                               f"https://{req.host()}/token")
        scopes = str(claims.get("scope", "")).split()
        if not scopes or any(s not in self.scopes for s in scopes):
            return oauth_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token, _ = self.env.tokens.issue("gcp", account["email"], self.lifetime, prefix="ya29.",
                                         scopes=scopes)
        return json_response(200, {"access_token": token, "expires_in": self.lifetime,
                                   "token_type": "Bearer"})

    def mint_token(self, spec):
        """Control API: issue a token without the JWT round trip (lifetime may be negative)."""
        email = spec.get("email")
        if not isinstance(email, str):
            return None, "gcp tokens need a string 'email'"
        lifetime = spec.get("lifetime", self.lifetime)
        scopes = spec.get("scopes", [KMS_SCOPES[0]])
        token, claims = self.env.tokens.issue("gcp", email, lifetime, prefix="ya29.", scopes=scopes)
        return {"access_token": token, "expires_in": lifetime, "expires_on": claims["exp"]}, None

    # ---- Cloud KMS ------------------------------------------------------------------------------

    def _authenticate(self, req):
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                         'error="invalid_token"'}
        token = bearer_token(req)
        if token is None:
            return None, rpc_error(401, _NO_CREDENTIALS, headers=challenge)
        claims, _ = self.env.tokens.verify(token, "gcp", prefix="ya29.")
        if claims is None:
            return None, rpc_error(401, _BAD_CREDENTIALS, headers=challenge)
        if not any(s in KMS_SCOPES or s in self.scopes for s in claims.get("scopes", [])):
            return None, rpc_error(403, "Request had insufficient authentication scopes.")
        return claims, None

    def _kms(self, req, key_name, version_id, op):
        claims, failure = self._authenticate(req)
        if failure:
            return failure
        if op == "decrypt" and version_id is not None:
            return rpc_error(404, f"Method not found: cryptoKeyVersions.decrypt on {key_name}")
        body = parse_json_object(req.body)
        if body is None:
            return rpc_error(400, "Invalid JSON payload received.")
        permission = "useToEncrypt" if op == "encrypt" else "useToDecrypt"
        account = self.accounts.get(claims["sub"], {})
        if not allowed(account.get("allowed_keys"), key_name):
            return rpc_error(403, f"Permission 'cloudkms.cryptoKeyVersions.{permission}' denied on "
                                  f"resource '{key_name}' (or it may not exist).")
        key = self.keys.get(key_name)
        if key is None:
            return rpc_error(404, f"{key_name} not found.")
        aad = _optional_bytes(body, "additionalAuthenticatedData")
        if aad is False:
            return _bad_bytes("additionalAuthenticatedData")
        if op == "encrypt":
            return self._encrypt(key, version_id, body, aad or b"")
        return self._decrypt(key, body, aad or b"")

    def _encrypt(self, key, version_id, body, aad):
        plaintext = _optional_bytes(body, "plaintext")
        if plaintext is False:
            return _bad_bytes("plaintext")
        if not plaintext:
            return rpc_error(400, "plaintext is required.")
        if len(plaintext) > 65536:
            return rpc_error(400, "The plaintext must be at most 65536 bytes.")
        failure = _check_crc(body, "plaintextCrc32c", plaintext)
        if failure:
            return failure
        vid = version_id or key.primary
        version = key.versions.get(vid)
        if version is None:
            return rpc_error(404, f"{key.name}/cryptoKeyVersions/{vid} not found.")
        if version.state != "ENABLED":
            return rpc_error(400, f"{key.name}/cryptoKeyVersions/{vid} is not enabled, current "
                                  f"state is: {version.state}.", "FAILED_PRECONDITION")
        header = struct.pack(">BI", 1, int(vid))
        nonce = os.urandom(12)
        sealed = version.aead.encrypt(nonce, plaintext, _AAD_LABEL + key.name.encode() + header + aad)
        ciphertext = header + nonce + sealed
        return json_response(200, {
            "name": f"{key.name}/cryptoKeyVersions/{vid}",
            "ciphertext": b64encode_std(ciphertext),
            "ciphertextCrc32c": str(crc32c(ciphertext)),
            "verifiedPlaintextCrc32c": "plaintextCrc32c" in body,
            "verifiedAdditionalAuthenticatedDataCrc32c": False,
            "protectionLevel": "SOFTWARE",
        })

    def _decrypt(self, key, body, aad):
        ciphertext = _optional_bytes(body, "ciphertext")
        if ciphertext is False:
            return _bad_bytes("ciphertext")
        if not ciphertext:
            return rpc_error(400, "ciphertext is required.")
        failure = _check_crc(body, "ciphertextCrc32c", ciphertext)
        if failure:
            return failure
        invalid = rpc_error(400, "Decryption failed: the ciphertext is invalid.")
        if len(ciphertext) < 5 + 12 + 16 or ciphertext[0] != 1:
            return invalid
        (vnum,) = struct.unpack(">I", ciphertext[1:5])
        version = key.versions.get(str(vnum))
        if version is None:
            return invalid
        if version.state != "ENABLED":
            return rpc_error(400, f"{key.name}/cryptoKeyVersions/{vnum} is not enabled, current "
                                  f"state is: {version.state}.", "FAILED_PRECONDITION")
        try:
            plaintext = version.aead.decrypt(ciphertext[5:17], ciphertext[17:],
                                             _AAD_LABEL + key.name.encode() + ciphertext[:5] + aad)
        except InvalidTag:
            return invalid
        return json_response(200, {
            "plaintext": b64encode_std(plaintext),
            "plaintextCrc32c": str(crc32c(plaintext)),
            "usedPrimary": str(vnum) == key.primary,
            "protectionLevel": "SOFTWARE",
        })


def _optional_bytes(body, field):
    """Decoded bytes field; None when absent, False when not valid base64."""
    if field not in body:
        return None
    raw = b64decode_std(body[field])
    return False if raw is None else raw


def _bad_bytes(field):
    return rpc_error(400, f"Invalid value at '{field}' (TYPE_BYTES), Base64 decoding failed.")


def _check_crc(body, field, data):
    if field not in body:
        return None
    given = body[field]
    try:
        ok = int(given) == crc32c(data)
    except (TypeError, ValueError):
        return rpc_error(400, f"Invalid value at '{field}' (TYPE_INT64).")
    if not ok:
        return rpc_error(400, f"The checksum in field {field} did not match the data.")
    return None


def new_service_account(email):
    """A state entry for a service account with a fresh RSA-2048 key (used by make_state.py).

    private_key_pem / private_key_pkcs8_der_b64 are for clients (MongoDB's gcp.privateKey is the
    base64 PKCS#8 DER); the emulator itself only reads public_key_pem.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"email": email, "public_key_pem": public.decode(), "private_key_pem": pem.decode(),
            "private_key_pkcs8_der_b64": b64encode_std(der)}

