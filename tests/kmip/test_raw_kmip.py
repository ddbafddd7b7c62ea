#!/usr/bin/python3
"""openfle's KMIP bytes against real peers.

Run: /usr/bin/python3 tests/kmip/test_raw_kmip.py --tool build/tests/kmip/kmip_vectors [-v]
(ctest runs it as `kmip_pykmip`). Needs Debian's python3-pykmip and python3-cryptography; exits
77 (skip) without PyKMIP. The libmongocrypt comparisons skip without libmongocrypt0 or
python3-bson.

- PyKMIP's own TTLV encoder builds the same requests: our builders must produce the same bytes,
  and replies PyKMIP encodes must parse with our parsers.
- A real PyKMIP server (pykmip_server.py, loopback, mutual TLS) receives our requests: Register,
  Activate, Get; Create, Activate, Encrypt, Decrypt; and failures (unknown object, another
  client's object, wrong object type), which must come back as clear errors.
- Debian's libmongocrypt 1.7.2 creates KMIP data keys against the same server: every request it
  sends must equal what our builders make for the same inputs, and our parsers must read the
  replies it read to the same result.

The C++ side is the kmip_vectors tool (hex in, hex out); framing uses its `length` command, so
kmip_message_length() is exercised on every real reply.
"""

import os
import socket
import ssl
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOOL = None
SERVER = None  # (port, certdir)


# ---- the C++ tool ----

def tool(*args, stdin=None):
    proc = subprocess.run([TOOL, *args], input=stdin, capture_output=True, text=True, timeout=30)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"kmip_vectors {args} exited {proc.returncode}: {proc.stderr}")
    return proc.returncode, proc.stdout.strip()


def build(*args):
    code, out = tool(*args)
    if code != 0:
        raise AssertionError(f"kmip_vectors {args}: {out}")
    return bytes.fromhex(out)


def parse(command, reply, *args):
    """Returns (ok, fields) where fields is the tool's output split on spaces, or the error."""
    code, out = tool(command, *args, stdin=reply.hex())
    return code == 0, out


# ---- talking to the server ----

def send(request, identity="client"):
    port, d = SERVER
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(d, "ca.pem"))
    ctx.load_cert_chain(os.path.join(d, identity + ".crt"), os.path.join(d, identity + ".key"))
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(request)
            header = recv_exactly(s, 8)
            _, out = tool("length", header.hex())
            if out == "invalid":
                raise AssertionError(f"kmip_message_length refused a real reply header {header.hex()}")
            return header + recv_exactly(s, int(out) - 8)


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"server closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def start_server():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "pykmip_server.py")],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    if len(line) != 3 or line[0] != "LISTENING":
        proc.wait(timeout=30)
        raise RuntimeError(f"pykmip_server.py did not start (exit {proc.returncode})")
    return proc, (int(line[1]), line[2])


# ---- PyKMIP's encoder as an independent second implementation ----

def pykmip_request(minor, operation, payload):
    from kmip.core import enums, utils
    from kmip.core.messages import contents, messages
    header = messages.RequestHeader(protocol_version=contents.ProtocolVersion(1, minor),
                                    batch_count=contents.BatchCount(1))
    item = messages.RequestBatchItem(operation=contents.Operation(operation),
                                     request_payload=payload)
    stream = utils.BytearrayStream()
    version = enums.KMIPVersion.KMIP_1_2 if minor == 2 else enums.KMIPVersion.KMIP_1_0
    messages.RequestMessage(request_header=header, batch_items=[item]).write(stream, version)
    return bytes(stream.buffer)


def pykmip_response(operation, payload=None, status=0, reason=None, message=None):
    from kmip.core import enums, utils
    from kmip.core.messages import contents, messages
    header = messages.ResponseHeader(protocol_version=contents.ProtocolVersion(1, 2),
                                     time_stamp=contents.TimeStamp(1700000000),
                                     batch_count=contents.BatchCount(1))
    item = messages.ResponseBatchItem(
        operation=contents.Operation(operation),
        result_status=contents.ResultStatus(enums.ResultStatus(status)),
        result_reason=contents.ResultReason(reason) if reason else None,
        result_message=contents.ResultMessage(message) if message else None,
        response_payload=payload)
    stream = utils.BytearrayStream()
    messages.ResponseMessage(response_header=header, batch_items=[item]).write(
        stream, enums.KMIPVersion.KMIP_1_2)
    return bytes(stream.buffer)


def secret_data_object(material, key_format):
    from kmip.core import enums, objects, secrets
    block = objects.KeyBlock(key_format_type=objects.KeyFormatType(key_format),
                             key_value=objects.KeyValue(objects.KeyMaterial(material)))
    return secrets.SecretData(
        secret_data_type=secrets.SecretData.SecretDataType(enums.SecretDataType.SEED),
        key_block=block)


class PyKmipEncoderAgrees(unittest.TestCase):
    """Our request bytes equal PyKMIP's encoding of the same messages; its replies parse."""

    def setUp(self):
        from kmip.core import attributes, enums, objects
        from kmip.core.factories.attributes import AttributeFactory
        from kmip.core.messages import payloads
        self.enums, self.objects, self.payloads = enums, objects, payloads
        self.attributes, self.af = attributes, AttributeFactory()

    def aes_cbc_parameters(self, random_iv):
        e = self.enums
        return self.attributes.CryptographicParameters(
            block_cipher_mode=e.BlockCipherMode.CBC, padding_method=e.PaddingMethod.PKCS5,
            cryptographic_algorithm=e.CryptographicAlgorithm.AES,
            random_iv=True if random_iv else None)

    def test_register_both_formats(self):
        e, p = self.enums, self.payloads
        secret = os.urandom(96)
        for command, usage_mask, key_format in (
                ("register", True, e.KeyFormatType.OPAQUE),
                ("register-1.7", False, e.KeyFormatType.RAW)):
            attrs = [self.af.create_attribute(e.AttributeType.CRYPTOGRAPHIC_USAGE_MASK, [])]
            template = self.objects.TemplateAttribute(attributes=attrs if usage_mask else [])
            expected = pykmip_request(0, e.Operation.REGISTER, p.RegisterRequestPayload(
                object_type=e.ObjectType.SECRET_DATA, template_attribute=template,
                managed_object=secret_data_object(secret, key_format)))
            self.assertEqual(build(command, secret.hex()).hex(), expected.hex(), command)

    def test_activate_get(self):
        e, p = self.enums, self.payloads
        for uid in ("1", "7FJYvnV6XkaUCWuY96bCSc6AuhvkPpqI", "a-nine-ch"):
            self.assertEqual(build("activate", uid), pykmip_request(
                0, e.Operation.ACTIVATE, p.ActivateRequestPayload(
                    unique_identifier=self.attributes.UniqueIdentifier(uid))))
            self.assertEqual(build("get", uid), pykmip_request(
                0, e.Operation.GET, p.GetRequestPayload(unique_identifier=uid)))

    def test_create(self):
        e, p = self.enums, self.payloads
        template = self.objects.TemplateAttribute(attributes=[
            self.af.create_attribute(e.AttributeType.CRYPTOGRAPHIC_ALGORITHM,
                                     e.CryptographicAlgorithm.AES),
            self.af.create_attribute(e.AttributeType.CRYPTOGRAPHIC_LENGTH, 256),
            self.af.create_attribute(e.AttributeType.CRYPTOGRAPHIC_USAGE_MASK,
                                     [e.CryptographicUsageMask.ENCRYPT,
                                      e.CryptographicUsageMask.DECRYPT])])
        self.assertEqual(build("create"), pykmip_request(2, e.Operation.CREATE, p.CreateRequestPayload(
            object_type=e.ObjectType.SYMMETRIC_KEY, template_attribute=template)))

    def test_encrypt_decrypt(self):
        e, p = self.enums, self.payloads
        plaintext, ciphertext, iv = os.urandom(96), os.urandom(112), os.urandom(16)
        self.assertEqual(build("encrypt", "42", plaintext.hex()), pykmip_request(
            2, e.Operation.ENCRYPT, p.EncryptRequestPayload(
                unique_identifier="42", cryptographic_parameters=self.aes_cbc_parameters(True),
                data=plaintext)))
        self.assertEqual(build("decrypt", "42", ciphertext.hex(), iv.hex()), pykmip_request(
            2, e.Operation.DECRYPT, p.DecryptRequestPayload(
                unique_identifier="42", cryptographic_parameters=self.aes_cbc_parameters(False),
                data=ciphertext, iv_counter_nonce=iv)))

    def test_replies_encoded_by_pykmip_parse(self):
        e, p = self.enums, self.payloads
        ok, out = parse("parse-register", pykmip_response(
            e.Operation.REGISTER, p.RegisterResponsePayload(unique_identifier="abc")))
        self.assertEqual((ok, out), (True, "uid abc"))
        ok, out = parse("parse-create", pykmip_response(e.Operation.CREATE, p.CreateResponsePayload(
            object_type=e.ObjectType.SYMMETRIC_KEY, unique_identifier="k9")))
        self.assertEqual((ok, out), (True, "uid k9"))
        ok, out = parse("parse-activate", pykmip_response(
            e.Operation.ACTIVATE, p.ActivateResponsePayload(
                unique_identifier=self.attributes.UniqueIdentifier("k9"))), "k9")
        self.assertEqual((ok, out), (True, "ok"))
        secret = os.urandom(96)
        ok, out = parse("parse-get", pykmip_response(e.Operation.GET, p.GetResponsePayload(
            object_type=e.ObjectType.SECRET_DATA, unique_identifier="1",
            secret=secret_data_object(secret, e.KeyFormatType.OPAQUE))))
        self.assertEqual((ok, out), (True, "secret " + secret.hex()))
        data, iv = os.urandom(112), os.urandom(16)
        ok, out = parse("parse-encrypt", pykmip_response(e.Operation.ENCRYPT, p.EncryptResponsePayload(
            unique_identifier="k9", data=data, iv_counter_nonce=iv)))
        self.assertEqual((ok, out), (True, f"data {data.hex()} iv {iv.hex()}"))
        ok, out = parse("parse-decrypt", pykmip_response(e.Operation.DECRYPT, p.DecryptResponsePayload(
            unique_identifier="k9", data=secret)))
        self.assertEqual((ok, out), (True, "plaintext " + secret.hex()))

    def test_failure_replies_encoded_by_pykmip(self):
        e = self.enums
        ok, out = parse("parse-register", pykmip_response(
            e.Operation.REGISTER, status=1, reason=e.ResultReason.PERMISSION_DENIED,
            message="Could not locate object: 1"))
        self.assertFalse(ok)
        self.assertEqual(out, "error kms-error: KMIP Register failed: Operation Failed "
                              "(reason: Permission Denied): Could not locate object: 1")
        # A reply for another operation is refused even when it succeeded.
        ok, out = parse("parse-get", pykmip_response(
            e.Operation.REGISTER, self.payloads.RegisterResponsePayload(unique_identifier="1")))
        self.assertFalse(ok)
        self.assertIn("answers operation 3, expected 10 (Get)", out)


class AgainstPyKmipServer(unittest.TestCase):
    """Our requests sent to a real PyKMIP server; its replies through our parsers."""

    def parse_ok(self, command, reply, *args):
        ok, out = parse(command, reply, *args)
        self.assertTrue(ok, out)
        return out.split(" ")

    def register_new(self, secret, command="register", identity="client"):
        reply = send(build(command, secret.hex()), identity)
        kind, uid = self.parse_ok("parse-register", reply)
        self.assertEqual(kind, "uid")
        return uid

    def test_register_activate_get(self):
        for command in ("register", "register-1.7"):
            secret = os.urandom(96)
            uid = self.register_new(secret, command)
            self.assertEqual(self.parse_ok("parse-activate", send(build("activate", uid)), uid),
                             ["ok"])
            self.assertEqual(self.parse_ok("parse-get", send(build("get", uid))),
                             ["secret", secret.hex()], command)

    def test_create_activate_encrypt_decrypt(self):
        _, uid = self.parse_ok("parse-create", send(build("create")))
        self.assertEqual(self.parse_ok("parse-activate", send(build("activate", uid)), uid), ["ok"])
        plaintext = os.urandom(96)
        out = self.parse_ok("parse-encrypt", send(build("encrypt", uid, plaintext.hex())))
        self.assertEqual((out[0], out[2]), ("data", "iv"))
        data, iv = bytes.fromhex(out[1]), bytes.fromhex(out[3])
        self.assertEqual(len(data), 112)  # 96 bytes + a full block of PKCS5 padding
        self.assertEqual(len(iv), 16)
        self.assertNotEqual(data[:96], plaintext)
        out = self.parse_ok("parse-decrypt", send(build("decrypt", uid, data.hex(), iv.hex())))
        self.assertEqual(out, ["plaintext", plaintext.hex()])
        # A second Encrypt of the same plaintext gets a fresh random IV.
        again = self.parse_ok("parse-encrypt", send(build("encrypt", uid, plaintext.hex())))
        self.assertNotEqual(again[3], iv.hex())

    def test_get_unknown_object_is_a_clear_error(self):
        ok, out = parse("parse-get", send(build("get", "999999")))
        self.assertFalse(ok)
        self.assertTrue(out.startswith("error kms-error: KMIP Get failed: Operation Failed "
                                       "(reason: Item Not Found)"), out)

    def test_another_clients_object_is_permission_denied(self):
        uid = self.register_new(os.urandom(96))
        ok, out = parse("parse-get", send(build("get", uid), identity="other"))
        self.assertFalse(ok)
        self.assertTrue(out.startswith("error kms-error: KMIP Get failed: Operation Failed "
                                       "(reason: Permission Denied)"), out)

    def test_get_of_a_symmetric_key_is_refused(self):
        _, uid = self.parse_ok("parse-create", send(build("create")))
        ok, out = parse("parse-get", send(build("get", uid)))
        self.assertFalse(ok)
        self.assertIn("ObjectType 2, expected SecretData (7)", out)

    def test_encrypt_before_activate_fails(self):
        _, uid = self.parse_ok("parse-create", send(build("create")))
        ok, out = parse("parse-encrypt", send(build("encrypt", uid, os.urandom(32).hex())))
        self.assertFalse(ok)
        self.assertIn("KMIP Encrypt failed: Operation Failed", out)


class AgainstLibmongocrypt(unittest.TestCase):
    """libmongocrypt 1.7.2 against the same server: its requests equal ours."""

    @classmethod
    def setUpClass(cls):
        try:
            import libmongocrypt_oracle  # needs python3-bson (from python3-pymongo)
        except ImportError as e:
            raise unittest.SkipTest(f"libmongocrypt oracle unavailable: {e}")
        try:
            cls.lib = libmongocrypt_oracle.Libmongocrypt()
        except libmongocrypt_oracle.Unavailable as e:
            raise unittest.SkipTest(str(e))
        if not cls.lib.version().startswith("1.7."):
            raise unittest.SkipTest(f"expected libmongocrypt 1.7.x, found {cls.lib.version()}")

    def test_new_kmip_key_register_activate_get(self):
        endpoint = f"localhost:{SERVER[0]}"
        run = self.lib.run_datakey(send, endpoint)
        register, activate, get = run["requests"]
        secret = register[-96:]  # KeyMaterial is the last item: 96 bytes, no padding
        self.assertEqual(build("register-1.7", secret.hex()).hex(), register.hex())
        uid = run["key"]["masterKey"]["keyId"]
        self.assertEqual(self.parse_ok("parse-register", run["replies"][0]), ["uid", uid])
        self.assertEqual(build("activate", uid).hex(), activate.hex())
        self.assertEqual(self.parse_ok("parse-activate", run["replies"][1], uid), ["ok"])
        self.assertEqual(build("get", uid).hex(), get.hex())
        self.assertEqual(self.parse_ok("parse-get", run["replies"][2]), ["secret", secret.hex()])

    def test_existing_key_id_get(self):
        uid = AgainstPyKmipServer.register_new(self, os.urandom(96))
        run = self.lib.run_datakey(send, f"localhost:{SERVER[0]}", key_id=uid)
        self.assertEqual([r.hex() for r in run["requests"]], [build("get", uid).hex()])
        self.assertEqual(run["key"]["masterKey"]["keyId"], uid)

    parse_ok = AgainstPyKmipServer.parse_ok


def main():
    global TOOL, SERVER
    args = sys.argv[1:]
    if "--tool" not in args or args.index("--tool") + 1 >= len(args):
        print("usage: test_raw_kmip.py --tool PATH/kmip_vectors [unittest args]", file=sys.stderr)
        return 2
    i = args.index("--tool")
    TOOL = os.path.abspath(args[i + 1])
    del args[i:i + 2]
    try:
        import kmip  # noqa: F401
    except ImportError:
        print("SKIP: python3-pykmip is not installed", file=sys.stderr)
        return 77
    if not os.access("/usr/bin/pykmip-server", os.X_OK):
        print("SKIP: /usr/bin/pykmip-server is not installed", file=sys.stderr)
        return 77
    server, SERVER = start_server()
    try:
        program = unittest.main(argv=[sys.argv[0], *args], exit=False, verbosity=2)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
