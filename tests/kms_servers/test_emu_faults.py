"""Fault injection, request log and clock control (the /__emulator/ API)."""

import http.client
import json
import socket
import ssl
import time
import unittest

from emu_testlib import Emulator, shared

# What a client sees when the server closes without answering: over TLS, an EOF without
# close_notify may surface as an SSL error instead of RemoteDisconnected.
NO_REPLY = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError,
            ssl.SSLError)


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shared()
        cls.aws = Emulator("aws").__enter__()
        cls.gcp = Emulator("gcp").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.aws.__exit__(None, None, None)
        cls.gcp.__exit__(None, None, None)

    def setUp(self):
        for emu in (self.aws, self.gcp):
            emu.control("DELETE", "faults")
            emu.control("DELETE", "requests")

    def probe(self, emu=None, path="/v1/nothing", timeout=10):
        """A request the provider answers normally with 404."""
        return (emu or self.gcp).request("POST", path, {}, {"Content-Type": "application/json"},
                                         timeout=timeout)

    def test_status_fault_for_the_next_n_requests_then_normal(self):
        got = self.gcp.control("POST", "faults", {"mode": "status", "status": 503, "count": 2})
        self.assertEqual(got["pending"][0]["count"], 2)
        for _ in range(2):
            status, hdrs, body = self.probe()
            self.assertEqual(status, 503)
            err = json.loads(body)["error"]
            self.assertEqual((err["code"], err["status"]), (503, "UNAVAILABLE"))
        self.assertEqual(self.probe()[0], 404)
        log = self.gcp.control("GET", "requests")
        self.assertEqual([e["status"] for e in log], [503, 503, 404])
        self.assertEqual([e["fault"] for e in log], ["status", "status", None])
        self.assertEqual(self.gcp.control("GET", "faults")["pending"], [])

    def test_status_429_has_the_provider_shape(self):
        self.aws.control("POST", "faults", {"mode": "status", "status": 429})
        status, hdrs, body = self.probe(self.aws, "/")
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(body)["__type"], "ThrottlingException")
        self.assertEqual(hdrs["content-type"], "application/x-amz-json-1.1")

    def test_status_fault_with_custom_body(self):
        self.gcp.control("POST", "faults", {"mode": "status", "status": 500, "body": "oops"})
        status, _, body = self.probe()
        self.assertEqual((status, body), (500, b"oops"))

    def test_drop_closes_without_reply(self):
        self.gcp.control("POST", "faults", {"mode": "drop"})
        with self.assertRaises(NO_REPLY):
            self.probe()
        self.assertEqual(self.probe()[0], 404)
        self.assertEqual([e["fault"] for e in self.gcp.control("GET", "requests")], ["drop", None])

    def test_hang_outlasts_a_client_timeout_and_delete_releases_it(self):
        self.gcp.control("POST", "faults", {"mode": "hang", "seconds": 30})
        start = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.probe(timeout=0.5)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(self.gcp.control("DELETE", "faults")["cleared"], 0)  # consumed already
        self.assertEqual(self.probe()[0], 404)

    def test_short_hang_then_normal_reply(self):
        self.gcp.control("POST", "faults", {"mode": "hang", "seconds": 0.4})
        start = time.monotonic()
        self.assertEqual(self.probe()[0], 404)
        self.assertGreaterEqual(time.monotonic() - start, 0.4)

    def test_malformed_is_200_with_invalid_json(self):
        self.gcp.control("POST", "faults", {"mode": "malformed"})
        status, hdrs, body = self.probe()
        self.assertEqual(status, 200)
        self.assertIn("json", hdrs["content-type"])
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_truncated_promises_more_than_it_sends(self):
        self.gcp.control("POST", "faults", {"mode": "truncated"})
        conn = self.gcp.connection()
        conn.request("POST", "/v1/nothing", b"{}", {"Content-Type": "application/json"})
        resp = conn.getresponse()
        declared = int(resp.getheader("Content-Length"))
        with self.assertRaises((http.client.IncompleteRead, ssl.SSLError)) as caught:
            resp.read()
        if isinstance(caught.exception, http.client.IncompleteRead):
            self.assertLess(len(caught.exception.partial), declared)
        conn.close()

    def test_match_limits_a_fault_to_some_paths(self):
        self.gcp.control("POST", "faults", {"mode": "status", "status": 502, "match": "/token"})
        self.assertEqual(self.probe()[0], 404)
        self.assertEqual(self.probe(path="/token")[0], 502)

    def test_several_faults_queue_in_order(self):
        self.gcp.control("POST", "faults", [{"mode": "status", "status": 500},
                                            {"mode": "status", "status": 503}])
        self.assertEqual([self.probe()[0] for _ in range(3)], [500, 503, 404])

    def test_invalid_specs_are_rejected(self):
        for spec in ({"mode": "explode"}, {"mode": "status"}, {"mode": "status", "status": 99},
                     {"mode": "drop", "count": 0}, {"mode": "hang", "seconds": -1}, "drop"):
            status, body = self.gcp.json("POST", "/__emulator/faults", spec)
            self.assertEqual(status, 400, spec)
            self.assertIn("error", body)
        self.assertEqual(self.gcp.control("GET", "faults")["pending"], [])

    def test_delete_clears_pending_faults(self):
        self.gcp.control("POST", "faults", {"mode": "drop", "count": 5})
        self.assertEqual(self.gcp.control("DELETE", "faults")["cleared"], 1)
        self.assertEqual(self.probe()[0], 404)

    def test_request_log_has_names_but_no_secrets(self):
        self.gcp.request("POST", "/token?assertion=SECRETVALUE", "assertion=SECRETBODY",
                         {"Authorization": "Bearer SECRETTOKEN", "Content-Type": "text/plain"})
        self.gcp.control("GET", "info")  # control calls are not logged
        log = self.gcp.control("GET", "requests")
        self.assertEqual(len(log), 1)
        entry = log[0]
        self.assertEqual((entry["method"], entry["path"]), ("POST", "/token"))
        self.assertEqual(entry["query_keys"], ["assertion"])
        self.assertIn("Authorization", entry["headers"])
        self.assertNotIn("SECRET", json.dumps(log))
        self.assertEqual(self.gcp.control("DELETE", "requests")["cleared"], 1)
        self.assertEqual(self.gcp.control("GET", "requests"), [])

    def test_control_endpoints(self):
        info = self.aws.control("GET", "info")
        self.assertEqual((info["provider"], info["port"], info["tls"]), ("aws", self.aws.port, True))
        clock = self.aws.control("POST", "clock", {"offset_seconds": 120})
        self.assertAlmostEqual(clock["now"] - time.time(), 120, delta=5)
        self.aws.control("POST", "clock", {"offset_seconds": 0})
        self.assertEqual(self.aws.json("GET", "/__emulator/nope")[0], 404)
        self.assertEqual(self.aws.json("POST", "/__emulator/tokens", {})[0], 404)  # aws mints none
        self.assertEqual(self.aws.json("PUT", "/__emulator/requests")[0], 405)


if __name__ == "__main__":
    unittest.main()
