#!/usr/bin/python3
"""Runs Debian's PyKMIP server on a free loopback port, with certificates made at start.

Usage: /usr/bin/python3 pykmip_server.py [--dir DIR] [--keep] [--port N]

Makes, in DIR (default: a new temporary directory, removed at exit unless --keep):
  ca.pem                 a self-signed CA (ECDSA P-256)
  server.crt/.key        CN=localhost, SAN DNS:localhost + IP:127.0.0.1, EKU serverAuth, ECDSA
                         P-256 (PyKMIP 0.10 offers TLS 1.2 only; an ECDSA certificate gets an
                         ECDHE-ECDSA-AES-GCM suite instead of plain-RSA AES128-SHA256)
  client.crt/.key        CN=client, EKU clientAuth (PyKMIP refuses a client cert without it)
  client.pem             client.crt and client.key in one file (tlsCertificateKeyFile)
  other.crt/.key         CN=other, EKU clientAuth: a second identity, which PyKMIP denies access
                         to objects that "client" owns (for permission tests)
  server.conf, server.log, pykmip.db, policies/
then starts `/usr/bin/pykmip-server -f server.conf -l server.log`, waits until it completes a
TLS handshake with the client certificate, prints

  LISTENING <port> <dir>

on stdout and runs until SIGTERM or SIGINT, when it stops the server. Exit status 77 means
PyKMIP is not installed (a test skips on it); 1 means the server did not come up (its log is
copied to stderr).

Needs python3-cryptography and python3-pykmip (Debian 12). Facts:
shared/reference/kms-servers.md section 2.
"""

import argparse
import datetime
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

PYKMIP_SERVER = "/usr/bin/pykmip-server"
STARTUP_TIMEOUT_S = 60


def _cryptography():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def _write_key(path, key):
    _, _, serialization, _, _, _ = _cryptography()
    with open(path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    os.chmod(path, 0o600)


def _write_cert(path, cert):
    _, _, serialization, _, _, _ = _cryptography()
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def make_certificates(d):
    x509, hashes, _, ec, EKU, NameOID = _cryptography()
    now = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
    later = now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openfle test KMIP CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_cert(os.path.join(d, "ca.pem"), ca)

    def leaf(name, cn, eku, san=None):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        _write_cert(os.path.join(d, name + ".crt"), cert)
        _write_key(os.path.join(d, name + ".key"), key)

    leaf("server", "localhost", EKU.SERVER_AUTH,
         [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    leaf("client", "client", EKU.CLIENT_AUTH)
    leaf("other", "other", EKU.CLIENT_AUTH)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(d, port):
    os.makedirs(os.path.join(d, "policies"), exist_ok=True)
    conf = os.path.join(d, "server.conf")
    with open(conf, "w") as f:
        f.write(
            "[server]\n"
            "hostname=127.0.0.1\n"
            f"port={port}\n"
            f"certificate_path={d}/server.crt\n"
            f"key_path={d}/server.key\n"
            f"ca_path={d}/ca.pem\n"
            "auth_suite=TLS1.2\n"
            f"policy_path={d}/policies\n"
            "enable_tls_client_auth=True\n"
            "logging_level=DEBUG\n"
            f"database_path={d}/pykmip.db\n"
        )
    return conf


def client_context(d, name="client"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(d, "ca.pem"))
    ctx.load_cert_chain(os.path.join(d, name + ".crt"), os.path.join(d, name + ".key"))
    return ctx


def accepts_tls(d, port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with client_context(d).wrap_socket(raw, server_hostname="localhost"):
                return True
    except (OSError, ssl.SSLError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", help="directory for certificates, config, log and database")
    parser.add_argument("--keep", action="store_true", help="keep the directory at exit")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    args = parser.parse_args()

    if not os.access(PYKMIP_SERVER, os.X_OK):
        print(f"{PYKMIP_SERVER} not found (apt-get install python3-pykmip)", file=sys.stderr)
        return 77

    made_dir = args.dir is None
    d = os.path.abspath(args.dir or tempfile.mkdtemp(prefix="openfle-pykmip-"))
    os.makedirs(d, exist_ok=True)
    make_certificates(d)
    # Drivers and openfle take the client certificate and its key as one PEM file.
    with open(os.path.join(d, "client.pem"), "w") as out:
        for part in ("client.crt", "client.key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    os.chmod(os.path.join(d, "client.pem"), 0o600)
    port = args.port or free_port()
    conf = write_config(d, port)
    log = os.path.join(d, "server.log")

    server = subprocess.Popen(
        [PYKMIP_SERVER, "-f", conf, "-l", log],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )

    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def stop():
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)  # PyKMIP waits for idle sessions (10 s timeout)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if made_dir and not args.keep:
            shutil.rmtree(d, ignore_errors=True)

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not accepts_tls(d, port):
        if server.poll() is not None or time.monotonic() > deadline or stopping:
            print(f"PyKMIP server did not accept TLS on 127.0.0.1:{port}", file=sys.stderr)
            if os.path.exists(log):
                with open(log) as f:
                    sys.stderr.write(f.read()[-4000:])
            stop()
            return 1
        time.sleep(0.2)

    print(f"LISTENING {port} {d}", flush=True)
    while not stopping and server.poll() is None:
        time.sleep(0.2)
    exited_early = server.poll() is not None and not stopping
    stop()
    return 1 if exited_early else 0


if __name__ == "__main__":
    sys.exit(main())
