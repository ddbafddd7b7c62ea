#!/usr/bin/python3
"""Loopback KMS emulator: one provider per process, HTTPS (or plain HTTP for IMDS).

  /usr/bin/python3 tests/kms_servers/kms_emulator.py --provider aws|azure|gcp|imds
      --state STATE.json [--port N] [--host 127.0.0.1]
      (--cert CERT.pem --key KEY.pem [--client-ca CA.pem] [--key-password PW] | --no-tls)

Prints exactly one line "LISTENING <port>" on stdout once it accepts connections (port 0 picks a
free port), then logs requests (paths only, never secrets) to stderr. SIGTERM/SIGINT stop it with
exit status 0. A bad command line or state file prints the reason to stderr and exits with 2.
See README.md for the state-file schema and the /__emulator/ control API.
"""

import argparse
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emu_core import Clock, Env, TokenAuthority  # noqa: E402
from emu_http import EmulatorServer, make_ssl_context  # noqa: E402


def _provider_class(name):
    if name == "aws":
        from emu_aws import AwsKmsProvider
        return AwsKmsProvider
    if name == "azure":
        from emu_azure import AzureProvider
        return AzureProvider
    if name == "gcp":
        from emu_gcp import GcpProvider
        return GcpProvider
    from emu_imds import ImdsProvider
    return ImdsProvider


def build_server(provider, state, host="127.0.0.1", port=0, cert=None, key=None, client_ca=None,
                 key_password=None, tls=True):
    """Create (but do not start) a server; also used by tests that run emulators in-process."""
    clock = Clock()
    env = Env(state=state, clock=clock, tokens=TokenAuthority(state, clock))
    handler = _provider_class(provider)(env)
    context = make_ssl_context(cert, key, client_ca, key_password) if tls else None
    return EmulatorServer((host, port), handler, env, context)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Loopback AWS/Azure/GCP KMS and IMDS emulator.")
    parser.add_argument("--provider", required=True, choices=["aws", "azure", "gcp", "imds"])
    parser.add_argument("--state", required=True, help="JSON state file (README.md)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cert", help="server certificate chain (PEM)")
    parser.add_argument("--key", help="server private key (PEM)")
    parser.add_argument("--key-password", help="password of --key, if encrypted")
    parser.add_argument("--client-ca", help="require TLS client certificates issued by this CA")
    parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP (IMDS)")
    args = parser.parse_args(argv)
    if args.no_tls and (args.cert or args.key or args.client_ca):
        parser.error("--no-tls excludes --cert/--key/--client-ca")
    if not args.no_tls and not (args.cert and args.key):
        parser.error("TLS needs --cert and --key (or pass --no-tls)")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        with open(args.state, encoding="utf-8") as f:
            state = json.load(f)
        if not isinstance(state, dict):
            raise ValueError("the state file must hold a JSON object")
        server = build_server(args.provider, state, args.host, args.port, args.cert, args.key,
                              args.client_ca, args.key_password, tls=not args.no_tls)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.stderr.write(f"kms_emulator: cannot start {args.provider}: {type(exc).__name__}: {exc}\n")
        return 2

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write(f"LISTENING {server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
