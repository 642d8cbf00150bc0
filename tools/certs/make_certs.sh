#!/bin/bash
# Makes a private certificate authority and one certificate per Tailor role
# with Debian's openssl, for tests and demos (docs/security.md):
#
#   tools/certs/make_certs.sh [--san=DNS:NAME|IP:ADDR ...] DIR [ROLE ...]
#
# DIR receives ca.crt and ca.key (the CA), and <role>.crt / <role>.key for
# each role (default: coordinator worker ps ranker client). Each role
# certificate names its role as the SAN URI tailor://role/<role> (and as the
# subject OU) and is valid for the host names localhost and 127.0.0.1, so a
# server bound to loopback can present it too, plus every --san given (for
# example --san='DNS:*.tailor-ps.tailor.svc.cluster.local' for the
# parameter-server shards of a Kubernetes StatefulSet, or --san=IP:10.0.0.7).
# Keys are EC P-256; the certificates are valid for 30 days. An existing CA in
# DIR is reused, so more roles can be added later; a CA key that is not
# readable is an error.
set -euo pipefail

if [[ $# -lt 1 || "$1" == "--help" || "$1" == "-h" ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -lt 1 ]] && exit 2 || exit 0
fi
EXTRA_SANS=""
while [[ $# -gt 0 && "$1" == --san=* ]]; do
  san="${1#--san=}"
  if [[ ! "$san" =~ ^(DNS:[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?|IP:[0-9A-Fa-f:.]+)$ ]]; then
    echo "make_certs.sh: --san='$san' must be DNS:<host name> or IP:<address>" >&2
    exit 2
  fi
  EXTRA_SANS="$EXTRA_SANS,$san"
  shift
done
if [[ $# -lt 1 ]]; then
  echo "make_certs.sh: missing DIR (see --help)" >&2
  exit 2
fi
DIR="$1"
shift
ROLES=("$@")
[[ ${#ROLES[@]} -eq 0 ]] && ROLES=(coordinator worker ps ranker client)
OPENSSL="${OPENSSL:-openssl}"
command -v "$OPENSSL" >/dev/null || {
  echo "make_certs.sh: openssl not found (apt-get install openssl)" >&2
  exit 1
}
mkdir -p "$DIR"
umask 077

if [[ ! -s "$DIR/ca.crt" || ! -s "$DIR/ca.key" ]]; then
  "$OPENSSL" req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" -days 30 -sha256 \
    -subj "/O=Tailor/CN=Tailor private CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

for role in "${ROLES[@]}"; do
  if [[ ! "$role" =~ ^[a-z][a-z0-9_-]*$ ]]; then
    echo "make_certs.sh: role '$role' must match [a-z][a-z0-9_-]*" >&2
    exit 2
  fi
  ext="$DIR/$role.ext"
  cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:tailor://role/$role,DNS:localhost,IP:127.0.0.1$EXTRA_SANS
EXT
  "$OPENSSL" req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$DIR/$role.key" -out "$DIR/$role.csr" \
    -subj "/O=Tailor/OU=$role/CN=tailor-$role" 2>/dev/null
  "$OPENSSL" x509 -req -in "$DIR/$role.csr" -CA "$DIR/ca.crt" \
    -CAkey "$DIR/ca.key" -CAcreateserial -out "$DIR/$role.crt" -days 30 \
    -sha256 -extfile "$ext" 2>/dev/null
  rm -f "$DIR/$role.csr" "$ext"
done
rm -f "$DIR/ca.srl"
echo "make_certs.sh: CA and certificates for ${ROLES[*]} in $DIR"
