"""AWS KMS emulator: SigV4 verification, Encrypt/Decrypt, and the real error shapes."""

import base64
import email.message
import json
import os
import socket
import time
import unittest

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from emu_testlib import Emulator, shared
import sigv4
from emu_core import Request

CT = "application/x-amz-json-1.1"


def sign(body, target, cred, region="us-east-1", host=None, service="kms", port=None):
    """Headers for a KMS call signed by botocore's SigV4Auth (an independent signer)."""
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    headers = {"Content-Type": CT, "X-Amz-Target": target}
    if host:
        headers["Host"] = host
    req = botocore.awsrequest.AWSRequest("POST", f"https://localhost:{port}/", data=data,
                                         headers=headers)
    creds = botocore.credentials.Credentials(cred["access_key_id"], cred["secret_access_key"],
                                             cred.get("session_token"))
    botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    return data, dict(req.headers.items())


class AwsKmsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = shared()
        cls.state = cls.env["state"]["aws"]
        cls.perm = cls.state["credentials"][0]
        cls.temp = cls.state["credentials"][1]
        cls.key = cls.state["keys"][0]
        cls.emu = Emulator("aws").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.control("POST", "clock", {"offset_seconds": 0})

    def call(self, target, body, cred=None, region="us-east-1", host=None, service="kms",
             mutate=None):
        data, headers = sign(body, target, cred or self.perm, region, host, service, self.emu.port)
        if mutate:
            data, headers = mutate(data, headers)
        status, hdrs, raw = self.emu.request("POST", "/", data, headers)
        return status, hdrs, json.loads(raw) if raw else None

    def encrypt(self, key_id, plaintext=b"k" * 96, **kw):
        return self.call("TrentService.Encrypt",
                         {"KeyId": key_id, "Plaintext": base64.b64encode(plaintext).decode()}, **kw)

    def assertError(self, result, kind, message_part=None, status=400):
        got_status, hdrs, body = result
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["__type"], kind, body)
        self.assertEqual(hdrs["content-type"], CT)
        if message_part is not None:
            self.assertIn(message_part, body["message"])

    def test_encrypt_decrypt_round_trip_with_every_key_id_form(self):
        arn = self.key["arn"]
        key_uuid = arn.rsplit("/", 1)[1]
        forms = [arn, "alias/openfle-test", key_uuid,
                 arn.replace(f"key/{key_uuid}", "alias/openfle-test")]
        for key_id in forms:
            plaintext = os.urandom(96)
            status, hdrs, body = self.encrypt(key_id, plaintext)
            self.assertEqual(status, 200, (key_id, body))
            self.assertEqual(hdrs["content-type"], CT)
            self.assertIn("x-amzn-requestid", hdrs)
            self.assertEqual(body["KeyId"], arn)  # the service always answers with the key ARN
            self.assertEqual(body["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
            status, _, out = self.call("TrentService.Decrypt",
                                       {"CiphertextBlob": body["CiphertextBlob"]})
            self.assertEqual(status, 200, out)
            self.assertEqual(base64.b64decode(out["Plaintext"]), plaintext)
            self.assertEqual(out["KeyId"], arn)

    def test_ciphertexts_are_randomized_and_bound_to_the_key(self):
        _, _, a = self.encrypt("alias/openfle-test", b"same")
        _, _, b = self.encrypt("alias/openfle-test", b"same")
        self.assertNotEqual(a["CiphertextBlob"], b["CiphertextBlob"])
        blob = bytearray(base64.b64decode(a["CiphertextBlob"]))
        blob[-1] ^= 1
        self.assertError(self.call("TrentService.Decrypt",
                                   {"CiphertextBlob": base64.b64encode(bytes(blob)).decode()}),
                         "InvalidCiphertextException")
        self.assertError(self.call("TrentService.Decrypt",
                                   {"CiphertextBlob": base64.b64encode(b"garbage").decode()}),
                         "InvalidCiphertextException")

    def test_encryption_context_must_match(self):
        status, _, enc = self.call("TrentService.Encrypt", {
            "KeyId": "alias/openfle-test", "Plaintext": base64.b64encode(b"x").decode(),
            "EncryptionContext": {"purpose": "test"}})
        self.assertEqual(status, 200)
        self.assertError(self.call("TrentService.Decrypt", {"CiphertextBlob": enc["CiphertextBlob"]}),
                         "InvalidCiphertextException")
        status, _, out = self.call("TrentService.Decrypt", {
            "CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"purpose": "test"}})
        self.assertEqual((status, base64.b64decode(out["Plaintext"])), (200, b"x"))

    def test_decrypt_with_wrong_key_id(self):
        _, _, enc = self.encrypt("alias/openfle-test")
        other = self.state["keys"][1]["arn"]
        self.assertError(self.call("TrentService.Decrypt", {"CiphertextBlob": enc["CiphertextBlob"],
                                                            "KeyId": other}),
                         "IncorrectKeyException")

    def test_temporary_credentials_need_their_session_token(self):
        status, _, body = self.encrypt("alias/openfle-test", cred=self.temp)
        self.assertEqual(status, 200, body)
        no_token = dict(self.temp, session_token=None)
        self.assertError(self.encrypt("alias/openfle-test", cred=no_token),
                         "UnrecognizedClientException",
                         "The security token included in the request is invalid.")
        wrong = dict(self.temp, session_token=self.temp["session_token"] + "x")
        self.assertError(self.encrypt("alias/openfle-test", cred=wrong), "UnrecognizedClientException")

    def test_wrong_secret_is_a_signature_mismatch(self):
        bad = dict(self.perm, secret_access_key=self.perm["secret_access_key"] + "x")
        self.assertError(self.encrypt("alias/openfle-test", cred=bad), "InvalidSignatureException",
                         "The request signature we calculated does not match")

    def test_body_changed_after_signing(self):
        def mutate(data, headers):
            return data.replace(b"openfle-test", b"openfle-tesT"), headers
        self.assertError(self.encrypt("alias/openfle-test", mutate=mutate),
                         "InvalidSignatureException")

    def test_unknown_access_key(self):
        self.assertError(self.encrypt("alias/openfle-test",
                                      cred=dict(self.perm, access_key_id="AKIAUNKNOWNUNKNOWN12")),
                         "UnrecognizedClientException")

    def test_missing_or_malformed_authorization(self):
        def drop(data, headers):
            headers.pop("Authorization")
            return data, headers
        self.assertError(self.encrypt("alias/openfle-test", mutate=drop),
                         "MissingAuthenticationTokenException", "Missing Authentication Token")

        def garble(data, headers):
            headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x"
            return data, headers
        self.assertError(self.encrypt("alias/openfle-test", mutate=garble),
                         "IncompleteSignatureException")

    def test_signature_older_or_newer_than_15_minutes(self):
        self.emu.control("POST", "clock", {"offset_seconds": 16 * 60})
        self.assertError(self.encrypt("alias/openfle-test"), "InvalidSignatureException",
                         "Signature expired")
        self.emu.control("POST", "clock", {"offset_seconds": -16 * 60})
        self.assertError(self.encrypt("alias/openfle-test"), "InvalidSignatureException",
                         "Signature not yet current")
        self.emu.control("POST", "clock", {"offset_seconds": 14 * 60})
        self.assertEqual(self.encrypt("alias/openfle-test")[0], 200)

    def test_scope_must_name_kms_and_a_served_region(self):
        self.assertError(self.encrypt("alias/openfle-test", service="sts"),
                         "InvalidSignatureException", "correct service: 'kms'")
        self.assertError(self.encrypt("alias/openfle-test", region="eu-north-9"),
                         "InvalidSignatureException", "valid region")

    def test_region_comes_from_the_signature_not_the_arn(self):
        west = self.state["keys"][2]["arn"]
        self.assertEqual(self.encrypt(west, region="us-west-2")[0], 200)
        self.assertError(self.encrypt(west, region="us-east-1"), "NotFoundException", "Invalid arn")

    def test_host_header_with_and_without_port(self):
        # libmongocrypt 1.7.2 signs Encrypt with Host "h" and Decrypt with "h:port".
        status, _, enc = self.encrypt("alias/openfle-test", host="127.0.0.1")
        self.assertEqual(status, 200)
        status, _, _ = self.call("TrentService.Decrypt", {"CiphertextBlob": enc["CiphertextBlob"]},
                                 host=f"127.0.0.1:{self.emu.port}")
        self.assertEqual(status, 200)
        self.assertEqual(self.encrypt("alias/openfle-test", host="kms.us-east-1.amazonaws.com")[0], 200)

    def test_not_found_access_denied_disabled(self):
        self.assertError(self.encrypt("alias/nope"), "NotFoundException", "alias/nope is not found")
        missing = self.key["arn"][:-4] + "0000"
        self.assertError(self.encrypt(missing), "NotFoundException", "does not exist")
        self.assertError(self.encrypt("not a key"), "NotFoundException", "Invalid keyId")
        self.assertError(self.encrypt("alias/openfle-denied"), "AccessDeniedException",
                         "is not authorized to perform: kms:Encrypt")
        self.assertError(self.encrypt(self.state["keys"][3]["arn"]), "DisabledException")

    def test_validation_errors(self):
        self.assertError(self.call("TrentService.Encrypt",
                                   {"Plaintext": base64.b64encode(b"x").decode()}),
                         "ValidationException", "Value null at 'keyId'")
        self.assertError(self.call("TrentService.Encrypt", {"KeyId": "alias/openfle-test"}),
                         "ValidationException", "Value null at 'plaintext'")
        self.assertError(self.encrypt("alias/openfle-test", b"x" * 4097), "ValidationException",
                         "length")
        self.assertError(self.call("TrentService.Encrypt", b"{not json"), "SerializationException")

    def test_unknown_operation(self):
        status, _, body = self.call("TrentService.GenerateRandom", {})
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))

    def test_libmongocrypt_encrypt_request_is_accepted_verbatim(self):
        # Header order, "Connection: close" left unsigned and no space after ':' as in a 1.7.2
        # capture; signed here with our stdlib signer and sent as raw bytes.
        body = json.dumps({"Plaintext": base64.b64encode(b"z" * 96).decode(),
                           "KeyId": "alias/openfle-test"}).encode()
        now = self.emu.control("GET", "clock")["now"]
        amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        hdrs = [("Content-Length", str(len(body))), ("Content-Type", CT), ("Host", "127.0.0.1"),
                ("X-Amz-Date", amz), ("X-Amz-Target", "TrentService.Encrypt")]
        msg = email.message.Message()
        for k, v in hdrs:
            msg[k] = v
        signed = ["content-length", "content-type", "host", "x-amz-date", "x-amz-target"]
        creq = sigv4.canonical_request("POST", "/", "", msg, signed, body)
        sig = sigv4.signature(self.perm["secret_access_key"], amz, "us-east-1", "kms", creq)
        auth = (f"AWS4-HMAC-SHA256 Credential={self.perm['access_key_id']}/{amz[:8]}/us-east-1/kms/"
                f"aws4_request, SignedHeaders={';'.join(signed)}, Signature={sig}")
        raw = "POST / HTTP/1.1\r\nConnection:close\r\n" + "".join(
            f"{k}:{v}\r\n" for k, v in hdrs) + f"Authorization: {auth}\r\n\r\n"
        ctx = self.emu.context()
        with socket.create_connection(("127.0.0.1", self.emu.port)) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(raw.encode() + body)
                reply = b""
                while True:
                    chunk = t.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply[:200])
        self.assertIn(b'"CiphertextBlob"', reply)


class SigV4VectorTest(unittest.TestCase):
    """The verifier's signer against published aws-sig-v4-test-suite results (reference doc §3)."""
    SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    DATE = "20150830T123600Z"

    def _sig(self, method):
        msg = email.message.Message()
        msg["Host"] = "example.amazonaws.com"
        msg["X-Amz-Date"] = self.DATE
        creq = sigv4.canonical_request(method, "/", "", msg, ["host", "x-amz-date"], b"")
        return sigv4.signature(self.SECRET, self.DATE, "us-east-1", "service", creq)

    def test_get_vanilla(self):
        self.assertEqual(self._sig("GET"),
                         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")

    def test_post_vanilla(self):
        self.assertEqual(self._sig("POST"),
                         "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")

    def test_verify_accepts_the_vector_and_rejects_a_flipped_signature(self):
        msg = email.message.Message()
        msg["Host"] = "example.amazonaws.com"
        msg["X-Amz-Date"] = self.DATE
        good = self._sig("GET")
        cred = {"secret_access_key": self.SECRET}
        for sig, ok in ((good, True), (good[:-1] + ("0" if good[-1] != "0" else "1"), False)):
            del msg["Authorization"]
            msg["Authorization"] = (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                    f"service/aws4_request, SignedHeaders=host;x-amz-date, "
                                    f"Signature={sig}")
            req = Request("GET", "/", "/", "", msg, b"")
            now = 1440938160  # 2015-08-30T12:36:00Z
            if ok:
                got, _ = sigv4.verify(req, {"AKIDEXAMPLE": cred}.get, now, "service")
                self.assertIs(got, cred)
            else:
                with self.assertRaises(sigv4.SigV4Error) as caught:
                    sigv4.verify(req, {"AKIDEXAMPLE": cred}.get, now, "service")
                self.assertEqual(caught.exception.kind, "InvalidSignatureException")


if __name__ == "__main__":
    unittest.main()
