#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 660), two at a time, and
# prints one line per target: runs, crashes (0 expected).
set -u
cd "$(dirname "$0")"
secs=${1:-660}
targets=(pcap_reader rule_parser http tls dns ssh packet)
run() {
  local t=$1
  mkdir -p corpus/$t artifacts/$t
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" corpus/$t -- -max_total_time="$secs" -rss_limit_mb=2048 \
    -artifact_prefix=artifacts/$t/ > logs-$t.txt 2>&1
  echo "$t exit=$? $(grep -E '^Done|#[0-9]+.*DONE' logs-$t.txt | tail -1)"
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  [ $((i + 1)) -lt ${#targets[@]} ] && run "${targets[i+1]}" &
  wait
done
