#!/usr/bin/python3
"""Signs an HTTP request with botocore's SigV4Auth: an independent signer to check ours against.

Reads one JSON object on stdin:
  {"method": "POST", "url": "https://host[:port]/path?query",
   "headers": [["Name", "value"], ...],      # without Authorization / X-Amz-Date / token headers
   "body_b64": "...", "access_key": "...", "secret_key": "...", "token": "" | "...",
   "region": "us-east-1", "service": "kms", "timestamp": "YYYYMMDDTHHMMSSZ"}
and prints the Authorization header botocore computes. Exit status 3 means botocore is missing.
Run with Debian's /usr/bin/python3 (python3-botocore).
"""
import base64
import datetime
import json
import sys

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"botocore is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def main():
    spec = json.load(sys.stdin)
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")

    class FixedDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    # SigV4Auth reads the clock through botocore.auth.datetime.datetime.utcnow().
    class DateTimeModule:
        datetime = FixedDateTime

    botocore.auth.datetime = DateTimeModule

    request = AWSRequest(method=spec["method"], url=spec["url"],
                         data=base64.b64decode(spec["body_b64"]))
    for name, value in spec["headers"]:
        request.headers.add_header(name, value)  # appends, so repeated names stay repeated
    creds = Credentials(spec["access_key"], spec["secret_key"], spec["token"] or None)
    botocore.auth.SigV4Auth(creds, spec["service"], spec["region"]).add_auth(request)
    print(request.headers["Authorization"])


if __name__ == "__main__":
    main()
