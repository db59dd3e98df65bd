#!/usr/bin/env bash
# Overhead of `customs watch` on a syscall-heavy workload, and drops at a fixed event rate. Root + eBPF.
# usage: bench/runtime_overhead.sh [build/dev/cli/customs] [ROUNDS]
# Times an exec loop and a connect loop in three setups: no watch, watch (default rules: host processes are filtered
# in the kernel) and watch --include-host (every event reaches user space). The setups alternate round by round
# (forward, then backward), so load drift hits each alike. A setup with watch counts only when the sensor said it
# attached, the process was still running when the loops ended, and its final counters show events seen; otherwise
# the script stops before printing any comparison. Then the sensor counters while ~50,000 openat events per second
# are generated.
set -euo pipefail
CUSTOMS=${1:-build/dev/cli/customs}
ROUNDS=${2:-2}
EXECS=${EXECS:-3000}
CONNECTS=${CONNECTS:-30000}
TMP=$(mktemp -d)
W=""
trap '[ -n "$W" ] && kill -INT "$W" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

cat > "$TMP/connect.py" <<'PY'
import socket, sys
n = int(sys.argv[1])
for _ in range(n):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", 9))
    except OSError:
        pass
    s.close()
PY
cat > "$TMP/opens.py" <<'PY'
import os, sys, time
rate, seconds = int(sys.argv[1]), float(sys.argv[2])
batch = rate // 100
end = time.monotonic() + seconds
next_tick = time.monotonic()
while time.monotonic() < end:
    for _ in range(batch):
        os.close(os.open("/etc/hostname", os.O_RDONLY))
    next_tick += 0.01
    delay = next_tick - time.monotonic()
    if delay > 0:
        time.sleep(delay)
PY

exec_loop() { local s; s=$(date +%s.%N); for ((i = 0; i < EXECS; i++)); do /bin/true; done; echo "$(date +%s.%N) - $s" | bc; }
connect_loop() { local s; s=$(date +%s.%N); python3 "$TMP/connect.py" "$CONNECTS"; echo "$(date +%s.%N) - $s" | bc; }

# start_watch LOG ARGS... : starts `customs watch ARGS` and waits until its sensor has attached.
start_watch() {
  local log=$1
  shift
  "$CUSTOMS" watch --output-file /dev/null --stats "$@" 2>"$log" &
  W=$!
  for _ in $(seq 100); do
    grep -q "sensor attached" "$log" && return 0
    kill -0 "$W" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: customs watch $* did not attach:"; cat "$log"; exit 1
}
# stop_watch LOG : the watcher must still be running; stops it and prints its counters, which must show that the
# sensor observed the workload: events that reached user space (seen) or that the kernel filtered (host processes
# under the default container-only rules). With a second argument "seen", events must have reached user space.
stop_watch() {
  local log=$1
  kill -0 "$W" 2>/dev/null || { echo "bench: customs watch died during the measurement:"; cat "$log"; exit 1; }
  kill -INT "$W"
  wait "$W" || true
  W=""
  local stats seen filtered
  stats=$(grep 'events processed' "$log") || { echo "bench: no counters from customs watch:"; cat "$log"; exit 1; }
  seen=$(sed -E 's/.* seen=([0-9]+).*/\1/' <<<"$stats")
  filtered=$(sed -E 's/.* filtered=([0-9]+).*/\1/' <<<"$stats")
  [ $((seen + filtered)) -gt 0 ] || { echo "bench: the sensor observed no events: $stats"; exit 1; }
  if [ "${2:-}" = seen ] && [ "$seen" -eq 0 ]; then echo "bench: no event reached user space: $stats"; exit 1; fi
  echo "  $stats"
}

measure() {  # measure SETUP : one exec loop and one connect loop, appended to $TMP/times as "SETUP exec|connect s"
  local setup=$1 e c
  case $setup in
    none) ;;
    watch) start_watch "$TMP/watch.log" ;;
    host) start_watch "$TMP/watch.log" --include-host ;;
  esac
  e=$(exec_loop)
  c=$(connect_loop)
  echo "$setup exec $e" >>"$TMP/times"
  echo "$setup connect $c" >>"$TMP/times"
  echo "$setup: exec loop ($EXECS execs) ${e}s; connect loop ($CONNECTS connects) ${c}s"
  case $setup in
    watch) stop_watch "$TMP/watch.log" ;;
    host) stop_watch "$TMP/watch.log" seen ;;
  esac
}

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$TMP/times"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="none watch host"; else order="host watch none"; fi
  echo "round $round: $order"
  for setup in $order; do measure "$setup"; done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "== medians over $ROUNDS rounds (overhead against no watch)"
for loop in exec connect; do
  base=$(awk -v l=$loop '$1=="none" && $2==l {print $3}' "$TMP/times" | median)
  for setup in none watch host; do
    m=$(awk -v s=$setup -v l=$loop '$1==s && $2==l {print $3}' "$TMP/times" | median)
    printf '%-8s %-6s %7.3f s  %+6.1f%%\n' "$loop" "$setup" "$m" "$(echo "($m / $base - 1) * 100" | bc -l)"
  done
done

cat > "$TMP/open_rule.yaml" <<'YAML'
- rule: hostname opened
  condition: evt.type in (open, openat) and fd.name = /nonexistent/never
  output: "%fd.name"
  priority: INFO
YAML
start_watch "$TMP/w3.log" --include-host --rules "$TMP/open_rule.yaml"
python3 "$TMP/opens.py" 50000 5
sleep 0.5
echo "== 50k openat/s for 5 s with watch --include-host:"
stop_watch "$TMP/w3.log" seen
