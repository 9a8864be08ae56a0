#!/bin/sh
# Upload an API's OpenAPI spec to scopectl from any CI (GitLab CI, Jenkins, Buildkite, a release
# script): the same two calls as openapi-upload.yml, as one POSIX shell script. See README.md beside it.
#
#   upload-openapi.sh FILE API SERVER            upload (after a merge, or a release)
#   upload-openapi.sh FILE API SERVER --dry-run  show what the upload would change, write nothing
#
#   e.g. ./upload-openapi.sh build/openapi.yaml orders https://auth.example.com --dry-run
#
# Environment: SCOPECTL_CLIENT_ID and SCOPECTL_CLIENT_SECRET, the client credentials of the m2m
# Application the config repository declares for this CI, from the CI's secret store (masked
# variables); scopectl reads them from the environment only and never prints them. SCOPECTL: how to run
# scopectl (default: npx --yes scopectl@0.1.0; `npx scopectl` when it is in your package.json).
#
# Exit status: 0 uploaded, or nothing to change, or a dry run (whether or not it would change
# something: the import log says what); 1 an error, printed by scopectl; 64 a wrong command line.
set -eu

usage() {
  echo "usage: $0 FILE API SERVER [--dry-run]" >&2
  exit 64
}
[ "$#" -ge 3 ] && [ "$#" -le 4 ] || usage
file=$1
api=$2
server=$3
dry_run=${4:-}
[ -z "$dry_run" ] || [ "$dry_run" = --dry-run ] || usage
scopectl=${SCOPECTL:-npx --yes scopectl@0.1.0}

status=0
# $scopectl is a command and its arguments, split on purpose; $dry_run is empty or --dry-run.
# shellcheck disable=SC2086
$scopectl openapi upload "$file" --api "$api" --server "$server" $dry_run || status=$?
case "$status" in
  0) ;;
  2)
    # Only a dry run exits 2: the upload would change the Api. That is what a dry run is for.
    echo "dry run: uploading $file would change Api $api as the log above shows; nothing was written"
    status=0
    ;;
  *) echo "scopectl openapi upload of $file to Api $api failed (exit $status): see the error above" >&2 ;;
esac
exit "$status"
