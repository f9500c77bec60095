#!/usr/bin/env bash
# A real S3-compatible server for the evidence/blob tests: SeaweedFS's weed
# (master, volume, filer and S3 gateway in one process) on 127.0.0.1, with one
# SigV4 identity. Prints the one line
#   export TEST_S3_URL=s3://KEY:SECRET@127.0.0.1:8333/evidence-test?tls=0
# on stdout (everything else goes to stderr) and writes it to $S3_STATE/env:
#   s3_env=$(.ci/s3.sh) && eval "$s3_env"      or      . "$S3_STATE/env"
# Safe to run again: a server it started that still answers is reused (same
# data, same credentials). Stop it with: kill "$(cat "$S3_STATE/weed.pid")".
#
# weed comes from PATH, else $WEED_BIN, else is built into $WEED_BIN from the
# module cache (go install refuses the module: its go.mod has replace
# directives), which takes minutes once and is kept for later runs.
#
# Settings (environment): WEED_BIN (default ~/.cache/collect/weed), S3_STATE
# (data, log, config; default $TMPDIR/collect-s3), S3_PORT (8333), S3_BUCKET
# (evidence-test). The other weed ports are moved off their defaults (9333,
# 8080, 8888, 8181) to keep clear of other services: master 19333, volume
# 18080, filer 18888 (gRPC on each +10000), Iceberg off.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

WEED_MODULE=github.com/seaweedfs/seaweedfs
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6
WEED_BIN=${WEED_BIN:-$HOME/.cache/collect/weed}
S3_STATE=${S3_STATE:-${TMPDIR:-/tmp}/collect-s3}
S3_PORT=${S3_PORT:-8333}
S3_BUCKET=${S3_BUCKET:-evidence-test}
HOST=127.0.0.1
MASTER_PORT=${WEED_MASTER_PORT:-19333}
VOLUME_PORT=${WEED_VOLUME_PORT:-18080}
FILER_PORT=${WEED_FILER_PORT:-18888}

log() { printf 's3.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# http_get HOST PORT PATH: the response's status code (000 when nothing
# answers) and, with a fourth argument, the body on the next lines. Plain bash
# (/dev/tcp), so a bare machine needs no curl.
http_get() {
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$3" "$1" "$2" >&3
    resp=$(timeout 5 cat <&3 | tr -d '\r')
    code=$(printf '%s\n' "$resp" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
    printf '%s\n' "${code:-000}"
    if [ $# -ge 4 ]; then printf '%s\n' "${resp#*$'\n\n'}"; fi
  ) 2>/dev/null || echo 000
}

answers() { [ "$(http_get "$HOST" "$1" "$2" | head -n 1)" != 000 ]; }
healthy() { [ "$(http_get "$HOST" "$1" "$2" | head -n 1)" = 200 ]; }

running_pid() {
  local pid
  pid=$(cat "$S3_STATE/weed.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A pid file outliving a reboot may name some other process now.
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q weed; then return 1; fi
  echo "$pid"
}

find_weed() {
  if command -v weed >/dev/null 2>&1; then command -v weed; return 0; fi
  if [ -x "$WEED_BIN" ]; then echo "$WEED_BIN"; return 0; fi
  return 1
}

build_weed() {
  local start tmp dir
  start=$(date +%s)
  log "building weed ($WEED_MODULE@$WEED_VERSION) into $WEED_BIN; the first build takes several minutes"
  command -v go >/dev/null 2>&1 || die "go is not on PATH"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/weed-build.XXXXXX")
  # Outside any module, so this repository's go.mod and go.sum are not touched.
  dir=$(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$WEED_MODULE@$WEED_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || { rm -rf "$tmp"; die "go mod download $WEED_MODULE@$WEED_VERSION gave no Dir"; }
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  mkdir -p "$(dirname "$WEED_BIN")"
  if ! (cd "$tmp/src" && GOWORK=off GOFLAGS=-buildvcs=false go build -o "$WEED_BIN.partial" ./weed) >&2; then
    rm -rf "$tmp" "$WEED_BIN.partial"
    die "building weed failed"
  fi
  mv "$WEED_BIN.partial" "$WEED_BIN"
  rm -rf "$tmp"
  log "built $WEED_BIN in $(( $(date +%s) - start )) s"
}

mkdir -p "$S3_STATE"
# One run at a time (a second waits, then reuses what the first started).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$S3_STATE/lock"
  flock 9
fi

# Credentials: made once per state folder and kept, so a reused server and
# the env file agree.
if [ ! -s "$S3_STATE/s3.json" ]; then
  key="collect$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  umask 077
  cat >"$S3_STATE/s3.json.new" <<EOF
{
  "identities": [
    {
      "name": "collect-ci",
      "credentials": [{ "accessKey": "$key", "secretKey": "$secret" }],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
EOF
  mv "$S3_STATE/s3.json.new" "$S3_STATE/s3.json"
fi
key=$(sed -n 's/.*"accessKey": "\([^"]*\)".*/\1/p' "$S3_STATE/s3.json")
secret=$(sed -n 's/.*"secretKey": "\([^"]*\)".*/\1/p' "$S3_STATE/s3.json")
[ -n "$key" ] && [ -n "$secret" ] || die "no credentials in $S3_STATE/s3.json"
line="export TEST_S3_URL=s3://$key:$secret@$HOST:$S3_PORT/$S3_BUCKET?tls=0"

if pid=$(running_pid); then
  log "weed already running (pid $pid, data in $S3_STATE/data)"
else
  if answers "$S3_PORT" /healthz; then
    die "something else answers on $HOST:$S3_PORT; stop it or set S3_PORT"
  fi
  weed=$(find_weed) || { build_weed; weed=$WEED_BIN; }
  log "starting $weed ($("$weed" version 2>/dev/null | head -n 1)), data in $S3_STATE/data, log $S3_STATE/weed.log"
  mkdir -p "$S3_STATE/data"
  flags=(
    -ip="$HOST" -ip.bind="$HOST" -dir="$S3_STATE/data"
    -master.port="$MASTER_PORT" -master.telemetry=false
    # Small volumes, vacuumed often: each test run writes and deletes ~150 MB.
    -master.volumeSizeLimitMB=64 -master.vacuumIntervalSeconds=120
    -volume.port="$VOLUME_PORT" -volume.max=100
    -filer -filer.port="$FILER_PORT"
    -s3 -s3.port="$S3_PORT" -s3.config="$S3_STATE/s3.json" -s3.port.iceberg=0
  )
  printf '%s\n' "$weed server ${flags[*]}" >"$S3_STATE/weed.cmd"
  # Its own session, so it outlives this script and the CI step.
  # (fd 9, the lock, is not passed on: the server would hold it.)
  setsid "$weed" server "${flags[@]}" </dev/null >>"$S3_STATE/weed.log" 2>&1 9>&- &
  echo $! >"$S3_STATE/weed.pid"
fi

# Ready when the master has a leader, the volume server and the filer answer,
# the master can hand out a file id (so writes have a volume to go to) and
# the S3 gateway answers.
ready() {
  healthy "$MASTER_PORT" /readyz &&
    healthy "$VOLUME_PORT" /status &&
    healthy "$FILER_PORT" /healthz &&
    http_get "$HOST" "$MASTER_PORT" /dir/assign body | grep -q '"fid"' &&
    healthy "$S3_PORT" /healthz
}
deadline=$(( $(date +%s) + ${S3_WAIT:-120} ))
until ready; do
  if ! running_pid >/dev/null; then
    tail -n 30 "$S3_STATE/weed.log" >&2 || true
    die "weed exited; log above ($S3_STATE/weed.log)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 30 "$S3_STATE/weed.log" >&2 || true
    die "weed did not get ready on $HOST:$S3_PORT in ${S3_WAIT:-120} s"
  fi
  sleep 1
done
log "S3 ready on http://$HOST:$S3_PORT (bucket $S3_BUCKET, made by the tests when missing)"

umask 077
printf '%s\n' "$line" >"$S3_STATE/env"
printf '%s\n' "$line"
