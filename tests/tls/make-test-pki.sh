#!/usr/bin/env bash
# Makes throw-away certificates for the cluster's TLS tests with the openssl
# CLI, into DIR (made if missing), valid for 2 days:
#   ca.pem                     the cluster's CA (its key: ca.key)
#   node-a.pem/.key, node-b.pem/.key, node-c.pem/.key
#                              node certificates signed by ca.pem
#   foreign-ca.pem, foreign.pem/.key
#                              another CA and a node certificate it signed
#   server-only.pem/.key       signed by ca.pem, but for TLS servers only
#   node-a.enc.key             node-a's key, encrypted (passphrase "secret")
#   tests/tls/make-test-pki.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
export OPENSSL_CONF=/dev/null # no site defaults: exactly the extensions below

ca() { # name subject
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# name ca extended-key-usage
leaf() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1.key" -out "$1.csr" -subj "/CN=flux-$1" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
    "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$1.ext" \
    -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
  chmod 600 "$1.key"
}

ca ca "flux test cluster CA"
ca foreign-ca "flux test foreign CA"
for n in node-a node-b node-c; do leaf "$n" ca serverAuth,clientAuth; done
leaf foreign foreign-ca serverAuth,clientAuth
leaf server-only ca serverAuth
openssl pkey -in node-a.key -aes256 -passout pass:secret -out node-a.enc.key
