# Sourced by tools/bench/*/run after setting ROOT and WORK_NAME: logging, the Debian packages
# a bench needs, the release build, a scratch folder, and the processes the bench starts
# (stopped by PID on exit, then the scratch folder goes; a bench adds its own last steps to
# the ON_EXIT array).

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# bench_need /usr/bin/wrk:wrk /usr/sbin/nginx:nginx-light …: installs the packages whose
# program is missing.
bench_need() {
  local need=() pair sudo=()
  for pair in "$@"; do [ -x "${pair%%:*}" ] || need+=("${pair#*:}"); done
  [ "${#need[@]}" -gt 0 ] || return 0
  log "installing ${need[*]}"
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { "${sudo[@]}" apt-get update >/dev/null; "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
}

# bench_build TARGET…: the project's setup, then a release build of those targets.
bench_build() {
  "$ROOT/tools/setup"
  (cd "$ROOT" && cmake --preset release -DPAYGHAM_TESTS=OFF >/dev/null &&
    cmake --build --preset release --target "$@" >"${TMPDIR:-/tmp}/paygham-bench-build.log" 2>&1) ||
    { tail -30 "${TMPDIR:-/tmp}/paygham-bench-build.log" >&2; echo "build failed" >&2; exit 1; }
}

PIDS=()
ON_EXIT=()
WORK="$(mktemp -d "${TMPDIR:-/tmp}/paygham-bench-$WORK_NAME.XXXXXX")"
bench_cleanup() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  for step in "${ON_EXIT[@]}"; do eval "$step" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

# The median of numbers on stdin (one a line or space-separated).
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
