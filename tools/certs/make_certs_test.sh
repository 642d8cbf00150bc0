#!/bin/bash
# make_certs.sh: role SANs, extra --san names, chain verification and the
# errors for a malformed --san or a missing directory.
set -euo pipefail
MAKE_CERTS="$1"
DIR="${TEST_TMPDIR:-$(mktemp -d)}/certs"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$MAKE_CERTS" --san='DNS:*.tailor-ps.tailor.svc.cluster.local' --san=IP:10.0.0.7 \
  "$DIR" ps ranker >/dev/null
for role in ps ranker; do
  openssl verify -CAfile "$DIR/ca.crt" "$DIR/$role.crt" >/dev/null ||
    fail "$role.crt does not verify against ca.crt"
  sans="$(openssl x509 -in "$DIR/$role.crt" -noout -ext subjectAltName)"
  for want in "URI:tailor://role/$role" "DNS:localhost" "IP Address:127.0.0.1" \
    "DNS:*.tailor-ps.tailor.svc.cluster.local" "IP Address:10.0.0.7"; do
    [[ "$sans" == *"$want"* ]] || fail "$role.crt lacks $want: $sans"
  done
done

# Without --san: only the role and loopback names; the CA is reused.
ca_before="$(openssl x509 -in "$DIR/ca.crt" -noout -fingerprint)"
"$MAKE_CERTS" "$DIR" client >/dev/null
[[ "$(openssl x509 -in "$DIR/ca.crt" -noout -fingerprint)" == "$ca_before" ]] ||
  fail "the existing CA was replaced"
sans="$(openssl x509 -in "$DIR/client.crt" -noout -ext subjectAltName)"
[[ "$sans" != *"svc.cluster.local"* ]] || fail "client.crt has another run's --san: $sans"

# Errors: exit 2 with a message naming the problem.
if err="$("$MAKE_CERTS" --san=foo "$DIR/x" 2>&1)"; then fail "--san=foo accepted"; fi
[[ "$err" == *"--san='foo' must be DNS:<host name> or IP:<address>"* ]] || fail "message: $err"
if err="$("$MAKE_CERTS" --san=DNS:a.b 2>&1)"; then fail "missing DIR accepted"; fi
[[ "$err" == *"missing DIR"* ]] || fail "message: $err"
if err="$("$MAKE_CERTS" "$DIR" 'Bad Role' 2>&1)"; then fail "bad role accepted"; fi
[[ "$err" == *"must match"* ]] || fail "message: $err"
echo PASS
