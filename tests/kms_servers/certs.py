#!/usr/bin/python3
"""Generate the TLS material the KMS emulator tests need, fresh at test time.

Usage: /usr/bin/python3 tests/kms_servers/certs.py OUTDIR [--password PW]

Everything is made with python3-cryptography so no key ever lives in the repository.
Files written to OUTDIR (PEM; every `*.key` is an unencrypted PKCS#8 private key):

  ca.pem / ca.key                       trusted test CA
  untrusted-ca.pem / untrusted-ca.key   a second CA that tests do NOT trust
  server.pem / server.key               CN=localhost, SAN DNS:localhost + IP:127.0.0.1, serverAuth (RSA-2048)
  server-ecdsa.pem / server-ecdsa.key   same names, ECDSA P-256 (PyKMIP's TLS 1.2 suites: ECDHE-ECDSA-*-GCM)
  server-expired.pem / .key             same names, validity ended yesterday
  server-wrong-host.pem / .key          CN=wrong.example, SAN DNS:wrong.example only
  server-untrusted.pem / .key           correct names but signed by the untrusted CA
  client.crt / client.key               CN=client, EKU clientAuth (PyKMIP rejects client certs without it)
  client.pem                            client.crt + client.key concatenated (drivers' tlsCertificateKeyFile)
  client-encrypted.key                  client key, PKCS#8 encrypted with the password
  client-encrypted.pem                  client.crt + client-encrypted.key
  client-key-password.txt               that password (no trailing newline)
  client-untrusted.pem                  CN=client cert+key signed by the untrusted CA
"""

import argparse
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_PASSWORD = "openfle-test-password"
_DAY = datetime.timedelta(days=1)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "openfle tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_pem(key, password=None):
    enc = (serialization.BestAvailableEncryption(password.encode()) if password
           else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def _cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


class Issuer:
    """A CA: its key and certificate, able to sign leaf certificates."""

    def __init__(self, cn):
        self.key = _rsa_key()
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY).not_valid_after(now + 3650 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256()))

    def issue(self, cn, key, *, dns=(), ips=(), client=False, expired=False):
        """Sign a leaf certificate for `key`; server (serverAuth) unless client=True."""
        now = _now()
        if expired:
            not_before, not_after = now - 30 * _DAY, now - _DAY
        else:
            not_before, not_after = now - _DAY, now + 825 * _DAY
        # RSA keys encipher the pre-master secret in TLS 1.2 RSA kex; ECDSA keys only sign.
        is_rsa = isinstance(key, rsa.RSAPrivateKey)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=is_rsa, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False))
        sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(self.key, hashes.SHA256())


def _write(outdir, name, data):
    path = os.path.join(outdir, name)
    # Private keys are written owner-only, like a real deployment would.
    mode = 0o600 if name.endswith((".key", ".pem")) else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def generate(outdir, password=DEFAULT_PASSWORD):
    """Write every file listed in the module docstring to outdir; return {name: path}."""
    os.makedirs(outdir, exist_ok=True)
    out = {}

    def put(name, data):
        out[name] = _write(outdir, name, data)

    ca = Issuer("openfle test CA")
    bad_ca = Issuer("openfle untrusted CA")
    put("ca.pem", _cert_pem(ca.cert))
    put("ca.key", _key_pem(ca.key))
    put("untrusted-ca.pem", _cert_pem(bad_ca.cert))
    put("untrusted-ca.key", _key_pem(bad_ca.key))

    local = dict(dns=["localhost"], ips=["127.0.0.1"])
    servers = {
        "server": (ca, "localhost", _rsa_key(), local, False),
        "server-ecdsa": (ca, "localhost", ec.generate_private_key(ec.SECP256R1()), local, False),
        "server-expired": (ca, "localhost", _rsa_key(), local, True),
        "server-wrong-host": (ca, "wrong.example", _rsa_key(), dict(dns=["wrong.example"]), False),
        "server-untrusted": (bad_ca, "localhost", _rsa_key(), local, False),
    }
    for name, (issuer, cn, key, sans, expired) in servers.items():
        cert = issuer.issue(cn, key, expired=expired, **sans)
        put(name + ".pem", _cert_pem(cert))
        put(name + ".key", _key_pem(key))

    client_key = _rsa_key()
    client_cert = _cert_pem(ca.issue("client", client_key, client=True))
    put("client.crt", client_cert)
    put("client.key", _key_pem(client_key))
    put("client.pem", client_cert + _key_pem(client_key))
    put("client-encrypted.key", _key_pem(client_key, password))
    put("client-encrypted.pem", client_cert + _key_pem(client_key, password))
    put("client-key-password.txt", password.encode())

    rogue_key = _rsa_key()
    put("client-untrusted.pem",
        _cert_pem(bad_ca.issue("client", rogue_key, client=True)) + _key_pem(rogue_key))
    return out


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--password", default=DEFAULT_PASSWORD,
                        help="password for client-encrypted.{key,pem}")
    args = parser.parse_args(argv)
    for name, path in sorted(generate(args.outdir, args.password).items()):
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
