"""Server-side verification of AWS Signature Version 4 (header form).

Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
  canonical request = method \\n canonical URI \\n canonical query \\n canonical headers \\n
                      signed headers \\n hex(SHA-256(payload))
  string to sign    = "AWS4-HMAC-SHA256" \\n X-Amz-Date \\n scope \\n hex(SHA-256(canonical request))
  signing key       = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request"
The server recomputes the signature from what it received and compares in constant time.
Errors carry the exception names and (close to) the messages real AWS JSON services return.
"""

import calendar
import hashlib
import hmac
import re
import time
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60

_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
             "Check your AWS Secret Access Key and signing method. Consult the service "
             "documentation for details.")


class SigV4Error(Exception):
    """A rejected request: `kind` is the AWS __type, `message` its message (never a secret)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


def parse_authorization(value):
    """Split 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' into a dict."""
    if not value:
        raise SigV4Error("MissingAuthenticationTokenException", "Missing Authentication Token")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SigV4Error("IncompleteSignatureException",
                         f"Unsupported AWS 'algorithm': '{algorithm}'")
    fields = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if eq:
            fields[name] = val
    for required in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(required):
            raise SigV4Error("IncompleteSignatureException",
                             f"Authorization header requires '{required}' parameter.")
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise SigV4Error("IncompleteSignatureException",
                         "Credential must have exactly 5 slash-delimited elements, "
                         "e.g. keyid/date/region/service/term")
    return {
        "access_key": scope[0],
        "date": scope[1],
        "region": scope[2],
        "service": scope[3],
        "terminator": scope[4],
        "signed_headers": fields["SignedHeaders"].split(";"),
        "signature": fields["Signature"],
    }


def _remove_dot_segments(path):
    # RFC 3986 section 5.2.4, plus collapsing empty segments like botocore/AWS do for non-S3.
    out = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    normalized = "/" + "/".join(out)
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return normalized


def canonical_uri(raw_path):
    # The path arrives percent-encoded once; SigV4 (non-S3) encodes it once more.
    return urllib.parse.quote(_remove_dot_segments(raw_path or "/"), safe="/~")


def canonical_query(raw_query):
    pairs = []
    for item in raw_query.split("&") if raw_query else []:
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((urllib.parse.quote(urllib.parse.unquote(key), safe="-_.~"),
                      urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_headers(headers, signed):
    lines = []
    for name in signed:
        values = headers.get_all(name) or []
        joined = ",".join(" ".join(v.split()) for v in values)
        lines.append(f"{name}:{joined}\n")
    return "".join(lines)


def canonical_request(method, raw_path, raw_query, headers, signed, body):
    return "\n".join([
        method,
        canonical_uri(raw_path),
        canonical_query(raw_query),
        canonical_headers(headers, signed),
        ";".join(signed),
        hashlib.sha256(body).hexdigest(),
    ])


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret, amz_date, region, service, creq):
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode("utf-8"), date), region), service),
                "aws4_request")
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse_amz_date(value):
    if not value or not re.fullmatch(r"\d{8}T\d{6}Z", value):
        return None
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None


def _fmt(epoch):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def verify(req, find_credential, now, service, regions=None):
    """Verify req's SigV4 Authorization header; return (credential, parsed auth) or raise SigV4Error.

    find_credential(access_key) -> dict with "secret_access_key" (and maybe "session_token") or None.
    regions: allowed scope regions, or None for any.
    """
    auth = parse_authorization(req.header("Authorization"))
    amz_date = req.header("X-Amz-Date")
    if amz_date is None:
        raise SigV4Error("IncompleteSignatureException",
                         "Authorization header requires existence of either a 'X-Amz-Date' or "
                         "a 'Date' header.")
    signed_at = _parse_amz_date(amz_date)
    if signed_at is None:
        raise SigV4Error("IncompleteSignatureException",
                         f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
    if auth["terminator"] != "aws4_request":
        raise SigV4Error("InvalidSignatureException",
                         "Credential should be scoped with a valid terminator: 'aws4_request', "
                         f"not '{auth['terminator']}'.")
    if auth["service"] != service:
        raise SigV4Error("InvalidSignatureException",
                         f"Credential should be scoped to correct service: '{service}'. ")
    if regions is not None and auth["region"] not in regions:
        raise SigV4Error("InvalidSignatureException",
                         f"Credential should be scoped to a valid region, not '{auth['region']}'. ")
    if auth["date"] != amz_date[:8]:
        raise SigV4Error("InvalidSignatureException",
                         f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                         f"of date from HTTP: '{auth['date']}' != '{amz_date[:8]}', from "
                         f"ISO-8601 string: '{amz_date}'.")
    if signed_at < now - MAX_SKEW_SECONDS:
        raise SigV4Error("InvalidSignatureException",
                         f"Signature expired: {amz_date} is now earlier than "
                         f"{_fmt(now - MAX_SKEW_SECONDS)} ({_fmt(now)} - 15 min.)")
    if signed_at > now + MAX_SKEW_SECONDS:
        raise SigV4Error("InvalidSignatureException",
                         f"Signature not yet current: {amz_date} is still later than "
                         f"{_fmt(now + MAX_SKEW_SECONDS)} ({_fmt(now)} + 15 min.)")
    signed = auth["signed_headers"]
    if "host" not in signed:
        raise SigV4Error("InvalidSignatureException",
                         "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        raise SigV4Error("InvalidSignatureException", _MISMATCH)

    credential = find_credential(auth["access_key"])
    if credential is None:
        raise SigV4Error("UnrecognizedClientException",
                         "The security token included in the request is invalid.")
    creq = canonical_request(req.method, req.path, req.query, req.headers, signed, req.body)
    expected = signature(credential["secret_access_key"], amz_date, auth["region"], service, creq)
    if not hmac.compare_digest(expected.encode(), auth["signature"].encode()):
        raise SigV4Error("InvalidSignatureException", _MISMATCH)

    # Temporary credentials: the session token must be present and match; permanent keys must not
    # carry one. AWS reports both cases with the same message.
    token = req.header("X-Amz-Security-Token")
    want = credential.get("session_token")
    if (want is None) != (token is None) or (
            want is not None and not hmac.compare_digest(want.encode(), token.encode())):
        raise SigV4Error("UnrecognizedClientException",
                         "The security token included in the request is invalid.")
    expiration = credential.get("expiration_epoch")
    if expiration is not None and expiration <= now:
        raise SigV4Error("ExpiredTokenException", "The security token included in the request is expired")
    return credential, auth
