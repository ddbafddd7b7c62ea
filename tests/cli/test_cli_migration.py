"""End-to-end tests of moving master keys and retiring data keys with the CLI (README "Migrating
to a KMS"): rewrap with verification, dry runs, backups and restore, interruption by SIGKILL at
random points, re-encryption and key usage.

Run by CTest with /usr/bin/python3; OPENFLE_BIN names the binary.
"""
import base64
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fle1  # noqa: E402

BIN = os.environ.get("OPENFLE_BIN", "openfle")


def b64(data):
    return base64.b64encode(data).decode()


class Migration(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.old_key = os.urandom(96)
        self.new_key = os.urandom(96)
        self.old = self.write_json("old.json", {"local": {"key": b64(self.old_key)}})
        self.new = self.write_json("new.json", {"local:new": {"key": b64(self.new_key)}})
        self.env = dict(os.environ, OPENFLE_HOME=self.dir,
                        OPENFLE_KEY_VAULT="sqlite:" + os.path.join(self.dir, "vault.db"))
        self.env.pop("OPENFLE_KMS_PROVIDERS", None)

    def tearDown(self):
        self.tmp.cleanup()

    def write_json(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def run_cli(self, *args, stdin="", ok=True, providers=None):
        argv = [BIN]
        for p in providers or [self.old, self.new]:
            argv += ["--kms-providers", p]
        proc = subprocess.run(argv + list(args), input=stdin, capture_output=True, text=True, env=self.env,
                              timeout=600)
        if ok and proc.returncode != 0:
            self.fail(f"openfle {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        if not ok and proc.returncode == 0:
            self.fail(f"openfle {' '.join(args)} should have failed")
        return proc

    def make_keys(self, count):
        """`count` data keys wrapped by the old local master key, imported in one go, and one
        document per key holding a value encrypted with it. Returns (documents, plaintexts)."""
        keys, docs, plain = [], [], []
        for i in range(count):
            dek = os.urandom(96)
            kid = uuid.uuid4().bytes
            keys.append({
                "_id": {"$binary": {"base64": b64(kid), "subType": "04"}},
                "keyAltNames": [f"k{i}"],
                "keyMaterial": {"$binary": {"base64": b64(fle1.wrap_local(self.old_key, dek)), "subType": "00"}},
                "creationDate": {"$date": {"$numberLong": "1700000000000"}},
                "updateDate": {"$date": {"$numberLong": "1700000000000"}},
                "status": {"$numberInt": "0"},
                "masterKey": {"provider": "local"},
            })
            text = f"secret {i}"
            blob = fle1.encrypt_string(dek, kid, text, deterministic=i % 2 == 0)
            docs.append(json.dumps({"n": i, "v": {"$binary": {"base64": b64(blob), "subType": "06"}}}))
            plain.append({"n": {"$numberInt": str(i)}, "v": text})
        self.run_cli("key", "import", stdin="\n".join(json.dumps(k) for k in keys) + "\n")
        return "\n".join(docs) + "\n", plain

    def assert_all_decrypt(self, docs, plain, providers=None):
        out = self.run_cli("decrypt", stdin=docs, providers=providers).stdout.strip().splitlines()
        self.assertEqual([json.loads(line) for line in out], plain)

    def providers_of_keys(self):
        out = self.run_cli("key", "list").stdout.strip().splitlines()
        counts = {}
        for line in out:
            provider = line.split()[1]
            counts[provider] = counts.get(provider, 0) + 1
        return counts

    def test_python_vectors_decrypt(self):
        """The independent Python FLE1 agrees with openfle (a second opinion on the format)."""
        docs, plain = self.make_keys(5)
        self.assert_all_decrypt(docs, plain, providers=[self.old])

    def test_rewrap_moves_every_key_and_data_still_decrypts(self):
        docs, plain = self.make_keys(50)
        before = self.run_cli("key", "export").stdout
        dry = self.run_cli("key", "rewrap", "--provider", "local:new", "--dry-run")
        self.assertIn("dry run: 50 of 50 key(s) would be rewrapped", dry.stdout)
        self.assertEqual(self.run_cli("key", "export").stdout, before)
        backup = os.path.join(self.dir, "backup.json")
        done = self.run_cli("key", "rewrap", "--filter", '{"masterKey.provider": "local"}', "--provider", "local:new",
                            "--backup", backup)
        self.assertIn("rewrapped 50 of 50 key(s)", done.stdout)
        self.assertIn("50  local -> local:new", done.stdout)
        self.assertEqual(self.providers_of_keys(), {"local:new": 50})
        self.assertEqual(oct(os.stat(backup).st_mode & 0o777), "0o600")
        with open(backup) as f:
            self.assertEqual(f.read(), before)
        # The data never changed, and it no longer needs the old master key.
        self.assert_all_decrypt(docs, plain, providers=[self.new])
        # A backup is never overwritten.
        again = self.run_cli("key", "rewrap", "--backup", backup, ok=False)
        self.assertIn("already exists", again.stderr)
        # Restore the backup over the current keys: back on the old master key.
        self.run_cli("key", "import", "--replace", backup)
        self.assertEqual(self.run_cli("key", "export").stdout, before)
        self.assert_all_decrypt(docs, plain, providers=[self.old])

    def test_failure_aborts_with_nothing_written(self):
        docs, plain = self.make_keys(10)
        before = self.run_cli("key", "export").stdout
        # One key wrapped by a master key this configuration does not have.
        stranger = json.loads(before.splitlines()[3])
        stranger["masterKey"] = {"provider": "local:gone"}
        self.run_cli("key", "import", "--replace", stdin=json.dumps(stranger) + "\n")
        before = self.run_cli("key", "export").stdout
        proc = self.run_cli("key", "rewrap", "--provider", "local:new", ok=False)
        self.assertIn("nothing was written", proc.stderr)
        self.assertIn("1 of 10", proc.stderr)
        self.assertIn("'local:gone' is not configured", proc.stderr)
        self.assertEqual(self.run_cli("key", "export").stdout, before)

    def test_master_key_needs_provider_and_rotation(self):
        self.make_keys(3)
        proc = self.run_cli("key", "rewrap", "--master-key", "{}", ok=False)
        self.assertIn("--master-key needs --provider", proc.stderr)
        before = {json.loads(l)["_id"]["$binary"]["base64"]: json.loads(l)["keyMaterial"]
                  for l in self.run_cli("key", "export").stdout.splitlines()}
        rotated = self.run_cli("key", "rewrap", "--quiet")
        self.assertIn("rewrapped 3 of 3", rotated.stdout)
        self.assertEqual(rotated.stderr, "")
        after = {json.loads(l)["_id"]["$binary"]["base64"]: json.loads(l)["keyMaterial"]
                 for l in self.run_cli("key", "export").stdout.splitlines()}
        self.assertEqual(set(before), set(after))
        for k in before:
            self.assertNotEqual(before[k], after[k], "rotation rewraps every key with its own master key")
        self.assertEqual(self.providers_of_keys(), {"local": 3})

    def test_sigkill_at_random_points_loses_nothing_then_resumes(self):
        docs, plain = self.make_keys(3000)
        rng = random.Random(int(os.environ.get("OPENFLE_KILL_SEED", "7")))
        started = time.monotonic()
        probe = self.run_cli("key", "rewrap", "--provider", "local:new", "--dry-run", "--quiet")
        full = time.monotonic() - started
        self.assertIn("3000 of 3000", probe.stdout)
        kills = 0
        for attempt in range(6):
            argv = [BIN, "--kms-providers", self.old, "--kms-providers", self.new,
                    "key", "rewrap", "--provider", "local:new", "--quiet"]
            proc = subprocess.Popen(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0, full * 1.2))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate()
            # Every key is usable (with exactly one of the two master keys) and all data decrypts.
            counts = self.providers_of_keys()
            self.assertEqual(sum(counts.values()), 3000, counts)
            self.assertTrue(set(counts) <= {"local", "local:new"}, counts)
            self.assert_all_decrypt(docs, plain)
        self.assertGreater(kills, 0, "at least one run was killed mid-way")
        final = self.run_cli("key", "rewrap", "--provider", "local:new")
        self.assertEqual(self.providers_of_keys(), {"local:new": 3000})
        self.assertIn("3000 key(s)", final.stdout + final.stdout)
        self.assert_all_decrypt(docs, plain, providers=[self.new])

    def test_reencrypt_retires_a_key_and_usage_shows_it(self):
        docs, plain = self.make_keys(4)
        ids = [json.loads(l)["_id"]["$binary"]["base64"] for l in self.run_cli("key", "export").stdout.splitlines()]
        uuids = [str(uuid.UUID(bytes=base64.b64decode(i))) for i in ids]
        usage = self.run_cli("key", "usage", stdin=docs).stdout
        self.assertIn(uuids[0] + "  1 document(s)  k0", usage)
        moved = self.run_cli("reencrypt", "--from-key", uuids[0], "--to-key", uuids[1], stdin=docs)
        self.assertIn("re-encrypted 1 value(s) in 1 document(s)", moved.stderr)
        usage = self.run_cli("key", "usage", stdin=moved.stdout).stdout
        self.assertNotIn(uuids[0], usage)
        self.assertIn(uuids[1] + "  2 document(s)", usage)
        self.run_cli("key", "delete", "--id", uuids[0], "--yes")
        self.assert_all_decrypt(moved.stdout, plain)
        # The original stream still needs the deleted key: decrypting it now fails, naming the key.
        proc = self.run_cli("decrypt", stdin=docs, ok=False)
        self.assertIn(uuids[0], proc.stderr)

    def test_providers_from_several_files_must_not_overlap(self):
        clash = self.write_json("clash.json", {"local": {"key": b64(os.urandom(96))}})
        proc = self.run_cli("key", "list", providers=[self.old, clash])  # key list needs no KMS
        self.assertEqual(proc.returncode, 0)
        proc = self.run_cli("key", "create", providers=[self.old, clash], ok=False)
        self.assertIn("defined in both", proc.stderr)


if __name__ == "__main__":
    unittest.main()
