"""GCP emulator: RS256 JWT-bearer tokens and Cloud KMS encrypt/decrypt."""

import base64
import json
import os
import time
import unittest

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from emu_core import crc32c
from emu_testlib import Emulator, form, shared

CLOUDKMS = "https://www.googleapis.com/auth/cloudkms"
GRANT = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"


class GcpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = shared()["state"]["gcp"]
        cls.sa = cls.state["service_accounts"][0]
        cls.limited = cls.state["service_accounts"][1]
        cls.key_name = cls.state["keys"][0]["name"]
        cls.other_key = cls.state["keys"][1]["name"]
        cls.emu = Emulator("gcp").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.control("POST", "clock", {"offset_seconds": 0})

    # ---- helpers --------------------------------------------------------------------------------

    def assertion(self, sa=None, key_pem=None, alg="RS256", **claims):
        sa = sa or self.sa
        now = int(time.time())
        body = {"iss": sa["email"], "aud": "https://oauth2.googleapis.com/token", "scope": CLOUDKMS,
                "iat": now, "exp": now + 300}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key_pem or sa["private_key_pem"], algorithm=alg,
                          headers={"typ": "JWT"})

    def token_request(self, assertion, grant=GRANT, host=None):
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if host:
            headers["Host"] = host
        return self.emu.json("POST", "/token", form([("grant_type", grant), ("assertion", assertion)]),
                             headers)

    def token(self, sa=None):
        status, body = self.token_request(self.assertion(sa))
        self.assertEqual(status, 200, body)
        return body["access_token"]

    def kms(self, op, body, token=None, key=None, version=None):
        path = f"/v1/{key or self.key_name}"
        if version:
            path += f"/cryptoKeyVersions/{version}"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token is not False:
            headers["Authorization"] = f"Bearer {token or self.token()}"
        return self.emu.json("POST", f"{path}:{op}", body, headers)

    def encrypt(self, plaintext, **kw):
        return self.kms("encrypt", {"plaintext": base64.b64encode(plaintext).decode()}, **kw)

    def assertRpcError(self, result, code, status, message_part=None):
        got, body = result
        self.assertEqual(got, code, body)
        self.assertEqual(body["error"]["code"], code)
        self.assertEqual(body["error"]["status"], status)
        if message_part:
            self.assertIn(message_part, body["error"]["message"])

    def assertOauthError(self, result, error, description_part):
        got, body = result
        self.assertEqual((got, body["error"]), (400, error), body)
        self.assertIn(description_part, body["error_description"])

    # ---- token endpoint -------------------------------------------------------------------------

    def test_token_reply_shape(self):
        status, body = self.token_request(self.assertion())
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3599)
        self.assertTrue(body["access_token"].startswith("ya29."))

    def test_audience_may_name_the_host_it_was_sent_to(self):
        # libmongocrypt uses aud https://<endpoint host>/token for a custom endpoint (no port).
        for aud in ("https://127.0.0.1/token", f"https://localhost:{self.emu.port}/token"):
            status, body = self.token_request(self.assertion(aud=aud), host=aud[8:-6])
            self.assertEqual(status, 200, (aud, body))

    def test_padded_base64url_segments_are_accepted(self):
        # libmongocrypt 1.7.2 emits '=' padding in every JWT segment and signs the padded text.
        key = serialization.load_pem_private_key(self.sa["private_key_pem"].encode(), None)
        now = int(time.time())
        claims = {"iss": self.sa["email"], "aud": "https://oauth2.googleapis.com/token",
                  "scope": CLOUDKMS, "iat": now, "exp": now + 300}
        while len(json.dumps(claims)) % 3 == 0:  # make sure the claims segment really is padded
            claims["jti"] = claims.get("jti", "") + "x"
        segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).decode()
                    for part in ({"alg": "RS256", "typ": "JWT"}, claims)]
        signing_input = ".".join(segments)
        self.assertTrue(segments[1].endswith("="))
        sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        status, body = self.token_request(signing_input + "." + base64.urlsafe_b64encode(sig).decode())
        self.assertEqual(status, 200, body)

    def test_jwt_errors(self):
        rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.assertOauthError(self.token_request(self.assertion(key_pem=rogue)), "invalid_grant",
                              "Invalid JWT Signature.")
        self.assertOauthError(self.token_request(self.assertion(key_pem="shared-secret", alg="HS256")),
                              "invalid_grant", "Invalid JWT Signature.")
        self.assertOauthError(self.token_request(self.assertion(iss="ghost@x.iam.gserviceaccount.com")),
                              "invalid_grant", "account not found")
        now = int(time.time())
        for claims in ({"iat": now - 700, "exp": now - 400}, {"iat": now, "exp": now + 3601},
                       {"iat": now + 900, "exp": now + 1000}, {"exp": None}):
            self.assertOauthError(self.token_request(self.assertion(**claims)), "invalid_grant",
                                  "Check your iat and exp values")
        self.assertOauthError(self.token_request(self.assertion(aud="https://evil.example/token")),
                              "invalid_grant", "Failed audience check")
        self.assertOauthError(self.token_request(self.assertion(scope="https://www.0.0.1/auth/cloudkms")),
                              "invalid_scope", "Invalid OAuth scope")
        self.assertOauthError(self.token_request(self.assertion(), grant="client_credentials"),
                              "unsupported_grant_type", "Invalid grant_type")
        self.assertOauthError(self.token_request("not.a.jwt"), "invalid_grant", "Invalid JWT")
        self.emu.control("POST", "clock", {"offset_seconds": 301})
        self.assertOauthError(self.token_request(self.assertion()), "invalid_grant", "iat and exp")

    # ---- Cloud KMS ------------------------------------------------------------------------------

    def test_encrypt_decrypt_round_trip_and_reply_shape(self):
        token = self.token()
        plaintext = os.urandom(96)
        status, enc = self.encrypt(plaintext, token=token)
        self.assertEqual(status, 200, enc)
        self.assertEqual(enc["name"], self.key_name + "/cryptoKeyVersions/2")  # the primary
        ciphertext = base64.b64decode(enc["ciphertext"])
        self.assertEqual(enc["ciphertextCrc32c"], str(crc32c(ciphertext)))
        self.assertEqual(enc["protectionLevel"], "SOFTWARE")
        self.assertIs(enc["verifiedPlaintextCrc32c"], False)
        status, dec = self.kms("decrypt", {"ciphertext": enc["ciphertext"]}, token=token)
        self.assertEqual(status, 200, dec)
        self.assertEqual(base64.b64decode(dec["plaintext"]), plaintext)
        self.assertEqual(dec["plaintextCrc32c"], str(crc32c(plaintext)))
        self.assertIs(dec["usedPrimary"], True)

    def test_explicit_version_and_non_primary_decrypt(self):
        status, enc = self.encrypt(b"v1", version="1")
        self.assertEqual((status, enc["name"]), (200, self.key_name + "/cryptoKeyVersions/1"))
        status, dec = self.kms("decrypt", {"ciphertext": enc["ciphertext"]})
        self.assertEqual((status, base64.b64decode(dec["plaintext"])), (200, b"v1"))
        self.assertIs(dec["usedPrimary"], False)
        self.assertRpcError(self.encrypt(b"x", version="3"), 400, "FAILED_PRECONDITION", "DISABLED")
        self.assertRpcError(self.encrypt(b"x", version="9"), 404, "NOT_FOUND")
        self.assertRpcError(self.kms("decrypt", {"ciphertext": enc["ciphertext"]}, version="1"),
                            404, "NOT_FOUND")

    def test_ciphertext_is_authenticated_and_bound_to_key_and_aad(self):
        _, enc = self.encrypt(b"secret", token=None)
        raw = bytearray(base64.b64decode(enc["ciphertext"]))
        raw[20] ^= 0x80
        self.assertRpcError(self.kms("decrypt", {"ciphertext": base64.b64encode(bytes(raw)).decode()}),
                            400, "INVALID_ARGUMENT", "Decryption failed")
        self.assertRpcError(self.kms("decrypt", {"ciphertext": enc["ciphertext"]}, key=self.other_key),
                            400, "INVALID_ARGUMENT", "Decryption failed")
        aad = base64.b64encode(b"context").decode()
        _, enc = self.kms("encrypt", {"plaintext": base64.b64encode(b"p").decode(),
                                      "additionalAuthenticatedData": aad})
        self.assertRpcError(self.kms("decrypt", {"ciphertext": enc["ciphertext"]}), 400,
                            "INVALID_ARGUMENT")
        status, dec = self.kms("decrypt", {"ciphertext": enc["ciphertext"],
                                           "additionalAuthenticatedData": aad})
        self.assertEqual((status, base64.b64decode(dec["plaintext"])), (200, b"p"))

    def test_checksums_are_verified_when_sent(self):
        good = {"plaintext": base64.b64encode(b"abc").decode(), "plaintextCrc32c": str(crc32c(b"abc"))}
        status, enc = self.kms("encrypt", good)
        self.assertEqual(status, 200)
        self.assertIs(enc["verifiedPlaintextCrc32c"], True)
        self.assertRpcError(self.kms("encrypt", dict(good, plaintextCrc32c="1")), 400,
                            "INVALID_ARGUMENT", "checksum")

    def test_authentication_and_permission_errors(self):
        self.assertRpcError(self.encrypt(b"x", token=False), 401, "UNAUTHENTICATED",
                            "missing required authentication credential")
        self.assertRpcError(self.encrypt(b"x", token="ya29.garbage"), 401, "UNAUTHENTICATED",
                            "invalid authentication credentials")
        expired = self.emu.control("POST", "tokens", {"email": self.sa["email"], "lifetime": -5})
        self.assertRpcError(self.encrypt(b"x", token=expired["access_token"]), 401, "UNAUTHENTICATED")
        token = self.token()
        self.emu.control("POST", "clock", {"offset_seconds": 3600})
        self.assertRpcError(self.encrypt(b"x", token=token), 401, "UNAUTHENTICATED")
        self.emu.control("POST", "clock", {"offset_seconds": 0})
        self.assertRpcError(self.encrypt(b"x", token=self.token(self.limited)), 403,
                            "PERMISSION_DENIED", "cloudkms.cryptoKeyVersions.useToEncrypt")
        self.assertEqual(self.encrypt(b"x", token=self.token(self.limited), key=self.other_key)[0], 200)
        wrong_scope = self.emu.control("POST", "tokens", {"email": self.sa["email"],
                                                          "scopes": ["https://www.googleapis.com/auth/drive"]})
        self.assertRpcError(self.encrypt(b"x", token=wrong_scope["access_token"]), 403,
                            "PERMISSION_DENIED", "insufficient authentication scopes")

    def test_request_errors(self):
        missing = self.key_name.replace("openfle-key", "missing-key")
        self.assertRpcError(self.encrypt(b"x", key=missing), 404, "NOT_FOUND")
        self.assertRpcError(self.kms("encrypt", {"plaintext": "%%%"}), 400, "INVALID_ARGUMENT",
                            "Base64 decoding failed")
        self.assertRpcError(self.kms("encrypt", {}), 400, "INVALID_ARGUMENT")
        self.assertRpcError(self.kms("decrypt", {"ciphertext": "AAAA"}), 400, "INVALID_ARGUMENT")

    def test_crc32c_reference_value(self):
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)  # RFC 3720 appendix B.4 check value


if __name__ == "__main__":
    unittest.main()
