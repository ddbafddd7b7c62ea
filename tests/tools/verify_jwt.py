#!/usr/bin/python3
"""Verifies an RS256 JWT with PyJWT and python3-cryptography: an independent check of our signer.

Reads one JSON object on stdin: {"jwt": "...", "public_key_pem": "...", "audience": "..."}.
Prints {"header": {...}, "claims": {...}} when the signature and audience verify; exits 1 with the
reason otherwise, and 3 when PyJWT or cryptography is missing. Expiry is not checked (tests use
fixed times). Run with Debian's /usr/bin/python3 (python3-jwt, python3-cryptography).
"""
import json
import sys

try:
    import jwt
    from cryptography.hazmat.primitives import serialization
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"PyJWT or cryptography is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def main():
    spec = json.load(sys.stdin)
    key = serialization.load_pem_public_key(spec["public_key_pem"].encode())
    try:
        claims = jwt.decode(spec["jwt"], key, algorithms=["RS256"], audience=spec["audience"],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except jwt.PyJWTError as e:
        print(f"verification failed: {type(e).__name__}: {e}")
        sys.exit(1)
    print(json.dumps({"header": jwt.get_unverified_header(spec["jwt"]), "claims": claims}))


if __name__ == "__main__":
    main()
