#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds openfle, and walks through a first
# session on embedded defaults (a local master key and a SQLite key vault in ./quickstart-home).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build" -DOPENFLE_BUILD_TESTS=OFF -DOPENFLE_BUILD_BENCH=OFF
openfle="$root/build/src/cli/openfle"

export OPENFLE_HOME="$root/quickstart-home"
echo "== openfle init: a local master key (96 random bytes, mode 0600) and a SQLite key vault in $OPENFLE_HOME"
if [[ -f "$OPENFLE_HOME/kms-providers.json" ]]; then
  echo "(already initialised; keeping the existing master key)"
else
  "$openfle" init
fi

echo; echo "== openfle key create: a data key wrapped by the local master key"
"$openfle" key create --provider local --alt-name "quickstart-$$" | tail -n 1

cat > "$OPENFLE_HOME/patients.json" <<'DOCS'
{"name": "Ada Lovelace", "ssn": "123-45-6789", "record": {"blood": "O+", "allergies": ["penicillin"]}}
{"name": "Alan Turing", "ssn": "987-65-4321", "record": {"blood": "A-", "allergies": []}}
DOCS
echo; echo "== the documents"
cat "$OPENFLE_HOME/patients.json"

echo; echo "== ssn encrypted deterministically (queryable by equality), record randomly"
"$openfle" encrypt --key-alt-name "quickstart-$$" --algorithm deterministic --field ssn \
  < "$OPENFLE_HOME/patients.json" \
  | "$openfle" encrypt --key-alt-name "quickstart-$$" --algorithm random --field record \
  > "$OPENFLE_HOME/patients.encrypted.json"
cat "$OPENFLE_HOME/patients.encrypted.json"

echo; echo "== decrypted back"
"$openfle" decrypt < "$OPENFLE_HOME/patients.encrypted.json"

echo; echo "== the key vault"
"$openfle" key list
echo; echo "Done. Try: export OPENFLE_HOME=$OPENFLE_HOME; $openfle --help"
