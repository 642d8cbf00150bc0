#!/usr/bin/env bash
# Runs a Python check script of this package with the system python3 (which
# needs python3-yaml): run_python.sh SCRIPT [ARGS...]
set -euo pipefail
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "run_python.sh: python3 with the yaml module is needed (Debian package" \
       "python3-yaml; tools/setup.sh installs it)" >&2
  exit 1
fi
exec python3 "$@"
