#!/usr/bin/env bash
# Shared helpers for the side-by-side command benchmarks. Source this file and set MEASURE_OUT to a file.
#
# The rules every comparison follows (docs/BENCHMARKS.md):
#  - the two tools alternate run by run (`alternate`), so drift in machine load hits both;
#  - every run must succeed: a failing command stops the benchmark before any ratio is printed (`measure_once`);
#  - the caller checks that both tools produced comparable output (the same package set, the same layers) before
#    calling `summarize`.

# measure_once LABEL OUT CMD... : runs CMD with its stdout in OUT (stderr in OUT.err) under GNU time and appends
# "LABEL wall_s rss_kb cpu_s" (cpu: user + system) to $MEASURE_OUT. A non-zero exit ends the benchmark with the
# command's error output.
measure_once() {
  local label=$1 out=$2
  shift 2
  local stats rc=0
  stats=$(mktemp)
  /usr/bin/time -o "$stats" -f "%e %M %U %S" "$@" >"$out" 2>"$out.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "bench: $label failed (exit $rc): $*" >&2
    tail -5 "$out.err" >&2
    rm -f "$stats"
    exit 1
  fi
  tail -1 "$stats" | awk -v l="$label" '{printf "%s %s %s %.2f\n", l, $1, $2, $3 + $4}' >>"$MEASURE_OUT"
  rm -f "$stats"
}

# alternate RUN FIRST SECOND : calls the functions FIRST then SECOND on odd runs, SECOND then FIRST on even runs.
alternate() {
  if [ $(($1 % 2)) -eq 1 ]; then "$2"; "$3"; else "$3"; "$2"; fi
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }

# summarize LABEL_A LABEL_B: prints the medians of both and the ratios B/A (how many times A is faster / smaller). CPU
# time (user + system, all threads) is printed too: on a loaded machine it is steadier than wall time.
summarize() {
  local a=$1 b=$2
  local ta tb ma mb ca cb na nb
  na=$(awk -v l="$a" '$1==l' "$MEASURE_OUT" | wc -l)
  nb=$(awk -v l="$b" '$1==l' "$MEASURE_OUT" | wc -l)
  if [ "$na" -eq 0 ] || [ "$na" -ne "$nb" ]; then
    echo "bench: $na runs of $a and $nb of $b: no ratio" >&2
    exit 1
  fi
  ta=$(awk -v l="$a" '$1==l {print $2}' "$MEASURE_OUT" | median)
  tb=$(awk -v l="$b" '$1==l {print $2}' "$MEASURE_OUT" | median)
  ma=$(awk -v l="$a" '$1==l {print $3}' "$MEASURE_OUT" | median)
  mb=$(awk -v l="$b" '$1==l {print $3}' "$MEASURE_OUT" | median)
  ca=$(awk -v l="$a" '$1==l {print $4}' "$MEASURE_OUT" | median)
  cb=$(awk -v l="$b" '$1==l {print $4}' "$MEASURE_OUT" | median)
  # GNU time prints wall time to 10 ms: a median of 0.00 s cannot be divided by.
  if [ "$(echo "$ta <= 0 || $tb <= 0" | bc -l)" -eq 1 ]; then
    echo "bench: a median wall time is 0 s ($a $ta, $b $tb): too short to compare" >&2
    exit 1
  fi
  printf '%-22s median %7.3f s wall  %7.2f s CPU  peak RSS %7.1f MB  (%d runs)\n' "$a" "$ta" "$ca" \
    "$(echo "$ma/1024" | bc -l)" "$na"
  printf '%-22s median %7.3f s wall  %7.2f s CPU  peak RSS %7.1f MB  (%d runs)\n' "$b" "$tb" "$cb" \
    "$(echo "$mb/1024" | bc -l)" "$nb"
  printf 'ratio (%s / %s): %.1fx wall time, %s CPU time, %.1fx memory\n' "$b" "$a" "$(echo "$tb/$ta" | bc -l)" \
    "$(if [ "$(echo "$ca > 0" | bc -l)" -eq 1 ]; then printf '%.1fx' "$(echo "$cb/$ca" | bc -l)"; else echo "n/a"; fi)" \
    "$(echo "$mb/$ma" | bc -l)"
}
