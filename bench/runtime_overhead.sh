#!/usr/bin/env bash
# Overhead of `customs watch` on a syscall-heavy workload, and drops at a fixed event rate. Root + eBPF.
# Usage: bench/runtime_overhead.sh [build/dev/cli/customs]
# Prints wall times of an exec loop and a connect loop without watch, with watch (default rules: host processes are
# filtered in the kernel) and with watch --include-host (every event reaches user space), then the sensor counters
# while ~50,000 openat events per second are generated.
set -euo pipefail
CUSTOMS=${1:-build/dev/cli/customs}
EXECS=${EXECS:-3000}
CONNECTS=${CONNECTS:-30000}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

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

exec_loop() { local s=$(date +%s.%N); for ((i = 0; i < EXECS; i++)); do /bin/true; done; echo "$(date +%s.%N) - $s" | bc; }
connect_loop() { local s=$(date +%s.%N); python3 "$TMP/connect.py" "$CONNECTS"; echo "$(date +%s.%N) - $s" | bc; }

measure() {
  local label=$1
  local e1 e2 c1 c2
  e1=$(exec_loop); c1=$(connect_loop); e2=$(exec_loop); c2=$(connect_loop)
  echo "$label: exec loop ($EXECS execs) ${e1}s ${e2}s; connect loop ($CONNECTS connects) ${c1}s ${c2}s"
}

measure "no watch"
"$CUSTOMS" watch --output-file /dev/null --stats 2> "$TMP/w1.log" & W=$!
sleep 2; measure "watch (default rules, container-only)"; kill -INT $W; wait $W || true
grep 'events processed' "$TMP/w1.log" || true
"$CUSTOMS" watch --include-host --output-file /dev/null --stats 2> "$TMP/w2.log" & W=$!
sleep 2; measure "watch --include-host (all events to user space)"; kill -INT $W; wait $W || true
grep 'events processed' "$TMP/w2.log" || true

cat > "$TMP/open_rule.yaml" <<'YAML'
- rule: hostname opened
  condition: evt.type in (open, openat) and fd.name = /nonexistent/never
  output: "%fd.name"
  priority: INFO
YAML
"$CUSTOMS" watch --include-host --rules "$TMP/open_rule.yaml" --output-file /dev/null --stats 2> "$TMP/w3.log" & W=$!
sleep 2
python3 "$TMP/opens.py" 50000 5
sleep 0.5; kill -INT $W; wait $W || true
echo "50k openat/s for 5 s with watch --include-host:"
grep 'events processed' "$TMP/w3.log" || true
