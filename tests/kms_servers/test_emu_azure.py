"""Azure emulator: client-credentials tokens and Key Vault wrapkey/unwrapkey with RSA-OAEP-256."""

import base64
import json
import os
import unittest
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from emu_testlib import Emulator, form, shared

VAULT_HOST = "openfle.vault.azure.net"
OAEP256 = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AzureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = shared()["state"]["azure"]
        cls.client = cls.state["clients"][0]
        cls.emu = Emulator("azure").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.control("POST", "clock", {"offset_seconds": 0})

    # ---- helpers --------------------------------------------------------------------------------

    def token_request(self, tenant=None, secret=None, scope=None, client_id=None,
                      grant="client_credentials", raw_body=None, emu=None):
        body = raw_body if raw_body is not None else form([
            ("client_id", client_id or self.client["client_id"]),
            ("scope", urllib.parse.quote(scope or "https://vault.azure.net/.default", safe="")),
            ("client_secret", urllib.parse.quote(secret or self.client["client_secret"], safe="")),
            ("grant_type", grant)])
        path = f"/{tenant or self.client['tenant_id']}/oauth2/v2.0/token"
        return (emu or self.emu).json("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})

    def token(self):
        status, body = self.token_request()
        self.assertEqual(status, 200, body)
        return body["access_token"]

    def key_op(self, op, value, token=None, name="openfle-key", version="", alg="RSA-OAEP-256",
               query="?api-version=7.1", host=VAULT_HOST, emu=None, path=None):
        headers = {"Content-Type": "application/json", "Accept": "application/json", "Host": host}
        if token is not False:
            headers["Authorization"] = f"Bearer {token or self.token()}"
        path = path or f"/keys/{name}/{version}/{op}{query}"
        status, hdrs, raw = (emu or self.emu).request(
            "POST", path, {"alg": alg, "value": b64url(value) if isinstance(value, bytes) else value},
            headers)
        return status, hdrs, json.loads(raw)

    def private_key(self, name="openfle-key", index=-1):
        spec = next(k for k in self.state["keys"] if k["name"] == name)["versions"][index]
        return serialization.load_pem_private_key(spec["private_key_pem"].encode(), None), spec["version"]

    def assertVaultError(self, result, status, code, message_part=None):
        got, hdrs, body = result
        self.assertEqual(got, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if message_part:
            self.assertIn(message_part, body["error"]["message"])
        return hdrs

    def assertAadError(self, result, status, error, code):
        got, body = result
        self.assertEqual((got, body["error"]), (status, error), body)
        self.assertEqual(body["error_codes"], [code])
        self.assertTrue(body["error_description"].startswith(f"AADSTS{code}: "))
        for field in ("timestamp", "trace_id", "correlation_id", "error_uri"):
            self.assertIn(field, body)

    # ---- token endpoint -------------------------------------------------------------------------

    def test_token_reply_shape(self):
        status, hdrs, raw = self.emu.request(
            "POST", f"/{self.client['tenant_id']}/oauth2/v2.0/token",
            form([("client_id", self.client["client_id"]),
                  ("scope", "https%3A%2F%2Fvault.azure.net%2F.default"),
                  ("client_secret", self.client["client_secret"]),  # unencoded, like libmongocrypt
                  ("grant_type", "client_credentials")]),
            {"Content-Type": "application/x-www-form-urlencoded"})
        body = json.loads(raw)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3599)
        self.assertEqual(body["ext_expires_in"], 3599)
        self.assertIsInstance(body["access_token"], str)
        self.assertIn("no-store", hdrs["cache-control"])

    def test_token_errors(self):
        self.assertAadError(self.token_request(secret="wrong"), 401, "invalid_client", 7000215)
        self.assertAadError(self.token_request(tenant="00000000-0000-0000-0000-000000000000"),
                            400, "invalid_request", 90002)
        self.assertAadError(self.token_request(client_id="nobody"), 400, "unauthorized_client", 700016)
        self.assertAadError(self.token_request(scope="https://vault.azure.net"), 400,
                            "invalid_scope", 1002012)
        self.assertAadError(self.token_request(scope="https://graph.microsoft.com/.default"), 400,
                            "invalid_resource", 500011)
        self.assertAadError(self.token_request(grant="password"), 400, "unsupported_grant_type", 70003)
        self.assertAadError(self.token_request(raw_body=form([("client_id", self.client["client_id"]),
                                                              ("grant_type", "client_credentials")])),
                            400, "invalid_request", 900144)
        self.assertAadError(self.token_request(raw_body=form([
            ("client_id", self.client["client_id"]), ("grant_type", "client_credentials"),
            ("scope", "https%3A%2F%2Fvault.azure.net%2F.default")])), 401, "invalid_client", 7000216)

    # ---- Key Vault ------------------------------------------------------------------------------

    def test_wrap_unwrap_round_trip_on_every_path_form(self):
        key, latest = self.private_key()
        for version, path_fmt in (("", "/keys/openfle-key//{op}"),        # libmongocrypt, no version
                                  ("", "/keys/openfle-key/{op}"),
                                  (latest, "/keys/openfle-key/" + latest + "/{op}")):
            dek = os.urandom(96)
            status, _, wrapped = self.key_op("wrapkey", dek, path=path_fmt.format(op="wrapkey")
                                             + "?api-version=7.1")
            self.assertEqual(status, 200, wrapped)
            self.assertEqual(wrapped["kid"], f"https://{VAULT_HOST}/keys/openfle-key/{latest}")
            self.assertNotIn("=", wrapped["value"])
            raw = unb64url(wrapped["value"])
            self.assertEqual(len(raw), 256)
            self.assertEqual(key.decrypt(raw, OAEP256), dek)  # real RSA-OAEP-256 with the state key
            # unwrap accepts padded base64url too (libmongocrypt 1.7.2 sends it padded)
            padded = base64.urlsafe_b64encode(raw).decode()
            status, _, unwrapped = self.key_op("unwrapkey", padded,
                                               path=path_fmt.format(op="unwrapkey") + "?api-version=7.1")
            self.assertEqual(status, 200, unwrapped)
            self.assertEqual(unb64url(unwrapped["value"]), dek)

    def test_older_version_and_local_wrap(self):
        old_key, old_version = self.private_key(index=0)
        dek = os.urandom(32)
        wrapped = old_key.public_key().encrypt(dek, OAEP256)
        status, _, body = self.key_op("unwrapkey", wrapped, version=old_version)
        self.assertEqual((status, unb64url(body["value"])), (200, dek))
        self.assertTrue(body["kid"].endswith("/" + old_version))
        # the current version cannot unwrap what the old one wrapped
        self.assertVaultError(self.key_op("unwrapkey", wrapped), 400, "BadParameter")

    def test_kid_drops_port_443_only(self):
        _, _, body = self.key_op("wrapkey", b"x", host=f"{VAULT_HOST}:443")
        self.assertTrue(body["kid"].startswith(f"https://{VAULT_HOST}/keys/"))
        _, _, body = self.key_op("wrapkey", b"x", host="127.0.0.1:8443")
        self.assertTrue(body["kid"].startswith("https://127.0.0.1:8443/keys/"))

    def test_missing_bad_and_expired_tokens(self):
        hdrs = self.assertVaultError(self.key_op("wrapkey", b"x", token=False), 401, "Unauthorized",
                                     "AKV10000")
        self.assertIn("Bearer authorization=", hdrs["www-authenticate"])
        self.assertVaultError(self.key_op("wrapkey", b"x", token="not-a-token"), 401, "Unauthorized")
        token = self.token()
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        self.assertVaultError(self.key_op("wrapkey", b"x", token=forged), 401, "Unauthorized")
        minted = self.emu.control("POST", "tokens", {"client_id": self.client["client_id"],
                                                     "lifetime": -1})
        self.assertVaultError(self.key_op("wrapkey", b"x", token=minted["access_token"]), 401,
                              "Unauthorized", "TokenExpired")
        self.emu.control("POST", "clock", {"offset_seconds": 3600})
        self.assertVaultError(self.key_op("wrapkey", b"x", token=token), 401, "Unauthorized",
                              "TokenExpired")

    def test_token_audience_must_match_the_vault_domain(self):
        status, body = self.token_request(scope="https://vault.azure.cn/.default")
        self.assertEqual(status, 200)
        self.assertVaultError(self.key_op("wrapkey", b"x", token=body["access_token"]), 401,
                              "Unauthorized", "AKV10022")
        self.assertEqual(self.key_op("wrapkey", b"x", token=body["access_token"],
                                     host="openfle.vault.azure.cn")[0], 200)

    def test_vault_errors(self):
        self.assertVaultError(self.key_op("wrapkey", b"x", name="nope"), 404, "KeyNotFound",
                              "A key with (name/id) nope was not found")
        self.assertVaultError(self.key_op("wrapkey", b"x", version="0" * 32), 404, "KeyNotFound")
        self.assertVaultError(self.key_op("wrapkey", b"x", query=""), 400, "BadParameter")
        self.assertVaultError(self.key_op("wrapkey", b"x", query="?api-version=1.0"), 400,
                              "BadParameter")
        self.assertVaultError(self.key_op("wrapkey", b"x", alg="A256KW"), 400, "BadParameter")
        self.assertVaultError(self.key_op("unwrapkey", os.urandom(256)), 400, "BadParameter")
        self.assertVaultError(self.key_op("wrapkey", "+/not-url-safe"), 400, "BadParameter")
        self.assertVaultError(self.key_op("wrapkey", b"x", name="other-key"), 403, "Forbidden")

    def test_get_key_returns_the_public_jwk(self):
        key, version = self.private_key()
        status, body = self.emu.json("GET", "/keys/openfle-key?api-version=7.1",
                                     headers={"Authorization": f"Bearer {self.token()}",
                                              "Host": VAULT_HOST})
        self.assertEqual(status, 200, body)
        numbers = key.public_key().public_numbers()
        self.assertEqual(int.from_bytes(unb64url(body["key"]["n"]), "big"), numbers.n)
        self.assertEqual(body["key"]["kid"], f"https://{VAULT_HOST}/keys/openfle-key/{version}")

    def test_identity_and_vault_as_separate_processes(self):
        with Emulator("azure") as identity, Emulator("azure") as vault:
            status, body = self.token_request(emu=identity)
            self.assertEqual(status, 200, body)
            status, _, wrapped = self.key_op("wrapkey", b"dek", token=body["access_token"], emu=vault)
            self.assertEqual(status, 200, wrapped)
            self.assertEqual(len(identity.control("GET", "requests")), 1)
            self.assertEqual(len(vault.control("GET", "requests")), 1)


if __name__ == "__main__":
    unittest.main()
