#!/usr/bin/python3
"""Write a complete emulator state file with fresh secrets and persisted key material.

Usage: /usr/bin/python3 tests/kms_servers/make_state.py OUT.json

The same file is given to every emulator process (aws, azure, gcp, imds) of a test run, so tokens
minted by one are accepted by the others and key material is identical across restarts. It also
holds what clients need (AWS keys, Azure client secret, the GCP service account's private key),
because test clients and the emulators must agree on them; it is test data, never real secrets.
"""

import json
import os
import secrets
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emu_azure import new_key_spec  # noqa: E402
from emu_core import b64encode_std  # noqa: E402
from emu_gcp import new_service_account  # noqa: E402

ACCOUNT = "111122223333"
REGION = "us-east-1"


def _aws_key(region=REGION, aliases=(), enabled=True):
    return {"arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{uuid.uuid4()}", "aliases": list(aliases),
            "material": b64encode_std(os.urandom(32)), "enabled": enabled}


def _access_key(prefix):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(16))


def default_state():
    """A state dict covering every provider; tests pick entries by their documented role."""
    main_key = _aws_key(aliases=["alias/openfle-test"])
    other_key = _aws_key(aliases=["alias/openfle-denied"])
    west_key = _aws_key(region="us-west-2")
    disabled_key = _aws_key(enabled=False)
    # Secrets with characters libmongocrypt sends unencoded in the Azure form and that still decode
    # to themselves ('~', '.', '-', '_' are what Azure generates).
    azure_secret = "Az~" + secrets.token_urlsafe(24) + ".x-y_z"
    gcp_sa = new_service_account("openfle-test@openfle-project.iam.gserviceaccount.com")
    gcp_other = new_service_account("limited@openfle-project.iam.gserviceaccount.com")
    gcp_name = "projects/openfle-project/locations/global/keyRings/openfle-ring/cryptoKeys/openfle-key"
    gcp_other_name = "projects/openfle-project/locations/global/keyRings/openfle-ring/cryptoKeys/other-key"
    gcp_other["allowed_keys"] = [gcp_other_name]
    return {
        "token_secret": secrets.token_hex(32),
        "aws": {
            "regions": [REGION, "us-west-2"],
            "credentials": [
                {"access_key_id": _access_key("AKIA"), "secret_access_key": secrets.token_urlsafe(30),
                 "principal": f"arn:aws:iam::{ACCOUNT}:user/openfle-test",
                 "allowed_keys": [main_key["arn"], west_key["arn"], disabled_key["arn"]]},
                {"access_key_id": _access_key("ASIA"), "secret_access_key": secrets.token_urlsafe(30),
                 "session_token": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(48),
                 "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/openfle-role/session",
                 "allowed_keys": ["*"]},
            ],
            "keys": [main_key, other_key, west_key, disabled_key],
        },
        "azure": {
            "clients": [{"tenant_id": str(uuid.uuid4()), "client_id": str(uuid.uuid4()),
                         "client_secret": azure_secret}],
            "scope_domains": ["vault.azure.net", "vault.azure.cn"],
            "token_lifetime": 3599,
            "keys": [new_key_spec("openfle-key", versions=2),
                     dict(new_key_spec("other-key"), allowed_clients=[str(uuid.uuid4())])],
        },
        "gcp": {
            "service_accounts": [gcp_sa, gcp_other],
            "token_lifetime": 3599,
            "keys": [
                {"name": gcp_name, "primary": "2",
                 "versions": [{"id": "1", "material": b64encode_std(os.urandom(32))},
                              {"id": "2", "material": b64encode_std(os.urandom(32))},
                              {"id": "3", "material": b64encode_std(os.urandom(32)),
                               "state": "DISABLED"}]},
                {"name": gcp_other_name,
                 "versions": [{"id": "1", "material": b64encode_std(os.urandom(32))}]},
            ],
        },
        "imds": {},
    }


def with_imds(state):
    """Point the IMDS section at the state's temporary AWS credential, Azure client and GCP account."""
    aws_temp = next(c for c in state["aws"]["credentials"] if c.get("session_token"))
    state["imds"] = {
        "aws_access_key_id": aws_temp["access_key_id"],
        "ec2_role": "openfle-test-role",
        "ec2_require_token": True,
        "ecs_relative_uri": "/v2/credentials/" + str(uuid.uuid4()),
        "web_identity": {"token": secrets.token_urlsafe(40),
                         "role_arn": f"arn:aws:iam::{ACCOUNT}:role/openfle-web-identity"},
        "azure_client_id": state["azure"]["clients"][0]["client_id"],
        "azure_tenant_id": state["azure"]["clients"][0]["tenant_id"],
        "gcp_email": state["gcp"]["service_accounts"][0]["email"],
    }
    return state


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    fd = os.open(argv[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(with_imds(default_state()), f, indent=2)
        f.write("\n")
    print(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
