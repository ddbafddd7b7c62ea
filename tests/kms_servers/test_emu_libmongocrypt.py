"""The emulators accept exactly what libmongocrypt 1.7.2 sends (Debian's libmongocrypt0).

libmongocrypt builds every KMS request; this test only moves bytes between it and the emulator.
Skipped (with a message) when the library is not installed.
"""

import base64
import unittest

import mongocrypt_oracle as mo
from emu_testlib import Emulator, shared

LIB = mo.load_library()


@unittest.skipIf(LIB is None, "libmongocrypt.so.0 not installed (apt-get install libmongocrypt0)")
class LibmongocryptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env = shared()
        cls.state = env["state"]
        cls.ca = env["certs"]["ca.pem"]

    def oracle(self, emu, providers):
        oracle = mo.Oracle(LIB, providers, mo.tls_connector(emu.port, self.ca))
        self.addCleanup(oracle.close)
        return oracle

    def round_trip(self, oracle, kek):
        """Create a data key (KMS wrap) and encrypt with it in a new context (KMS unwrap)."""
        key_doc = oracle.create_data_key(kek)
        decoded = mo.bson_decode(key_doc)
        subtype, ciphertext = oracle.encrypt_with(key_doc, "value")
        self.assertEqual(subtype, 6)  # FLE1 ciphertext binary
        self.assertEqual(ciphertext[0], 1)  # deterministic blob
        return decoded

    def headers_of(self, request):
        head = request.split(b"\r\n\r\n", 1)[0].decode()
        return dict(line.split(":", 1) for line in head.split("\r\n")[1:])

    def test_aws_permanent_and_temporary_credentials(self):
        with Emulator("aws") as emu:
            key = self.state["aws"]["keys"][0]
            for cred in self.state["aws"]["credentials"]:
                providers = {"accessKeyId": cred["access_key_id"],
                             "secretAccessKey": cred["secret_access_key"]}
                if cred.get("session_token"):
                    providers["sessionToken"] = cred["session_token"]
                oracle = self.oracle(emu, {"aws": providers})
                doc = self.round_trip(oracle, {"provider": "aws", "region": "us-east-1",
                                               "key": key["arn"], "endpoint": f"127.0.0.1:{emu.port}"})
                self.assertEqual(doc["masterKey"]["key"], key["arn"])
                # the quirk the emulator must tolerate: Host without port, then with it
                hosts = [self.headers_of(r)["Host"].strip() for _, r in oracle.requests]
                self.assertEqual(hosts, ["127.0.0.1", f"127.0.0.1:{emu.port}"])
            statuses = [e["status"] for e in emu.control("GET", "requests")]
            self.assertEqual(statuses, [200] * 4)

    def test_aws_wrong_secret_surfaces_the_service_error(self):
        with Emulator("aws") as emu:
            cred = self.state["aws"]["credentials"][0]
            oracle = self.oracle(emu, {"aws": {"accessKeyId": cred["access_key_id"],
                                               "secretAccessKey": "wrong"}})
            with self.assertRaises(mo.OracleError) as caught:
                oracle.create_data_key({"provider": "aws", "region": "us-east-1",
                                        "key": "alias/openfle-test",
                                        "endpoint": f"127.0.0.1:{emu.port}"})
            self.assertIn("InvalidSignatureException", str(caught.exception))

    def azure_providers(self, emu):
        client = self.state["azure"]["clients"][0]
        return {"azure": {"tenantId": client["tenant_id"], "clientId": client["client_id"],
                          "clientSecret": client["client_secret"],
                          "identityPlatformEndpoint": f"127.0.0.1:{emu.port}"}}

    def test_azure_token_then_wrap_and_unwrap(self):
        with Emulator("azure") as emu:
            oracle = self.oracle(emu, self.azure_providers(emu))
            doc = self.round_trip(oracle, {"provider": "azure", "keyName": "openfle-key",
                                           "keyVaultEndpoint": f"openfle.vault.azure.net:{emu.port}"})
            self.assertEqual(len(doc["keyMaterial"][1]), 256)
            paths = [(e["path"], e["status"]) for e in emu.control("GET", "requests")]
            tenant = self.state["azure"]["clients"][0]["tenant_id"]
            # one token (cached for the second context), then wrap and unwrap
            self.assertEqual(paths, [(f"/{tenant}/oauth2/v2.0/token", 200),
                                     ("/keys/openfle-key//wrapkey", 200),
                                     ("/keys/openfle-key//unwrapkey", 200)])

    def test_azure_injected_503_reaches_libmongocrypt(self):
        with Emulator("azure") as emu:
            emu.control("POST", "faults", {"mode": "status", "status": 503, "match": "wrapkey"})
            oracle = self.oracle(emu, self.azure_providers(emu))
            with self.assertRaises(mo.OracleError) as caught:
                oracle.create_data_key({"provider": "azure", "keyName": "openfle-key",
                                        "keyVaultEndpoint": f"openfle.vault.azure.net:{emu.port}"})
            self.assertIn("503", str(caught.exception))

    def test_gcp_jwt_token_then_encrypt_and_decrypt(self):
        with Emulator("gcp") as emu:
            sa = self.state["gcp"]["service_accounts"][0]
            oracle = self.oracle(emu, {"gcp": {
                "email": sa["email"], "privateKey": base64.b64decode(sa["private_key_pkcs8_der_b64"]),
                "endpoint": f"127.0.0.1:{emu.port}"}})
            # masterKey.endpoint's domain decides the JWT scope, so it names googleapis.com; the
            # connector dials the emulator whatever the endpoint says.
            self.round_trip(oracle, {"provider": "gcp", "projectId": "openfle-project",
                                     "location": "global", "keyRing": "openfle-ring",
                                     "keyName": "openfle-key",
                                     "endpoint": f"cloudkms.googleapis.com:{emu.port}"})
            paths = [(e["path"].rsplit(":", 1)[-1], e["status"]) for e in emu.control("GET", "requests")]
            self.assertEqual(paths, [("/token", 200), ("encrypt", 200), ("decrypt", 200)])


if __name__ == "__main__":
    unittest.main()
