"""End-to-end tests of the openfle CLI contract (docs/cli.md), run as a user would run it.

Run by CTest with /usr/bin/python3; OPENFLE_BIN names the binary.
"""
import base64
import json
import os
import re
import stat
import subprocess
import tempfile
import unittest

BIN = os.environ.get("OPENFLE_BIN", "openfle")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.home = self.tmp.name
        self.env = dict(os.environ, OPENFLE_HOME=self.home)
        for name in ("OPENFLE_KEY_VAULT", "OPENFLE_KMS_PROVIDERS", "OPENFLE_TLS_OPTIONS"):
            self.env.pop(name, None)

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args, stdin="", ok=True, env=None):
        proc = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True,
                              env=env or self.env, timeout=120)
        if ok and proc.returncode != 0:
            self.fail(f"openfle {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        if not ok and proc.returncode == 0:
            self.fail(f"openfle {' '.join(args)} should have failed; stdout: {proc.stdout}")
        return proc

    def init(self):
        self.run_cli("init")
        with open(os.path.join(self.home, "kms-providers.json")) as f:
            return json.load(f)["local"]["key"]["$binary"]["base64"]

    def create_key(self, *names):
        args = ["key", "create", "--provider", "local"]
        for n in names:
            args += ["--alt-name", n]
        out = self.run_cli(*args).stdout.strip().splitlines()
        self.assertRegex(out[-1], UUID_RE)
        return out[-1]

    def test_init_makes_private_master_key_and_never_replaces_it(self):
        key_b64 = self.init()
        self.assertEqual(len(base64.b64decode(key_b64)), 96)
        path = os.path.join(self.home, "kms-providers.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.home, "keyvault.sqlite")).st_mode), 0o600)
        again = self.run_cli("init", ok=False)
        self.assertIn("already exists", again.stderr)
        with open(path) as f:
            self.assertEqual(json.load(f)["local"]["key"]["$binary"]["base64"], key_b64)

    def test_encrypt_decrypt_round_trip_both_algorithms(self):
        self.init()
        key_id = self.create_key("pii")
        docs = [{"name": "Ada", "ssn": "123-45-6789", "card": {"number": "4111-1111"}, "n": 1},
                {"name": "Bob", "ssn": "987-65-4321", "n": 2},
                {"name": "Cy", "n": 3}]
        stdin = "\n".join(json.dumps(d) for d in docs) + "\n"
        det = self.run_cli("encrypt", "--key-id", key_id, "--algorithm", "deterministic",
                           "--field", "ssn", "--field", "card.number", stdin=stdin).stdout
        lines = det.strip().splitlines()
        self.assertEqual(len(lines), 3)
        first = json.loads(lines[0])
        self.assertEqual(first["ssn"]["$binary"]["subType"], "06")
        self.assertEqual(base64.b64decode(first["ssn"]["$binary"]["base64"])[0], 1)
        self.assertEqual(first["name"], "Ada")
        # Deterministic: the same input gives the same output.
        det2 = self.run_cli("encrypt", "--key-alt-name", "pii", "--algorithm", "deterministic",
                            "--field", "ssn", "--field", "card.number", stdin=stdin).stdout
        self.assertEqual(det, det2)
        back = self.run_cli("decrypt", stdin=det).stdout.strip().splitlines()
        self.assertEqual([json.loads(l) for l in back],
                         [json.loads(l) for l in self.run_cli("decrypt", stdin=stdin).stdout.strip().splitlines()])
        self.assertEqual(json.loads(back[0])["ssn"], "123-45-6789")
        rnd = self.run_cli("encrypt", "--key-id", key_id, "--algorithm", "random", "--field", "n",
                           stdin=stdin).stdout
        rnd2 = self.run_cli("encrypt", "--key-id", key_id, "--algorithm", "random", "--field", "n",
                            stdin=stdin).stdout
        self.assertNotEqual(rnd, rnd2)
        self.assertEqual(base64.b64decode(json.loads(rnd.splitlines()[0])["n"]["$binary"]["base64"])[0], 2)
        self.assertEqual(json.loads(self.run_cli("decrypt", stdin=rnd).stdout.splitlines()[2])["n"],
                         {"$numberInt": "3"})

    def test_stream_errors_name_the_line_and_write_nothing(self):
        self.init()
        self.create_key("k")
        stdin = '{"a": "x"}\n{"a": "y"}\n{"a": oops}\n'
        proc = self.run_cli("encrypt", "--key-alt-name", "k", "--algorithm", "random", "--field", "a",
                            stdin=stdin, ok=False)
        self.assertEqual(proc.stdout, "")
        self.assertIn("line 3", proc.stderr)
        proc = self.run_cli("encrypt", "--key-alt-name", "k", "--algorithm", "deterministic",
                            "--field", "a", stdin='{"a": "x"}\n{"a": 1.5}\n', ok=False)
        self.assertEqual(proc.stdout, "")
        self.assertIn("line 2", proc.stderr)
        self.assertIn("field 'a'", proc.stderr)
        self.assertIn("double", proc.stderr)
        out = os.path.join(self.home, "out.json")
        self.run_cli("encrypt", "--key-alt-name", "k", "--algorithm", "random", "--field", "a",
                     "--output", out, stdin=stdin, ok=False)
        self.assertFalse(os.path.exists(out))

    def test_tampered_ciphertext_and_unknown_key(self):
        self.init()
        self.create_key("k")
        enc = self.run_cli("encrypt", "--key-alt-name", "k", "--algorithm", "random", "--field", "a",
                           stdin='{"a": "secret"}\n').stdout
        doc = json.loads(enc)
        blob = bytearray(base64.b64decode(doc["a"]["$binary"]["base64"]))
        blob[-1] ^= 1
        doc["a"]["$binary"]["base64"] = base64.b64encode(bytes(blob)).decode()
        proc = self.run_cli("decrypt", stdin=json.dumps(doc) + "\n", ok=False)
        self.assertEqual(proc.returncode, 4)
        self.assertIn("HMAC validation failure", proc.stderr)
        blob[5] ^= 1  # inside the key id
        doc["a"]["$binary"]["base64"] = base64.b64encode(bytes(blob)).decode()
        proc = self.run_cli("decrypt", stdin=json.dumps(doc) + "\n", ok=False)
        self.assertEqual(proc.returncode, 3)
        self.assertIn("was not found", proc.stderr)

    def test_key_management_commands(self):
        self.init()
        a = self.create_key("alpha", "beta")
        b = self.create_key()
        listing = self.run_cli("key", "list").stdout
        self.assertIn(a, listing)
        self.assertIn("alpha,beta", listing)
        got = json.loads(self.run_cli("key", "get", "--alt-name", "beta").stdout)
        self.assertEqual(list(got), ["_id", "keyAltNames", "keyMaterial", "creationDate", "updateDate",
                                     "status", "masterKey"])
        self.assertEqual(got["masterKey"], {"provider": "local"})
        dup = self.run_cli("key", "create", "--alt-name", "alpha", ok=False)
        self.assertEqual(dup.returncode, 6)
        self.assertIn("keyAltName 'alpha' already exists", dup.stderr)
        self.run_cli("key", "add-alt-name", "--id", b, "--name", "gamma")
        self.assertEqual(json.loads(self.run_cli("key", "get", "--alt-name", "gamma").stdout)["_id"],
                         {"$binary": {"base64": base64.b64encode(bytes.fromhex(b.replace("-", ""))).decode(),
                                      "subType": "04"}})
        clash = self.run_cli("key", "add-alt-name", "--id", b, "--name", "alpha", ok=False)
        self.assertIn("already exists", clash.stderr)
        self.run_cli("key", "remove-alt-name", "--id", a, "--name", "alpha")
        self.run_cli("key", "get", "--alt-name", "alpha", ok=False)
        refused = self.run_cli("key", "delete", "--id", b, ok=False)
        self.assertIn("refusing to delete without --yes", refused.stderr)
        self.run_cli("key", "get", "--id", b)  # still there
        self.run_cli("key", "delete", "--id", b, "--yes")
        missing = self.run_cli("key", "get", "--id", b, ok=False)
        self.assertEqual(missing.returncode, 3)
        bad = self.run_cli("key", "get", "--id", "not-a-uuid", ok=False)
        self.assertIn("is not a UUID", bad.stderr)

    def test_export_import_all_or_nothing(self):
        self.init()
        self.create_key("one")
        self.create_key("two")
        exported = self.run_cli("key", "export").stdout
        self.assertEqual(len(exported.strip().splitlines()), 2)
        other = dict(self.env, OPENFLE_KEY_VAULT="sqlite:" + os.path.join(self.home, "other.db"))
        self.run_cli("key", "import", stdin=exported, env=other)
        self.assertEqual(self.run_cli("key", "export", env=other).stdout, exported)
        # Importing again: every key is a duplicate; nothing changes.
        proc = self.run_cli("key", "import", stdin=exported, ok=False, env=other)
        self.assertIn("already exists", proc.stderr)
        # A batch with one bad document imports nothing, and names the line.
        fresh = json.loads(exported.splitlines()[0])
        fresh["_id"]["$binary"]["base64"] = base64.b64encode(os.urandom(16)).decode()
        fresh["keyAltNames"] = ["three"]
        broken = dict(fresh, extraField=1)
        third = os.path.join(self.home, "third.db")
        env3 = dict(self.env, OPENFLE_KEY_VAULT="sqlite:" + third)
        proc = self.run_cli("key", "import", stdin=json.dumps(fresh) + "\n" + json.dumps(broken) + "\n",
                            ok=False, env=env3)
        self.assertIn("line 2", proc.stderr)
        self.assertIn("unrecognized field 'extraField'", proc.stderr)
        self.assertEqual(self.run_cli("key", "export", env=env3).stdout, "")
        # mongoexport's relaxed form, as a JSON array.
        relaxed = json.loads(exported.splitlines()[0])
        relaxed["creationDate"] = {"$date": "2024-01-02T03:04:05.678Z"}
        relaxed["updateDate"] = {"$date": "2024-01-02T03:04:05.678Z"}
        relaxed["status"] = 0
        self.run_cli("key", "import", stdin=json.dumps([relaxed]), env=env3)
        listed = self.run_cli("key", "list", env=env3).stdout
        self.assertIn("2024-01-02T03:04:05Z", listed)

    def test_decrypt_with_imported_keys_in_another_vault(self):
        self.init()
        self.create_key("k")
        enc = self.run_cli("encrypt", "--key-alt-name", "k", "--algorithm", "random", "--field", "v",
                           stdin='{"v": "moved"}\n').stdout
        exported = self.run_cli("key", "export").stdout
        other = dict(self.env, OPENFLE_KEY_VAULT="sqlite:" + os.path.join(self.home, "moved.db"))
        self.run_cli("key", "import", "-", stdin=exported, env=other)
        self.assertEqual(json.loads(self.run_cli("decrypt", stdin=enc, env=other).stdout)["v"], "moved")

    def test_missing_kms_providers_says_what_to_do(self):
        proc = self.run_cli("key", "create", ok=False)
        self.assertIn("openfle init", proc.stderr)
        self.assertIn("--kms-providers", proc.stderr)

    def test_kms_providers_option_and_base64_string_key(self):
        key = base64.b64encode(os.urandom(96)).decode()
        path = os.path.join(self.home, "providers.json")
        with open(path, "w") as f:
            json.dump({"local": {"key": key}}, f)
        out = self.run_cli("--kms-providers", path, "key", "create").stdout
        self.assertRegex(out.strip().splitlines()[-1], UUID_RE)
        with open(path, "w") as f:
            json.dump({"local": {"key": base64.b64encode(os.urandom(32)).decode()}}, f)
        proc = self.run_cli("--kms-providers", path, "key", "create", ok=False)
        self.assertIn("local key must be 96 bytes", proc.stderr)

    def test_secrets_never_reach_output_or_logs(self):
        key_b64 = self.init()
        raw = base64.b64decode(key_b64)
        self.create_key("k")
        enc = self.run_cli("-vv", "encrypt", "--key-alt-name", "k", "--algorithm", "random", "--field", "a",
                           stdin='{"a": "x"}\n')
        dec = self.run_cli("-vv", "decrypt", stdin=enc.stdout)
        exported = self.run_cli("-vv", "key", "export")
        for proc in (enc, dec, exported):
            for text in (proc.stdout, proc.stderr):
                self.assertNotIn(key_b64, text)
                self.assertNotIn(raw.hex(), text)
        self.assertIn("debug", dec.stderr)  # -vv really did turn on debug logging

    def test_processes_share_the_key_vault(self):
        # Pipelines run several openfle processes on one vault at once (encrypt | decrypt).
        self.init()
        self.create_key("k")
        procs = [subprocess.Popen([BIN, "key", "create"], env=self.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        procs += [subprocess.Popen([BIN, "key", "list"], env=self.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(len(self.run_cli("key", "list").stdout.strip().splitlines()), 7)
        pipeline = subprocess.run(
            f"'{BIN}' encrypt --key-alt-name k --algorithm random --field a | '{BIN}' decrypt",
            shell=True, input='{"a": "piped"}\n', capture_output=True, text=True, env=self.env, timeout=60)
        self.assertEqual(pipeline.returncode, 0, pipeline.stderr)
        self.assertEqual(json.loads(pipeline.stdout)["a"], "piped")

    def test_bench_prints_json_lines(self):
        proc = self.run_cli("bench", "--threads", "1,2", "--trials", "1", "--trial-ms", "50",
                            "--warmup-ms", "10", "--fields", "100")
        rows = [json.loads(l) for l in proc.stdout.strip().splitlines()]
        self.assertEqual([r["threads"] for r in rows], [1, 2])
        for r in rows:
            self.assertEqual(r["benchmark"], "bulk-decrypt")
            self.assertGreater(r["ops_per_sec"], 0)
        bad = self.run_cli("bench", "--threads", "0", ok=False)
        self.assertIn("--threads", bad.stderr)

    def test_bench_runs_the_automatic_encryption_benchmarks(self):
        for name in ("auto-insert", "find-reply-decrypt"):
            proc = self.run_cli("bench", "--benchmark", name, "--threads", "1", "--trials", "1", "--trial-ms", "50",
                                "--warmup-ms", "10", "--fields", "10", "--documents", "5")
            rows = [json.loads(l) for l in proc.stdout.strip().splitlines()]
            self.assertEqual(len(rows), 1, proc.stdout)
            self.assertEqual(rows[0]["benchmark"], name)
            self.assertEqual(rows[0]["threads"], 1)
            self.assertGreater(rows[0]["ops_per_sec"], 0)
        bad = self.run_cli("bench", "--benchmark", "nope", ok=False)
        self.assertIn("nope", bad.stderr)


if __name__ == "__main__":
    unittest.main()
