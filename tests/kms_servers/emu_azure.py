"""Azure emulator: Microsoft identity platform token endpoint + Key Vault wrapkey/unwrapkey.

Wire facts: shared/reference/kms-servers.md section 4; Microsoft docs "OAuth 2.0 client credentials
flow" (v2.0 token endpoint, AADSTS error format) and Key Vault REST "Wrap Key"/"Unwrap Key"
(api-version 7.1). One process routes by path:
  POST /{tenant}/oauth2/v2.0/token                         -> bearer token (form body)
  POST /keys/{name}[/{version}]/wrapkey?api-version=7.1    -> RSA-OAEP-256 wrap with a real RSA-2048 key
  POST /keys/{name}//wrapkey?api-version=7.1               -> libmongocrypt's form when keyVersion is unset
  GET  /keys/{name}[/{version}]?api-version=7.1            -> key bundle with the public JWK
Tokens are emu_core.TokenAuthority tokens, so a token endpoint and a vault started as two processes
from the same state file accept each other's tokens.
"""

import datetime
import hmac
import re
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from emu_core import (allowed, b64url_decode, b64url_encode, bearer_token, json_response,
                      parse_form, parse_json_object)

_TOKEN_PATH = re.compile(r"/([^/]+)/oauth2/v2\.0/token")
_KEY_OP_PATH = re.compile(r"/keys/([^/]+)(?:/([^/]*))?/(wrapkey|unwrapkey)", re.IGNORECASE)
_KEY_PATH = re.compile(r"/keys/([^/]+)(?:/([^/]*))?/?")
_API_VERSION = re.compile(r"7\.\d+(-preview(\.\d+)?)?|2016-10-01")
_ALGORITHMS = {
    "RSA-OAEP-256": lambda: padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
    "RSA-OAEP": lambda: padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
    "RSA1_5": padding.PKCS1v15,
}
DEFAULT_LIFETIME = 3599


class KeyVersion:
    def __init__(self, spec):
        self.version = spec.get("version") or uuid.uuid4().hex
        self.enabled = spec.get("enabled", True)
        pem = spec.get("private_key_pem")
        if pem:
            self.private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        else:
            self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class VaultKey:
    def __init__(self, spec):
        self.name = spec["name"]
        self.allowed_clients = spec.get("allowed_clients")
        self.versions = [KeyVersion(v) for v in spec.get("versions") or [{}]]

    def find(self, version):
        if not version:
            return self.versions[-1]  # the newest version is the current one
        return next((v for v in self.versions if v.version == version), None)


class AzureProvider:
    name = "azure"

    def __init__(self, env):
        self.env = env
        cfg = env.state.get("azure", {})
        self.clients = {(c["tenant_id"], c["client_id"]): c for c in cfg.get("clients", [])}
        self.tenants = {c["tenant_id"] for c in cfg.get("clients", [])}
        self.scope_domains = cfg.get("scope_domains", ["vault.azure.net"])
        self.lifetime = cfg.get("token_lifetime", DEFAULT_LIFETIME)
        self.keys = {k["name"]: VaultKey(k) for k in cfg.get("keys", [])}

    def handle(self, req):
        m = _TOKEN_PATH.fullmatch(req.path)
        if m:
            return self._token(req, m.group(1))
        m = _KEY_OP_PATH.fullmatch(req.path)
        if m:
            return self._key_operation(req, m.group(1), m.group(2), m.group(3).lower())
        m = _KEY_PATH.fullmatch(req.path)
        if m and req.method == "GET":
            return self._get_key(req, m.group(1), m.group(2))
        return vault_error(404, "NotFound", f"The requested resource {req.path} was not found.")

    def fault_response(self, status, req):
        if _TOKEN_PATH.fullmatch(req.path):
            return self._aad_error(status, "temporarily_unavailable", 50196,
                                   "The server is temporarily unavailable (injected fault).")
        code = "Throttled" if status == 429 else "ServiceUnavailable" if status >= 500 else "BadRequest"
        return vault_error(status, code, "Injected fault.")

    # ---- identity platform ----------------------------------------------------------------------

    def _aad_error(self, status, error, code, description):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return json_response(status, {
            "error": error,
            "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\n"
                                 f"Correlation ID: {correlation}\r\nTimestamp: {now}",
            "error_codes": [code], "timestamp": now, "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }, headers={"Cache-Control": "no-store, no-cache"})

    def _token(self, req, tenant):
        if req.method != "POST":
            return self._aad_error(400, "invalid_request", 900561,
                                   "The endpoint only accepts POST requests. Received a "
                                   f"{req.method} request.")
        if tenant not in self.tenants:
            return self._aad_error(400, "invalid_request", 90002,
                                   f"Tenant '{tenant}' not found. Check to make sure you have the "
                                   "correct tenant ID and are signing into the correct cloud.")
        form = parse_form(req.body) or {}
        for field in ("grant_type", "client_id", "scope"):
            if not form.get(field):
                return self._aad_error(400, "invalid_request", 900144,
                                       "The request body must contain the following parameter: "
                                       f"'{field}'.")
        if form["grant_type"] != "client_credentials":
            return self._aad_error(400, "unsupported_grant_type", 70003,
                                   "The app requested an unsupported grant type "
                                   f"'{form['grant_type']}'.")
        client_id = form["client_id"]
        client = self.clients.get((tenant, client_id))
        if client is None:
            return self._aad_error(400, "unauthorized_client", 700016,
                                   f"Application with identifier '{client_id}' was not found in "
                                   f"the directory '{tenant}'.")
        scope = form["scope"]
        if not scope.endswith("/.default"):
            return self._aad_error(400, "invalid_scope", 1002012,
                                   f"The provided value for scope {scope} is not valid. Client "
                                   "credential flows must have a scope value with /.default "
                                   "suffixed to the resource identifier (application ID URI).")
        resource = scope[: -len("/.default")]
        domain = _resource_domain(resource)
        if domain not in self.scope_domains:
            return self._aad_error(400, "invalid_resource", 500011,
                                   f"The resource principal named {resource} was not found in the "
                                   f"tenant named {tenant}.")
        secret = form.get("client_secret")
        if not secret:
            return self._aad_error(401, "invalid_client", 7000216,
                                   "'client_assertion', 'client_secret' or 'request' is required "
                                   "for the 'client_credentials' grant type.")
        if not _secret_equal(secret, client["client_secret"]):
            return self._aad_error(401, "invalid_client", 7000215,
                                   "Invalid client secret provided. Ensure the secret being sent "
                                   "in the request is the client secret value, not the client "
                                   f"secret ID, for a secret added to app '{client_id}'.")
        token, _ = self.env.tokens.issue("azure", client_id, self.lifetime, tid=tenant, aud=domain)
        return json_response(200, {"token_type": "Bearer", "expires_in": self.lifetime,
                                   "ext_expires_in": self.lifetime, "access_token": token},
                             headers={"Cache-Control": "no-store, no-cache"})

    def mint_token(self, spec):
        """Control API: issue a token without the OAuth round trip (lifetime may be negative)."""
        client_id = spec.get("client_id")
        if not isinstance(client_id, str):
            return None, "azure tokens need a string 'client_id'"
        lifetime = spec.get("lifetime", self.lifetime)
        tenant = spec.get("tenant_id") or next(
            (t for (t, c) in self.clients if c == client_id), "unknown-tenant")
        domain = spec.get("scope_domain", self.scope_domains[0])
        token, claims = self.env.tokens.issue("azure", client_id, lifetime, tid=tenant, aud=domain)
        return {"access_token": token, "expires_in": lifetime, "expires_on": claims["exp"]}, None

    # ---- Key Vault ------------------------------------------------------------------------------

    def _authenticate(self, req):
        """Return (claims, None) or (None, 401 response) for the request's bearer token."""
        challenge = {"WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/'
                                         'common", resource="https://vault.azure.net"'}
        token = bearer_token(req)
        if token is None:
            return None, vault_error(401, "Unauthorized",
                                     "AKV10000: Request is missing a Bearer or PoP token.", challenge)
        claims, problem = self.env.tokens.verify(token, "azure")
        if problem == "expired":
            return None, vault_error(401, "Unauthorized",
                                     "[TokenExpired] Error validating token: 'S2S12086'.", challenge)
        if claims is None:
            return None, vault_error(401, "Unauthorized",
                                     "[BearerReadAccessTokenFailed] Error validating token: "
                                     "'S2S12005'.", challenge)
        # Tokens are bound to a resource; enforce it when the Host names one of our vault domains.
        host = req.host().rsplit(":", 1)[0] if ":" in req.host() else req.host()
        domain = host.split(".", 1)[1] if "." in host else ""
        if domain in self.scope_domains and claims.get("aud") != domain:
            return None, vault_error(401, "Unauthorized",
                                     f"AKV10022: Invalid audience. Expected https://{domain}, "
                                     f"found: https://{claims.get('aud')}.", challenge)
        return claims, None

    def _check_api_version(self, req):
        version = req.query_params().get("api-version")
        if version is None:
            return vault_error(400, "BadParameter", "The 'api-version' query parameter is missing.")
        if not _API_VERSION.fullmatch(version):
            return vault_error(400, "BadParameter",
                               f"The specified version ({version}) is not recognized. Consider "
                               "using the latest supported version (7.4).")
        return None

    def _find_key(self, name, version, client_id, action):
        key = self.keys.get(name)
        found = key.find(version) if key else None
        if found is None:
            shown = f"{name}/{version}" if version else name
            return None, vault_error(404, "KeyNotFound",
                                     f"A key with (name/id) {shown} was not found in this key "
                                     "vault. If you recently deleted this key you may be able to "
                                     "recover it using the correct recovery command. For help "
                                     "resolving this issue, please see "
                                     "https://go.microsoft.com/fwlink/?linkid=2125182")
        if client_id is not None and not allowed(key.allowed_clients, client_id):
            return None, vault_error(403, "Forbidden",
                                     "The user, group or application 'appid=" + client_id +
                                     f"' does not have keys {action} permission on key vault.",
                                     inner="AccessDenied")
        return found, None

    def _kid(self, req, name, version):
        host = req.host() or "localhost"
        if host.endswith(":443"):
            host = host[:-4]
        return f"https://{host}/keys/{name}/{version}"

    def _key_operation(self, req, name, version, op):
        if req.method != "POST":
            return vault_error(405, "MethodNotAllowed",
                               f"The requested resource does not support http method '{req.method}'.")
        claims, failure = self._authenticate(req)
        if failure:
            return failure
        failure = self._check_api_version(req)
        if failure:
            return failure
        body = parse_json_object(req.body)
        if body is None:
            return vault_error(400, "BadParameter", "The request body is not a valid JSON object.")
        alg = body.get("alg")
        if alg not in _ALGORITHMS:
            return vault_error(400, "BadParameter",
                               f"Property 'alg' has invalid value '{alg}'. Expected one of "
                               f"{', '.join(_ALGORITHMS)}.")
        value = b64url_decode(body.get("value"))
        if value is None:
            return vault_error(400, "BadParameter", "Property 'value' must be base64url.")
        action = "wrapKey" if op == "wrapkey" else "unwrapKey"
        key, failure = self._find_key(name, version, claims["sub"], action)
        if failure:
            return failure
        if not key.enabled:
            return vault_error(403, "Forbidden", f"Operation {action} is not allowed on a disabled key.")
        pad = _ALGORITHMS[alg]()
        try:
            if op == "wrapkey":
                out = key.private_key.public_key().encrypt(value, pad)
            else:
                out = key.private_key.decrypt(value, pad)
        except ValueError:
            return vault_error(400, "BadParameter", "The parameter is incorrect.\r\n")
        return json_response(200, {"kid": self._kid(req, name, key.version), "value": b64url_encode(out)})

    def _get_key(self, req, name, version):
        claims, failure = self._authenticate(req)
        if failure:
            return failure
        failure = self._check_api_version(req)
        if failure:
            return failure
        key, failure = self._find_key(name, version, claims["sub"], "get")
        if failure:
            return failure
        numbers = key.private_key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return json_response(200, {
            "key": {"kid": self._kid(req, name, key.version), "kty": "RSA",
                    "key_ops": ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
                    "n": b64url_encode(n), "e": b64url_encode(e)},
            "attributes": {"enabled": key.enabled, "recoveryLevel": "Recoverable+Purgeable"},
        })


def vault_error(status, code, message, headers=None, inner=None):
    error = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    return json_response(status, {"error": error}, headers=headers)


def _resource_domain(resource):
    """'https://vault.azure.net' (optionally with a trailing '/') -> 'vault.azure.net'."""
    if not resource.startswith("https://"):
        return None
    return resource[len("https://"):].rstrip("/")


def _secret_equal(given, expected):
    return hmac.compare_digest(given.encode(), expected.encode())


def new_key_spec(name, versions=1):
    """A state-file key entry with persisted RSA-2048 material (used by make_state.py)."""
    out = []
    for _ in range(versions):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        out.append({"version": uuid.uuid4().hex, "private_key_pem": pem})
    return {"name": name, "versions": out}

