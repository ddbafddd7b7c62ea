#!/bin/sh
# Generates a throwaway PKI for TLS and KMIP tests, with the openssl CLI only.
#
#   tests/tools/make_test_certs.sh DIR
#
# Writes into DIR (created if missing):
#   ca.pem ca.key                 trusted test CA
#   server.pem server.key         CN=localhost, SAN DNS:localhost IP:127.0.0.1 IP:::1, EKU serverAuth
#   wronghost.pem wronghost.key   signed by ca.pem, SAN DNS:wrong.example.com IP:10.255.0.1 only
#   expired.pem expired.key       signed by ca.pem, valid 2020-01-01 .. 2021-01-01
#   untrusted-ca.pem              a second CA that nobody trusts
#   untrusted.pem untrusted.key   signed by untrusted-ca.pem, otherwise like server.pem
#   client.crt client.key         CN=client, EKU clientAuth (PyKMIP refuses client certs without it)
#   client.pem                    client.crt and client.key in one file (drivers' tlsCertificateKeyFile)
#   client-encrypted.pem          the same, key encrypted with AES-256 under password "test-password"
#
# Keys are EC P-256 (fast; PyKMIP then negotiates ECDHE-ECDSA-AES128-GCM-SHA256 under TLS 1.2).
# Set KEY_ALG=rsa for RSA-2048 keys instead. Certificates are valid for 30 days unless stated.
set -eu

dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

case "${KEY_ALG:-ec}" in
  rsa) newkey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; } ;;
  *)   newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; } ;;
esac

# make_ca NAME CN
make_ca() {
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# make_leaf NAME CA CN EXTENSIONS
make_leaf() {
  newkey "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3"
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

server_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'

make_ca ca "openfle test CA"
make_ca untrusted-ca "openfle untrusted CA"
make_leaf server ca localhost "$server_ext"
make_leaf untrusted untrusted-ca localhost "$server_ext"
make_leaf wronghost ca wrong.example.com 'basicConstraints=CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.example.com,IP:10.255.0.1'
make_leaf client ca client 'basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
mv client.pem client.crt

# An expired certificate needs explicit dates, which only `openssl ca` takes.
newkey expired.key
openssl req -new -key expired.key -out expired.csr -subj "/CN=localhost"
mkdir -p ca-db
: > ca-db/index.txt
cat > ca-db/ca.cnf <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
CNF
echo 1000 > ca-db/serial
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
rm -rf ca-db expired.csr

cat client.crt client.key > client.pem
openssl pkey -in client.key -aes256 -passout pass:test-password -out client-encrypted.key
cat client.crt client-encrypted.key > client-encrypted.pem
rm -f client-encrypted.key ./*.srl
chmod 600 ./*.key client.pem client-encrypted.pem
