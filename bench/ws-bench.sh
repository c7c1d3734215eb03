#!/usr/bin/env bash
# ws-bench.sh: WebSocket echo round trips per second through a reverse proxy, beside HAProxy and
# nginx, measured side by side in one run on this machine, so that only the ratios mean anything.
#
#   bench/ws-bench.sh [options] -- COMMAND...
#
# COMMAND starts the proxy under test in the foreground. In it, {listen} is replaced by the
# address it must listen on and {backends} by the backend addresses, space-separated; {backend1}
# and {backend2} name them one by one. From the project root:
#   bench/ws-bench.sh -- ./nonstop proxy --listen {listen} --backend {backend1} --backend {backend2} --no-health-check
# (the echo backends answer a plain GET with 400: without --no-health-check Nonstop would find
# them unhealthy and answer 503)
#
# What: each of --connections WebSocket connections (64) sends a --message BYTES text message
# (32), waits for its echo and sends the next (closed loop), for --seconds (10) per measurement.
# Targets: "direct" to backend 1 (the reference: what client and backend do without a proxy),
# HAProxy (mode http, timeout tunnel), nginx (HTTP/1.1 upstream with Upgrade/Connection headers,
# long proxy_read_timeout), and the proxy under test, each peer with its default use of all
# cores. A warm-up run per target, then --rounds (3) rounds that visit the targets in turn; the
# table gives each target's median round trips/s, p50 and p99 round-trip latency, the ratios to
# nginx and HAProxy, and the CPU that the load client and the backend used meanwhile (% of one
# core), which shows whether either of them was the limit.
#
# How, and why so: backend and client are small Netty programs over epoll (bench/ws/*.java,
# compiled on first use against the project's own Netty, which Maven resolves, into
# bench/ws/target). Java at both ends needs no tool the project lacks (no npm), and here it is
# the fastest choice. Measured on this 2-core machine against the npm `ws` package on Node 20:
#   backend: the Netty echo costs ~7.5 us of CPU per round trip, Node `ws` ~10 us; and a Node
#     process stops at one core, where one JVM serves both backend ports on as many event loops
#     as there are cores;
#   client: this one ~8-11 us per round trip on --threads (2) event loops; a Node `ws` client
#     ~10 us but on one core only (107k/s at best). The JDK's java.net.http.WebSocket was not
#     taken: one selector thread per HttpClient, and futures for every message.
# Ceilings: "direct" ran at 117k-135k round trips/s when the machine was quiet, client and
# backend at ~100% of a core each, i.e. the two of them fill both cores; through nginx or
# HAProxy (55k-68k/s) each used ~55% of a core. So neither is the limit of a proxied run; the
# proxy gets what is left of the two cores, as nginx and HAProxy do. The machine is shared:
# rates swing by a third with other people's builds; read the ratios of one run.
# A target that does not answer the handshake with 101 stops the run, e.g. "nonstop: the
# handshake got HTTP 502, not 101". --name NAME names the proxy under test in the table (by
# default the command's first word); --threads N sets the client's event loops.
set -euo pipefail
seconds=10 conns=64 rounds=3 threads=2 message=32 name=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --message) message=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {print}' "$0"; exit 0 ;;
    *) echo "ws-bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -gt 0 ]] || { echo "ws-bench: give the command that starts the proxy under test after --" >&2; exit 2; }
[[ -n $name ]] || name=$(basename "$1")
case $name in direct|haproxy|nginx) name="$name-under-test" ;; esac

need=()
for tool in nginx:nginx-light haproxy:haproxy java:openjdk-17-jdk-headless javac:openjdk-17-jdk-headless mvn:maven python3:python3; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [[ ${#need[@]} -gt 0 ]]; then
  echo "ws-bench: missing tools; install them with: apt-get install $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')" >&2
  exit 1
fi

# client and backend: compiled when missing or older than their sources or the pom
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here") ws=$here/ws out=$here/ws/target
mkdir -p "$out"
if [[ ! -s $out/classpath.txt || $root/pom.xml -nt $out/classpath.txt ]]; then
  echo "ws-bench: resolving Netty with Maven..." >&2
  (cd "$root" && mvn -q -B -Dstyle.color=never dependency:build-classpath -DincludeGroupIds=io.netty,org.hdrhistogram \
    -Dmdep.outputFile="$out/classpath.txt") >"$out/mvn.log" 2>&1 || { cat "$out/mvn.log" >&2; echo "ws-bench: Maven failed" >&2; exit 1; }
fi
if [[ ! -f $out/classes/WsLoad.class || -n $(find "$ws" "$out/classpath.txt" -maxdepth 1 -newer "$out/classes/WsLoad.class" \( -name '*.java' -o -name classpath.txt \) -print -quit) ]]; then
  rm -rf "$out/classes"
  javac -d "$out/classes" -cp "$(cat "$out/classpath.txt")" "$ws"/*.java || { echo "ws-bench: javac failed" >&2; exit 1; }
fi
java_cmd=(java -Xms64m -Xmn32m -Xmx128m -XX:+UseSerialGC -XX:+PerfDisableSharedMem
  -Dio.netty.leakDetection.level=disabled -cp "$out/classes:$(cat "$out/classpath.txt")")

dir=$(mktemp -d /tmp/ws-bench.XXXXXX)
pids=() me_pid=""
tree() { echo "$1"; local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$c"; done; }
cleanup() {
  # the proxy under test with whatever it started (./nonstop may be running a build): the whole
  # tree, listed before anything ends, since an orphan loses its link to it. Not setsid and a kill
  # of its group instead: a session of its own is a scheduler autogroup of its own, which on this
  # kernel (sched_autogroup_enabled) cost a stand-in nginx a third of its rate beside the peers.
  local all=("${pids[@]}")
  [[ -n $me_pid ]] && all+=($(tree "$me_pid"))
  for p in "${all[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break; sleep 0.1
  done
  for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
b1=$(free_port) b2=$(free_port) php=$(free_port) pnx=$(free_port) pme=$(free_port)

cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/nginx.err warn;
events { worker_connections 8192; }
http {
  access_log off;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream app { server 127.0.0.1:$b1; server 127.0.0.1:$b2; }
  server {
    listen 127.0.0.1:$pnx;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
CONF
cat >"$dir/haproxy.cfg" <<CONF
global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout tunnel 1h
frontend fe
  bind 127.0.0.1:$php
  default_backend app
backend app
  balance roundrobin
  server s1 127.0.0.1:$b1
  server s2 127.0.0.1:$b2
CONF

"${java_cmd[@]}" WsEcho "$(nproc)" "127.0.0.1:$b1" "127.0.0.1:$b2" >"$dir/backend.log" 2>&1 & pids+=($!); backend_pid=$!
nginx -c "$dir/nginx.conf" -e "$dir/nginx.err" -g 'daemon off;' >"$dir/nginx.log" 2>&1 & pids+=($!)
haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 & pids+=($!)

cmd=()
for word in "$@"; do
  word=${word//\{listen\}/127.0.0.1:$pme}
  word=${word//\{backend1\}/127.0.0.1:$b1}
  word=${word//\{backend2\}/127.0.0.1:$b2}
  if [[ $word == "{backends}" ]]; then cmd+=("127.0.0.1:$b1" "127.0.0.1:$b2"); else cmd+=("$word"); fi
done
"${cmd[@]}" >"$dir/project.log" 2>&1 & me_pid=$!

# every peer must upgrade and echo before anything is measured
if ! "${java_cmd[@]}" WsLoad probe "$message" 20 "direct=ws://127.0.0.1:$b1/" "backend2=ws://127.0.0.1:$b2/" \
    "haproxy=ws://127.0.0.1:$php/" "nginx=ws://127.0.0.1:$pnx/"; then
  for log in backend haproxy nginx; do [[ -s $dir/$log.log ]] && tail -5 "$dir/$log.log" >&2; done
  echo "ws-bench: a peer is not ready (above); nothing measured" >&2; exit 1
fi
# the proxy under test: up to 3 minutes to listen (a first ./nonstop builds its jar), then the same check
for _ in $(seq 1 1800); do
  (exec 3<>"/dev/tcp/127.0.0.1/$pme") 2>/dev/null && break
  if ! kill -0 "$me_pid" 2>/dev/null; then
    echo "ws-bench: $name exited before it listened on 127.0.0.1:$pme; its output:" >&2
    tail -20 "$dir/project.log" >&2; exit 1
  fi
  sleep 0.1
done
if ! "${java_cmd[@]}" WsLoad probe "$message" 5 "$name=ws://127.0.0.1:$pme/"; then
  echo "ws-bench: $name is not usable for WebSocket (above); the last lines of its output:" >&2
  tail -10 "$dir/project.log" >&2; exit 1
fi

echo "ws-bench: $rounds rounds of $seconds s over 4 targets, after 3 s of warm-up each: about $(( (rounds * seconds + 3) * 4 + 5 )) s" >&2
# in the background, so that a signal to this script alone ends the run at once (bash runs a
# trap only after a foreground child has finished, but interrupts a wait)
"${java_cmd[@]}" WsLoad run "$conns" "$message" "$threads" 3 "$seconds" "$rounds" "$backend_pid" \
  "direct=ws://127.0.0.1:$b1/" "haproxy=ws://127.0.0.1:$php/" "nginx=ws://127.0.0.1:$pnx/" \
  "$name=ws://127.0.0.1:$pme/" >"$dir/results" & pids+=($!)
if ! wait $!; then
  kill -0 "$me_pid" 2>/dev/null || { echo "ws-bench: $name has exited; its output:" >&2; tail -20 "$dir/project.log" >&2; }
  echo "ws-bench: the run failed (above)" >&2; exit 1
fi

python3 - "$dir/results" "$name" "$rounds" "$conns" "$seconds" "$message" "$(nproc)" <<'PY'
import sys, statistics, collections
path, me, rounds, conns, seconds, message, cores = sys.argv[1:]
rows = collections.defaultdict(list)
for line in open(path):
    n, *fields = line.split()
    rows[n].append(fields)
med = {}
for n, runs in rows.items():
    col = lambda i: statistics.median(float(r[i]) for r in runs)
    errors = ";".join(sorted({r[5] for r in runs if r[5] != "-"})) or "-"
    med[n] = (col(0), col(1), col(2), col(3), col(4), errors)
print(f"# WebSocket echo, {message}-byte text messages, {conns} connections in a closed loop; "
      f"{rounds} rounds of {seconds} s; medians; {cores} cores")
print(f"# client% / backend%: CPU used by the load client / the echo backend, in % of one core")
w = max(8, len(me))
print(f"{'target':{w}} {'round trips/s':>13} {'p50 ms':>8} {'p99 ms':>8} {'vs nginx':>8} {'vs HAProxy':>10} "
      f"{'client%':>7} {'backend%':>8}  errors")
for n in ("direct", "haproxy", "nginx", me):
    if n not in med: continue
    rt, p50, p99, cli, be, errors = med[n]
    print(f"{n:{w}} {rt:13.0f} {p50:8.3f} {p99:8.3f} {rt / med['nginx'][0]:8.2f} {rt / med['haproxy'][0]:10.2f} "
          f"{cli:7.0f} {be:8.0f}  {errors}")
PY
