"""TLS behaviour: generated certificates, client-certificate enforcement, bad server certs."""

import json
import socket
import ssl
import unittest
import warnings

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from emu_testlib import Emulator, shared

FAILED_HANDSHAKE = (ssl.SSLError, ConnectionError, OSError)


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


class CertsTest(unittest.TestCase):
    def setUp(self):
        self.certs = shared()["certs"]

    def test_server_and_client_certificate_contents(self):
        server = load_cert(self.certs["server.pem"])
        san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(san.get_values_for_type(x509.DNSName), ["localhost"])
        self.assertEqual([str(ip) for ip in san.get_values_for_type(x509.IPAddress)], ["127.0.0.1"])
        client = load_cert(self.certs["client.crt"])
        eku = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        self.assertIn(ExtendedKeyUsageOID.CLIENT_AUTH, eku)
        wrong = load_cert(self.certs["server-wrong-host.pem"])
        san = wrong.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(san.get_values_for_type(x509.DNSName), ["wrong.example"])
        self.assertEqual(san.get_values_for_type(x509.IPAddress), [])

    def test_combined_and_encrypted_client_files_load(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_cert_chain(self.certs["client.pem"])
        with open(self.certs["client-key-password.txt"]) as f:
            password = f.read()
        ctx.load_cert_chain(self.certs["client-encrypted.pem"], password=password)
        with self.assertRaises(ssl.SSLError):
            ctx.load_cert_chain(self.certs["client-encrypted.pem"], password="wrong")


class TlsTest(unittest.TestCase):
    def setUp(self):
        self.certs = shared()["certs"]

    def test_client_certificate_required_when_client_ca_is_given(self):
        with Emulator("gcp", client_ca=True) as emu:
            with self.assertRaises(FAILED_HANDSHAKE):
                emu.request("GET", "/__emulator/info")
            with self.assertRaises(FAILED_HANDSHAKE):
                emu.request("GET", "/__emulator/info",
                            context=emu.context(client_cert="client-untrusted.pem"))
            status, _, _ = emu.request("POST", "/v1/x", b"{}",
                                       context=emu.context(client_cert="client.pem"))
            self.assertEqual(status, 404)
            with open(self.certs["client-key-password.txt"]) as f:
                ctx = emu.context(client_cert="client-encrypted.pem", password=f.read())
            self.assertEqual(emu.request("GET", "/__emulator/info", context=ctx)[0], 200)
            status, _, raw = emu.request("GET", "/__emulator/requests", context=ctx)
            self.assertEqual([e["client_cert"] for e in json.loads(raw)], [True])

    def assert_rejected_by_client(self, cert, reason):
        with Emulator("gcp", cert=cert) as emu:
            with self.assertRaises(ssl.SSLCertVerificationError) as caught:
                emu.request("GET", "/__emulator/info")
            self.assertIn(reason, str(caught.exception))

    def test_expired_server_certificate(self):
        self.assert_rejected_by_client("server-expired", "certificate has expired")

    def test_wrong_host_server_certificate(self):
        self.assert_rejected_by_client("server-wrong-host", "Hostname mismatch")

    def test_server_certificate_from_untrusted_ca(self):
        self.assert_rejected_by_client("server-untrusted", "unable to get local issuer certificate")

    def test_untrusted_ca_file_trusts_the_untrusted_server(self):
        with Emulator("gcp", cert="server-untrusted") as emu:
            ctx = emu.context(cafile=self.certs["untrusted-ca.pem"])
            self.assertEqual(emu.request("GET", "/__emulator/info", context=ctx)[0], 200)

    def test_ip_address_san_and_ecdsa_tls12(self):
        with Emulator("gcp", cert="server-ecdsa") as emu:
            ctx = ssl.create_default_context(cafile=self.certs["ca.pem"])
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
            with socket.create_connection(("127.0.0.1", emu.port)) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    self.assertEqual(tls.version(), "TLSv1.2")
                    self.assertEqual(tls.cipher()[0], "ECDHE-ECDSA-AES128-GCM-SHA256")

    def test_tls_below_1_2_is_refused(self):
        with Emulator("gcp") as emu:
            ctx = ssl.create_default_context(cafile=self.certs["ca.pem"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            try:
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            except ssl.SSLError:
                pass
            with self.assertRaises(ssl.SSLError) as caught:
                with socket.create_connection(("127.0.0.1", emu.port)) as raw:
                    ctx.wrap_socket(raw, server_hostname="localhost")
            # the server's protocol_version alert, not a client-side refusal to offer TLS 1.1
            self.assertIn("ALERT_PROTOCOL_VERSION", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
