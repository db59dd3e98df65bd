#!/usr/bin/env bash
# Shared helpers for the side-by-side command benchmarks: run commands alternately, report the median wall time and
# the median peak RSS (GNU time), and the ratio. Source this file.

# measure RUNS LABEL CMD... : appends "LABEL wall_s rss_kb" lines to $MEASURE_OUT
measure_once() {
  local label=$1
  shift
  local stats
  stats=$(mktemp)
  /usr/bin/time -o "$stats" -f "%e %M" "$@" >/dev/null 2>/dev/null || true
  echo "$label $(tail -1 "$stats")" >> "$MEASURE_OUT"
  rm -f "$stats"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }

# summarize LABEL_A LABEL_B: prints medians and the ratio B/A
summarize() {
  local a=$1 b=$2
  local ta tb ma mb
  ta=$(awk -v l="$a" '$1==l {print $2}' "$MEASURE_OUT" | median)
  tb=$(awk -v l="$b" '$1==l {print $2}' "$MEASURE_OUT" | median)
  ma=$(awk -v l="$a" '$1==l {print $3}' "$MEASURE_OUT" | median)
  mb=$(awk -v l="$b" '$1==l {print $3}' "$MEASURE_OUT" | median)
  printf '%-28s median %6.3f s  peak RSS %7.1f MB\n' "$a" "$ta" "$(echo "$ma/1024" | bc -l)"
  printf '%-28s median %6.3f s  peak RSS %7.1f MB\n' "$b" "$tb" "$(echo "$mb/1024" | bc -l)"
  printf 'ratio (%s / %s): %.1fx time, %.1fx memory\n' "$b" "$a" "$(echo "$tb/$ta" | bc -l)" "$(echo "$mb/$ma" | bc -l)"
}
