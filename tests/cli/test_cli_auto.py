"""End-to-end tests of automatic encryption in the CLI (docs/cli.md "Encryption by schema"):
`encrypt --schema-map`, `command encrypt | analyze | decrypt`, as a user would run them.

Run by CTest with /usr/bin/python3; OPENFLE_BIN names the binary.
"""
import base64
import json
import os
import subprocess
import tempfile
import unittest
import uuid

BIN = os.environ.get("OPENFLE_BIN", "openfle")
DET = "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"
RANDOM = "AEAD_AES_256_CBC_HMAC_SHA_512-Random"


class AutoCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.home = self.tmp.name
        self.env = dict(os.environ, OPENFLE_HOME=self.home)
        for name in ("OPENFLE_KEY_VAULT", "OPENFLE_KMS_PROVIDERS", "OPENFLE_TLS_OPTIONS", "OPENFLE_SCHEMA_MAP"):
            self.env.pop(name, None)
        self.run_cli("init")
        key_id = self.run_cli("key", "create", "--alt-name", "pii").stdout.strip().splitlines()[-1]
        self.key = {"$binary": {"base64": base64.b64encode(uuid.UUID(key_id).bytes).decode(), "subType": "04"}}
        self.schema_map = os.path.join(self.home, "schemas.json")
        with open(self.schema_map, "w") as f:
            json.dump({"hr.people": {"bsonType": "object", "properties": {
                "ssn": {"encrypt": {"bsonType": "string", "algorithm": DET, "keyId": [self.key]}},
                "medical": {"bsonType": "object", "properties": {
                    "notes": {"encrypt": {"algorithm": RANDOM, "keyId": [self.key]}}}}}}}, f)

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args, stdin="", ok=True):
        proc = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, env=self.env, timeout=60)
        if ok and proc.returncode != 0:
            self.fail(f"openfle {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        if not ok and proc.returncode == 0:
            self.fail(f"openfle {' '.join(args)} should have failed; stdout: {proc.stdout}")
        return proc

    @staticmethod
    def blob(value):
        return base64.b64decode(value["$binary"]["base64"])

    def test_encrypt_stream_by_schema_and_decrypt_it_back(self):
        docs = [{"name": "Ada", "ssn": "123-45-6789", "medical": {"notes": "fine", "code": 1}},
                {"name": "Bob", "ssn": "987-65-4321"}]
        stdin = "".join(json.dumps(d) + "\n" for d in docs)
        out = self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.people", stdin=stdin).stdout
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(lines), 2)
        self.assertEqual(self.blob(lines[0]["ssn"])[0], 1)                # deterministic
        self.assertEqual(self.blob(lines[0]["medical"]["notes"])[0], 2)   # random
        self.assertEqual(lines[0]["medical"]["code"], {"$numberInt": "1"})
        self.assertEqual(lines[0]["name"], "Ada")
        back = self.run_cli("decrypt", stdin=out).stdout
        self.assertEqual([json.loads(line)["ssn"] for line in back.splitlines()], ["123-45-6789", "987-65-4321"])
        self.assertEqual(json.loads(back.splitlines()[0])["medical"]["notes"], "fine")

    def test_a_bad_line_names_the_line_and_writes_nothing(self):
        stdin = json.dumps({"ssn": "1"}) + "\n" + json.dumps({"ssn": 5}) + "\n"
        proc = self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.people", stdin=stdin, ok=False)
        self.assertEqual(proc.stdout, "")
        self.assertIn("line 2", proc.stderr)
        self.assertIn("Cannot encrypt element of type int because schema requires that type is one of: [ string ]",
                      proc.stderr)

    def test_unknown_namespace_lists_the_schema_map(self):
        proc = self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.pets",
                            stdin='{"a": 1}\n', ok=False)
        self.assertIn("namespace 'hr.pets' has no schema", proc.stderr)
        self.assertIn("hr.people", proc.stderr)

    def test_schema_mode_excludes_explicit_options(self):
        proc = self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.people",
                            "--field", "ssn", stdin="{}\n", ok=False)
        self.assertIn("excludes", proc.stderr)

    def test_command_encrypt_shows_what_the_server_receives(self):
        cmd = {"find": "people", "filter": {"ssn": "123-45-6789", "age": {"$gt": 30}}, "limit": 1}
        out = json.loads(self.run_cli("command", "encrypt", "--db", "hr", "--schema-map", self.schema_map,
                                      stdin=json.dumps(cmd)).stdout)
        ct = out["filter"]["ssn"]["$eq"]
        self.assertEqual(self.blob(ct)[0], 1)
        self.assertEqual(out["filter"]["age"], {"$gt": {"$numberInt": "30"}})
        # The same value as a stored document: the query matches it.
        stored = json.loads(self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.people",
                                         stdin='{"ssn": "123-45-6789"}\n').stdout)
        self.assertEqual(stored["ssn"], ct)

    def test_command_analyze_needs_no_keys(self):
        env = dict(self.env, OPENFLE_KMS_PROVIDERS=os.path.join(self.home, "missing.json"))
        proc = subprocess.run([BIN, "command", "analyze", "--db", "hr", "--schema-map", self.schema_map],
                              input='{"count": "people", "query": {"ssn": "1"}}', capture_output=True, text=True,
                              env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        reply = json.loads(proc.stdout)
        self.assertTrue(reply["hasEncryptionPlaceholders"])
        self.assertTrue(reply["schemaRequiresEncryption"])
        marking = self.blob(reply["result"]["query"]["ssn"]["$eq"])
        self.assertEqual(marking[0], 0)   # a placeholder, not a ciphertext
        self.assertIn(b"1", marking)      # it carries the value to encrypt

    def test_command_refusals_exit_non_zero_with_mongodb_messages(self):
        cases = [
            ({"mapReduce": "people"}, "command not supported for auto encryption: mapReduce"),
            ({"find": "people", "filter": {"medical.notes": "x"}},
             "Cannot query on fields encrypted with the randomized encryption algorithm"),
            ({"find": "people", "filter": {"ssn": {"$gt": "1"}}}, "Invalid match expression operator on encrypted field 'ssn'"),
        ]
        for cmd, message in cases:
            proc = self.run_cli("command", "encrypt", "--db", "hr", "--schema-map", self.schema_map,
                                stdin=json.dumps(cmd), ok=False)
            self.assertIn(message, proc.stderr)
            self.assertEqual(proc.stdout, "")

    def test_command_decrypt_decrypts_cursor_batches(self):
        stored = self.run_cli("encrypt", "--schema-map", self.schema_map, "--namespace", "hr.people",
                              stdin='{"_id": 1, "ssn": "123-45-6789", "medical": {"notes": "n"}}\n').stdout
        reply = {"cursor": {"firstBatch": [json.loads(stored)], "id": {"$numberLong": "0"}, "ns": "hr.people"}, "ok": 1}
        out = json.loads(self.run_cli("command", "decrypt", stdin=json.dumps(reply)).stdout)
        self.assertEqual(out["cursor"]["firstBatch"][0]["ssn"], "123-45-6789")
        self.assertEqual(out["cursor"]["firstBatch"][0]["medical"]["notes"], "n")

    def test_schema_map_from_the_environment(self):
        env = dict(self.env, OPENFLE_SCHEMA_MAP=self.schema_map)
        proc = subprocess.run([BIN, "command", "analyze", "--db", "hr"], input='{"find": "people", "filter": {"ssn": "1"}}',
                              capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = self.run_cli("command", "analyze", "--db", "hr", stdin="{}", ok=False)
        self.assertIn("--schema-map", proc.stderr)

    def test_an_invalid_schema_map_is_refused_with_the_reason(self):
        with open(self.schema_map, "w") as f:
            json.dump({"hr.people": {"bsonType": "object", "required": ["ssn"]}}, f)
        proc = self.run_cli("command", "analyze", "--db", "hr", "--schema-map", self.schema_map, stdin="{}", ok=False)
        self.assertIn("JSON schema keyword 'required' is only allowed with a remote schema", proc.stderr)
        self.assertIn("hr.people", proc.stderr)


if __name__ == "__main__":
    unittest.main()
