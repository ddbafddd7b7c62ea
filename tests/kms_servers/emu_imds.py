"""Credential-source emulator (plain HTTP): the instance metadata services drivers query on demand.

Wire facts: shared/reference/kms-servers.md section 4 "On-demand credentials"; AWS docs "Use IMDSv2",
"Amazon ECS task IAM role" and STS API_AssumeRoleWithWebIdentity; Azure "Managed identities: get a
token using HTTP"; Google "Metadata server: access tokens". Routes:
  PUT  /latest/api/token                                    EC2 IMDSv2 session token
  GET  /latest/meta-data/iam/security-credentials/[role]   EC2 role name / credentials
  GET  <imds.ecs_relative_uri>                              ECS task credentials
  POST|GET /?Action=AssumeRoleWithWebIdentity&...           STS (query or form parameters)
  GET  /metadata/identity/oauth2/token?api-version&resource Azure IMDS (needs "Metadata: true")
  GET  /computeMetadata/v1/instance/service-accounts/default/token  GCP (needs "Metadata-Flavor: Google")
Credentials served come from the state file, so they work against the aws/azure/gcp emulators.
"""

import calendar
import hmac
import os
import time

from emu_core import (b64url_encode, iso8601, json_response, parse_form, request_id,
                      text_response)

_EC2_CREDS = "/latest/meta-data/iam/security-credentials/"
_GCP_TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token"
_AZURE_TOKEN = "/metadata/identity/oauth2/token"


class ImdsProvider:
    name = "imds"

    def __init__(self, env):
        self.env = env
        self.cfg = env.state.get("imds", {})
        self.aws_creds = {c["access_key_id"]: c for c in env.state.get("aws", {}).get("credentials", [])}
        self.azure_domains = env.state.get("azure", {}).get("scope_domains", ["vault.azure.net"])
        self.azure_lifetime = env.state.get("azure", {}).get("token_lifetime", 3599)
        self.gcp_lifetime = env.state.get("gcp", {}).get("token_lifetime", 3599)
        self.ec2_tokens = {}

    def handle(self, req):
        path = req.path
        if path == "/latest/api/token":
            return self._ec2_session(req)
        if path.startswith(_EC2_CREDS) or path == _EC2_CREDS.rstrip("/"):
            return self._ec2_credentials(req, path[len(_EC2_CREDS):])
        ecs_uri = self.cfg.get("ecs_relative_uri")
        if ecs_uri and path == ecs_uri.split("?", 1)[0]:
            return self._ecs(req)
        if path == "/" and (req.method == "POST" or "Action" in req.query_params()):
            return self._sts(req)
        if path == _AZURE_TOKEN:
            return self._azure(req)
        if path == _GCP_TOKEN:
            return self._gcp(req)
        return text_response(404, "Not Found")

    def fault_response(self, status, req):
        return text_response(status, "Injected fault")

    # ---- AWS ------------------------------------------------------------------------------------

    def _served_aws_credential(self):
        key_id = self.cfg.get("aws_access_key_id")
        cred = self.aws_creds.get(key_id)
        if cred is None:
            return None
        expiration = cred.get("expiration") or iso8601(self.env.clock.now() + 3600)
        return {"AccessKeyId": cred["access_key_id"], "SecretAccessKey": cred["secret_access_key"],
                "Token": cred.get("session_token") or "", "Expiration": expiration}

    def _ec2_session(self, req):
        if req.method != "PUT":
            return text_response(405, "Method Not Allowed")
        ttl = req.header("X-aws-ec2-metadata-token-ttl-seconds")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return text_response(400, "Bad Request")
        token = b64url_encode(os.urandom(32))
        self.ec2_tokens[token] = self.env.clock.now() + int(ttl)
        return text_response(200, token, headers={"X-aws-ec2-metadata-token-ttl-seconds": ttl})

    def _ec2_credentials(self, req, role):
        if req.method not in ("GET", "HEAD"):
            return text_response(405, "Method Not Allowed")
        token = req.header("X-aws-ec2-metadata-token")
        if token is not None or self.cfg.get("ec2_require_token", True):
            expiry = self.ec2_tokens.get(token or "")
            if expiry is None or expiry <= self.env.clock.now():
                return text_response(401, "Unauthorized")
        configured = self.cfg.get("ec2_role", "openfle-test-role")
        if role in ("", "/"):
            return text_response(200, configured)
        cred = self._served_aws_credential()
        if role.rstrip("/") != configured or cred is None:
            return text_response(404, "Not Found")
        body = {"Code": "Success", "LastUpdated": iso8601(self.env.clock.now()), "Type": "AWS-HMAC"}
        body.update(cred)
        return json_response(200, body, content_type="text/plain")

    def _ecs(self, req):
        want = self.cfg.get("ecs_authorization")
        if want is not None:
            got = req.header("Authorization") or ""
            if not hmac.compare_digest(got.encode(), want.encode()):
                return json_response(401, {"Message": "Unauthorized"})
        cred = self._served_aws_credential()
        if cred is None:
            return json_response(404, {"Message": "credentials not configured"})
        body = dict(cred)
        body["RoleArn"] = self.cfg.get("ecs_role_arn", "arn:aws:iam::111122223333:role/ecs-task")
        return json_response(200, body)

    def _sts(self, req):
        params = req.query_params()
        if req.method == "POST" and req.body:
            params.update(parse_form(req.body) or {})
        as_json = "application/json" in (req.header("Accept") or "")
        if params.get("Action") != "AssumeRoleWithWebIdentity":
            return self._sts_error(as_json, 400, "InvalidAction",
                                   f"Could not find operation {params.get('Action')} for version "
                                   "2011-06-15")
        if params.get("Version") != "2011-06-15":
            return self._sts_error(as_json, 400, "InvalidAction", "Version must be 2011-06-15")
        for field in ("RoleArn", "RoleSessionName", "WebIdentityToken"):
            if not params.get(field):
                return self._sts_error(as_json, 400, "ValidationError",
                                       f"1 validation error detected: Value null at '{field[0].lower()}"
                                       f"{field[1:]}' failed to satisfy constraint: Member must not "
                                       "be null")
        web = self.cfg.get("web_identity", {})
        if not hmac.compare_digest(params["WebIdentityToken"].encode(), web.get("token", "").encode()):
            return self._sts_error(as_json, 400, "InvalidIdentityToken",
                                   "Couldn't retrieve verification key from your identity provider, "
                                   "please reference AssumeRoleWithWebIdentity documentation for "
                                   "requirements")
        if params["RoleArn"] != web.get("role_arn"):
            return self._sts_error(as_json, 403, "AccessDenied",
                                   "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        cred = self._served_aws_credential()
        if cred is None:
            return self._sts_error(as_json, 500, "InternalFailure", "credentials not configured")
        expiration = _parse_iso(cred["Expiration"])
        assumed = f"{params['RoleArn'].replace(':role/', ':assumed-role/')}/{params['RoleSessionName']}"
        rid = request_id()
        if as_json:
            return json_response(200, {"AssumeRoleWithWebIdentityResponse": {
                "AssumeRoleWithWebIdentityResult": {
                    "AssumedRoleUser": {"Arn": assumed, "AssumedRoleId": "AROAEMULATOR:"
                                        + params["RoleSessionName"]},
                    "Audience": "sts.amazonaws.com", "PackedPolicySize": None,
                    "Provider": "emulator", "SourceIdentity": None,
                    "SubjectFromWebIdentityToken": "emulator-subject",
                    "Credentials": {"AccessKeyId": cred["AccessKeyId"],
                                    "SecretAccessKey": cred["SecretAccessKey"],
                                    "SessionToken": cred["Token"], "Expiration": expiration}},
                "ResponseMetadata": {"RequestId": rid}}})
        xml = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
               "<AssumeRoleWithWebIdentityResult><Credentials>"
               f"<AccessKeyId>{cred['AccessKeyId']}</AccessKeyId>"
               f"<SecretAccessKey>{_xml(cred['SecretAccessKey'])}</SecretAccessKey>"
               f"<SessionToken>{_xml(cred['Token'])}</SessionToken>"
               f"<Expiration>{cred['Expiration']}</Expiration></Credentials>"
               f"<AssumedRoleUser><Arn>{_xml(assumed)}</Arn></AssumedRoleUser>"
               "</AssumeRoleWithWebIdentityResult>"
               f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>"
               "</AssumeRoleWithWebIdentityResponse>")
        return text_response(200, xml, content_type="text/xml")

    @staticmethod
    def _sts_error(as_json, status, code, message):
        rid = request_id()
        if as_json:
            return json_response(status, {"Error": {"Code": code, "Message": message, "Type": "Sender"},
                                          "RequestId": rid})
        xml = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
               f"<Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
               f"<RequestId>{rid}</RequestId></ErrorResponse>")
        return text_response(status, xml, content_type="text/xml")

    # ---- Azure ----------------------------------------------------------------------------------

    def _azure(self, req):
        if req.header("Metadata") != "true":
            return json_response(400, {"error": "invalid_request",
                                       "error_description": "Required metadata header not specified"})
        params = req.query_params()
        for field in ("api-version", "resource"):
            if not params.get(field):
                return json_response(400, {"error": "invalid_request",
                                           "error_description": f"Required query variable '{field}' "
                                                                "is missing"})
        resource = params["resource"]
        domain = resource[len("https://"):].rstrip("/") if resource.startswith("https://") else None
        if domain not in self.azure_domains:
            return json_response(400, {"error": "invalid_resource",
                                       "error_description": f"AADSTS500011: The resource principal "
                                                           f"named {resource} was not found in the "
                                                           "tenant."})
        client_id = self.cfg.get("azure_client_id")
        if not client_id:
            return json_response(400, {"error": "invalid_request",
                                       "error_description": "Identity not found"})
        lifetime = self.azure_lifetime
        token, claims = self.env.tokens.issue("azure", client_id, lifetime,
                                              tid=self.cfg.get("azure_tenant_id", ""), aud=domain)
        return json_response(200, {
            "access_token": token, "client_id": client_id, "expires_in": str(lifetime),
            "expires_on": str(claims["exp"]), "ext_expires_in": str(lifetime),
            "not_before": str(claims["iat"]), "resource": resource, "token_type": "Bearer"})

    # ---- GCP ------------------------------------------------------------------------------------

    def _gcp(self, req):
        if req.header("Metadata-Flavor") != "Google" or req.header("X-Forwarded-For") is not None:
            return text_response(403, "Missing Metadata-Flavor:Google header.", content_type="text/html")
        email = self.cfg.get("gcp_email")
        if not email:
            return text_response(404, "Not Found", content_type="text/html")
        token, _ = self.env.tokens.issue("gcp", email, self.gcp_lifetime, prefix="ya29.",
                                         scopes=["https://www.googleapis.com/auth/cloud-platform"])
        return json_response(200, {"access_token": token, "expires_in": self.gcp_lifetime,
                                   "token_type": "Bearer"},
                             headers={"Metadata-Flavor": "Google"})


def _parse_iso(value):
    return float(calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")))


def _xml(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))

