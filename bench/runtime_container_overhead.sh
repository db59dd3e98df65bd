#!/usr/bin/env bash
# Overhead of `customs watch` on a watched container: exec, open and connect loops (worst cases: nothing but the
# traced syscall) and a mixed job (a CI-like shell step: find | xargs sha256sum | sort | gzip, tar | gzip, grep -r,
# a few hundred short processes) run inside a runc container whose events reach the rule engine (the default rules
# ask for execve, openat and connect), with no watch, with the default container-only watch, and with
# --include-host; the order of the configurations alternates run by run (forward, backward). Then drops at a
# fixed rate of ~50,000 opens per second inside the container. Then kill latency: N_KILL times, a fresh container
# runs `bash -c true` under `watch --enforce` (default rules: "Shell spawned in a container" kills the container);
# the latency is from the exec event's kernel timestamp to the moment the container's cgroup was empty (the
# kill_container action's time). Root + eBPF + runc.
#
# Usage: bench/runtime_container_overhead.sh [BUILD_DIR]   (default build/dev; RUNS, N_EXEC, N_OPEN, N_CONNECT,
# N_MIXED, N_KILL; SECTIONS="overhead drops kill" picks sections)
# Needs the test root filesystem (BUILD_DIR/testimages/runtime-rootfs-v2: run runtime_e2e_test once) and the
# workload helper (BUILD_DIR/src/runtime/runtime_e2e_triggers_helper).
# Prints, per loop, the workload's wall time per configuration, the slowdown against no watch, the CPU the watch
# process used, and the events it processed and dropped.
set -euo pipefail
BUILD=${1:-build/dev}
CUSTOMS=$BUILD/cli/customs
ROOTFS=$(realpath -m "$BUILD/testimages/runtime-rootfs-v2")
HELPER=$BUILD/src/runtime/runtime_e2e_triggers_helper
RUNS=${RUNS:-3}
N_EXEC=${N_EXEC:-2000}
N_OPEN=${N_OPEN:-200000}
N_CONNECT=${N_CONNECT:-50000}
N_MIXED=${N_MIXED:-2}
N_KILL=${N_KILL:-20}
SECTIONS=${SECTIONS:-overhead drops kill}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for f in "$CUSTOMS" "$HELPER" "$ROOTFS/usr/bin/bash"; do
  [ -e "$f" ] || { echo "SKIP: $f missing (build customs and runtime_e2e_test, run runtime_e2e_test once)"; exit 77; }
done
command -v runc >/dev/null || { echo "SKIP: runc missing"; exit 77; }

TMP=$(mktemp -d /tmp/customs-bench-rt-XXXXXX)
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
RUNC_PID=""
WATCH_PID=""
cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null || true
  runc kill "$ID" KILL 2>/dev/null || true
  runc delete --force "$ID" 2>/dev/null || true
  [ -n "$RUNC_PID" ] && wait "$RUNC_PID" 2>/dev/null || true
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

# The container: read-only Debian root, host network (loopback connects), the helper bind-mounted.
mkdir -p "$TMP/bundle"
runc spec --bundle "$TMP/bundle"
python3 - "$TMP/bundle/config.json" "$ROOTFS" "$(realpath "$HELPER")" <<'PY'
import json, sys
path, rootfs, helper = sys.argv[1:4]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "3600"]
c["mounts"].append({"destination": "/helper", "type": "bind", "source": helper, "options": ["rbind", "ro"]})
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
json.dump(c, open(path, "w"))
PY
start_container() {
  runc run --bundle "$TMP/bundle" "$ID" >> "$TMP/runc.log" 2>&1 &
  RUNC_PID=$!
  for _ in $(seq 200); do runc state "$ID" 2>/dev/null | grep -q '"running"' && return; sleep 0.05; done
  echo "container did not start:"; cat "$TMP/runc.log"; exit 1
}
start_container
: > "$TMP/hosts"  # the default rules name domains: resolve them from an empty file, never DNS

now() { date +%s.%N; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

start_watch() {  # $1: label, rest: extra args
  local label=$1
  shift
  "$CUSTOMS" watch --hosts-file "$TMP/hosts" --output-file "$TMP/alerts-$label.jsonl" --stats "$@" \
    2> "$TMP/watch-$label.log" &
  WATCH_PID=$!
  for _ in $(seq 300); do grep -qs "sensor attached" "$TMP/watch-$label.log" && return; sleep 0.05; done
  echo "watch did not start:"; cat "$TMP/watch-$label.log"; exit 1
}
stop_watch() {
  kill -INT "$WATCH_PID"
  wait "$WATCH_PID" || true
  WATCH_PID=""
}

# A workload that failed (the container gone: something else on the machine killed it) stops the run; its time
# would be meaningless.
fail() {
  echo "FAILED: $1 in container $ID ($(runc state "$ID" 2>&1 | grep -o '"status": *"[a-z]*"' || echo gone)); runc log:" >&2
  cat "$TMP/runc.log" >&2
  exit 1
}

loop() {  # $1: helper command, $2: count -> wall seconds
  local s
  s=$(now)
  runc exec "$ID" /helper "$1" "$2" > /dev/null || fail "$1"
  echo "$(now) - $s" | bc
}

# The mixed job, $1 rounds: ~4,700 files hashed and sorted, 40 MB archived and compressed, a recursive grep and 200
# short-lived processes per round.
MIXED='for r in $(seq "$1"); do
  find /usr -type f -print0 | xargs -0 sha256sum | sort | gzip -1 > /dev/null
  tar -cf - /usr/lib/x86_64-linux-gnu 2>/dev/null | gzip -1 | wc -c > /dev/null
  grep -rl customs /usr/share > /dev/null 2>&1 || true
  for i in $(seq 100); do date > /dev/null; basename /usr/bin/x$i > /dev/null; done
done'
mixed() {  # $1: rounds -> wall seconds
  local s
  s=$(now)
  runc exec "$ID" /bin/sh -c "$MIXED" mixed "$1" > /dev/null || fail "the mixed job"
  echo "$(now) - $s" | bc
}

has() { [[ " $SECTIONS " == *" $1 "* ]]; }

if has overhead; then
mixed 1 > /dev/null  # warm the page cache
declare -A total cpu
for run in $(seq "$RUNS"); do
  order="none watch host"
  [ $((run % 2)) = 0 ] && order="host watch none"  # forward, then backward: no setup always runs first
  for config in $order; do
    case $config in
      none) WATCH_PID="" ;;
      watch) start_watch "$config-$run" ;;
      host) start_watch "$config-$run" --include-host ;;
    esac
    t0=0
    [ -n "$WATCH_PID" ] && t0=$(ticks "$WATCH_PID")
    e=$(loop exec-loop "$N_EXEC")
    o=$(loop open-loop "$N_OPEN")
    c=$(loop connect-loop "$N_CONNECT")
    m=$(mixed "$N_MIXED")
    w=0
    if [ -n "$WATCH_PID" ]; then
      w=$(echo "($(ticks "$WATCH_PID") - $t0) / $hz" | bc -l)
      stop_watch
      stats=$(grep 'events processed' "$TMP/watch-$config-$run.log" || true)
    else
      stats="-"
    fi
    printf 'run %d %-5s exec %6.3fs open %6.3fs connect %6.3fs mixed %6.3fs | watch cpu %6.3fs | %s\n' "$run" "$config" \
      "$e" "$o" "$c" "$m" "$w" "$stats"
    total[$config,exec]=$(echo "${total[$config,exec]:-0} + $e" | bc -l)
    total[$config,open]=$(echo "${total[$config,open]:-0} + $o" | bc -l)
    total[$config,connect]=$(echo "${total[$config,connect]:-0} + $c" | bc -l)
    total[$config,mixed]=$(echo "${total[$config,mixed]:-0} + $m" | bc -l)
    cpu[$config]=$(echo "${cpu[$config]:-0} + $w" | bc -l)
  done
done

echo
echo "mean over $RUNS runs ($N_EXEC execs, $N_OPEN opens, $N_CONNECT connects, $N_MIXED rounds of the mixed job in the container):"
for config in none watch host; do
  line=$(printf '%-5s' "$config")
  all=0
  for k in exec open connect mixed; do
    mean=$(echo "${total[$config,$k]} / $RUNS" | bc -l)
    base=$(echo "${total[none,$k]} / $RUNS" | bc -l)
    all=$(echo "$all + $mean" | bc -l)
    line+=$(printf ' %s %.3fs (%+.1f%%)' "$k" "$mean" "$(echo "($mean - $base) * 100 / $base" | bc -l)")
  done
  share=$(echo "${cpu[$config]} / $RUNS * 100 / $all" | bc -l)
  line+=$(printf ' | watch cpu %.1f%% of the workload time' "$share")
  echo "$line"
done
fi

if has drops; then
echo
echo "drops: ~50,000 opens/s for 5 s in the container, watch --include-host:"
start_watch drops --include-host
runc exec "$ID" /helper open-rate 50000 5 || fail open-rate
sleep 0.5
stop_watch
grep 'events processed' "$TMP/watch-drops.log"
echo "drop alerts: $(grep -c 'customs sensor dropped events' "$TMP/alerts-drops.jsonl" || true)"
fi

if has kill; then
echo
echo "kill latency: $N_KILL fresh containers each run bash -c true under watch --enforce (default rules):"
# Scoped to this script's container (its random id): an unscoped --enforce would kill shells in every container on
# the machine.
cat > "$TMP/scope.yaml" <<SCOPE
- macro: customs_container
  condition: and container.full_id = "$ID"
  override: {condition: append}
SCOPE
start_watch kill --enforce --default-rules --rules "$TMP/scope.yaml"
for i in $(seq "$N_KILL"); do
  runc state "$ID" 2>/dev/null | grep -q '"running"' || { runc delete --force "$ID" 2>/dev/null || true; start_container; }
  runc exec "$ID" bash -c true > /dev/null 2>&1 || true
  for _ in $(seq 100); do
    [ "$(grep -c "\"container.id\":\"${ID:0:12}\"" "$TMP/alerts-kill.jsonl" 2>/dev/null)" -ge "$i" ] && break
    sleep 0.05
  done
  wait "$RUNC_PID" 2>/dev/null || true  # the kill ends `runc run`
  runc delete --force "$ID" 2>/dev/null || true
  start_container
done
stop_watch
python3 - "$TMP/alerts-kill.jsonl" "$N_KILL" "${ID:0:12}" <<'PY'
import datetime, json, re, statistics, sys
def ns(t):  # RFC 3339 with nanoseconds, UTC
    whole, frac = t.rstrip("Z").split(".")
    s = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    return int(s) * 10**9 + int(frac.ljust(9, "0")[:9])
total, empty, failed = [], [], 0
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a.get("rule") != "Shell spawned in a container" or a.get("container.id") != sys.argv[3]:
        continue
    kill = [x for x in a["actions"] if x["action"] == "kill_container"][0]
    if not kill["ok"] or "killed with" not in kill["result"]:
        failed += 1
        continue
    total.append((ns(kill["time"]) - ns(a["time"])) / 1e6)
    empty.append(float(re.search(r"cgroup empty after ([0-9.]+) ms", kill["result"]).group(1)))
print(f"{len(total)} of {sys.argv[2]} shells killed ({failed} kill actions not ok)")
if total:
    for name, v in (("exec event -> cgroup empty", total), ("cgroup.kill -> cgroup empty", empty)):
        v.sort()
        print(f"  {name}: min {v[0]:.1f} ms, median {statistics.median(v):.1f} ms, "
              f"p90 {v[int(len(v) * 0.9) - 1 if len(v) >= 10 else -1]:.1f} ms, max {v[-1]:.1f} ms")
PY
fi
