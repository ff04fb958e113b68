# shellcheck shell=bash
# Sourced by scripts/demo.sh: a client per site requesting the web service without pause while a command
# runs, then "N requests, 0 failed" with what each site answered. Uses the caller's DEMO, web_url, start_process, stop_pid.

# One client: each answer's body (or FAILED) on a line of its own.
load_loop() { # url out
  while :; do
    curl -sf --max-time 5 "$1" >>"$2" || { echo FAILED >>"$2"; sleep 0.1; }
  done
}

load_start() {
  local site
  rm -f "$DEMO"/load-*.out
  for site in dc1 dc2; do
    : >"$DEMO/load-$site.out"
    start_process "load-$site" "$DEMO" bash -c "$(declare -f load_loop); load_loop $(web_url "$site") $DEMO/load-$site.out"
  done
}

load_stop() {
  local site total=0 failed=0 n f
  for site in dc1 dc2; do stop_pid "load-$site" >/dev/null; done
  for site in dc1 dc2; do
    n=$(wc -l <"$DEMO/load-$site.out")
    f=$(grep -c '^FAILED$' "$DEMO/load-$site.out" || true)
    total=$((total + n)) failed=$((failed + f))
    printf '  %s: %d requests, %d failed; answers: %s\n' "$site" "$n" "$f" \
      "$(sort "$DEMO/load-$site.out" | uniq -c | awk '{ printf "%s\"%s\" x%s", sep, substr($0, index($0, $2)), $1; sep = ", " }')"
  done
  printf 'clients of both sites: %d requests, %d failed\n' "$total" "$failed"
  rm -f "$DEMO"/load-*.out
}
