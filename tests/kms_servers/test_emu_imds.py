"""IMDS emulator: EC2/ECS/STS/Azure/GCP credential sources, and that their credentials work."""

import base64
import json
import unittest
import urllib.parse

from emu_testlib import Emulator, shared
from test_emu_aws import sign

CREDS = "/latest/meta-data/iam/security-credentials/"


class ImdsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = shared()["state"]
        cls.cfg = cls.state["imds"]
        cls.imds = Emulator("imds", tls=False).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.imds.__exit__(None, None, None)

    def get(self, path, headers=None, method="GET", body=None):
        status, hdrs, raw = self.imds.request(method, path, body, headers or {})
        return status, hdrs, raw

    def aws_works(self, cred):
        """Use credentials fetched from IMDS against a real AWS emulator."""
        with Emulator("aws") as aws:
            data, headers = sign({"KeyId": "alias/openfle-test",
                                  "Plaintext": base64.b64encode(b"k").decode()},
                                 "TrentService.Encrypt",
                                 {"access_key_id": cred["AccessKeyId"],
                                  "secret_access_key": cred["SecretAccessKey"],
                                  "session_token": cred.get("Token") or cred.get("SessionToken")},
                                 port=aws.port)
            return aws.request("POST", "/", data, headers)[0]

    def test_ec2_imdsv2_flow(self):
        self.assertEqual(self.get(CREDS)[0], 401)  # IMDSv2 only: no session token, no answer
        self.assertEqual(self.get("/latest/api/token", method="PUT")[0], 400)  # ttl header required
        status, _, token = self.get("/latest/api/token",
                                    {"X-aws-ec2-metadata-token-ttl-seconds": "30"}, "PUT")
        self.assertEqual(status, 200)
        auth = {"X-aws-ec2-metadata-token": token.decode()}
        self.assertEqual(self.get(CREDS, {"X-aws-ec2-metadata-token": "bogus"})[0], 401)
        status, _, role = self.get(CREDS, auth)
        self.assertEqual((status, role.decode()), (200, self.cfg["ec2_role"]))
        status, _, raw = self.get(CREDS + role.decode(), auth)
        cred = json.loads(raw)
        self.assertEqual(status, 200)
        self.assertEqual(cred["Code"], "Success")
        for field in ("AccessKeyId", "SecretAccessKey", "Token", "Expiration"):
            self.assertTrue(cred[field], field)
        self.assertEqual(self.get(CREDS + "other-role", auth)[0], 404)
        self.assertEqual(self.aws_works(cred), 200)

    def test_ec2_token_expires(self):
        _, _, token = self.get("/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "5"}, "PUT")
        self.imds.control("POST", "clock", {"offset_seconds": 10})
        try:
            self.assertEqual(self.get(CREDS, {"X-aws-ec2-metadata-token": token.decode()})[0], 401)
        finally:
            self.imds.control("POST", "clock", {"offset_seconds": 0})

    def test_ecs(self):
        status, _, raw = self.get(self.cfg["ecs_relative_uri"])
        cred = json.loads(raw)
        self.assertEqual(status, 200)
        self.assertIn("RoleArn", cred)
        self.assertEqual(self.aws_works(cred), 200)

    def sts(self, token=None, role=None, accept="application/json"):
        web = self.cfg["web_identity"]
        query = urllib.parse.urlencode({
            "Action": "AssumeRoleWithWebIdentity", "RoleSessionName": "openfle-test",
            "RoleArn": role or web["role_arn"], "WebIdentityToken": token or web["token"],
            "Version": "2011-06-15"})
        return self.get("/?" + query, {"Accept": accept}, "POST")

    def test_sts_assume_role_with_web_identity(self):
        status, _, raw = self.sts()
        self.assertEqual(status, 200, raw)
        result = json.loads(raw)["AssumeRoleWithWebIdentityResponse"]["AssumeRoleWithWebIdentityResult"]
        cred = result["Credentials"]
        self.assertIsInstance(cred["Expiration"], float)  # STS JSON uses epoch seconds
        self.assertEqual(self.aws_works(cred), 200)
        status, _, raw = self.sts(accept="*/*")
        self.assertEqual(status, 200)
        self.assertIn(b"<SessionToken>", raw)

    def test_sts_errors(self):
        status, _, raw = self.sts(token="forged")
        self.assertEqual((status, json.loads(raw)["Error"]["Code"]), (400, "InvalidIdentityToken"))
        status, _, raw = self.sts(role="arn:aws:iam::111122223333:role/other")
        self.assertEqual((status, json.loads(raw)["Error"]["Code"]), (403, "AccessDenied"))
        self.assertNotIn(self.cfg["web_identity"]["token"], json.dumps(self.imds.control("GET", "requests")))

    def test_azure_imds(self):
        path = ("/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
                "https%3A%2F%2Fvault.azure.net")
        status, _, raw = self.get(path)
        self.assertEqual((status, json.loads(raw)["error"]), (400, "invalid_request"))
        status, _, raw = self.get(path, {"Metadata": "true", "Accept": "application/json"})
        body = json.loads(raw)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["token_type"], body["resource"]), ("Bearer", "https://vault.azure.net"))
        self.assertIsInstance(body["expires_in"], str)
        bad = path.replace("vault.azure.net", "graph.microsoft.com")
        self.assertEqual(self.get(bad, {"Metadata": "true"})[0], 400)
        with Emulator("azure") as azure:
            status, _, raw = azure.request(
                "POST", "/keys/openfle-key//wrapkey?api-version=7.1",
                {"alg": "RSA-OAEP-256", "value": "AAAA"},
                {"Authorization": "Bearer " + body["access_token"], "Host": "x.vault.azure.net"})
            self.assertEqual(status, 200, raw)

    def test_gcp_metadata(self):
        path = "/computeMetadata/v1/instance/service-accounts/default/token"
        self.assertEqual(self.get(path)[0], 403)
        status, hdrs, raw = self.get(path, {"Metadata-Flavor": "Google"})
        body = json.loads(raw)
        self.assertEqual((status, body["token_type"]), (200, "Bearer"))
        self.assertEqual(hdrs["metadata-flavor"], "Google")
        with Emulator("gcp") as gcp:
            key = self.state["gcp"]["keys"][0]["name"]
            status, out = gcp.json("POST", f"/v1/{key}:encrypt", {"plaintext": "AAAA"},
                                   {"Authorization": "Bearer " + body["access_token"]})
            self.assertEqual(status, 200, out)


if __name__ == "__main__":
    unittest.main()
