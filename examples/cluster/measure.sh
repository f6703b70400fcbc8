#!/bin/sh
# measure.sh SETUP CLIENTS: server CPU per player and input-to-ack latency
# of one setup (BENCHMARKS.md, "Cluster"), the servers pinned to core 0 and
# the load tester to core 1:
#   single  one node, [cluster] off
#   local   two nodes, rooms on the node their players connect to
#   remote  two nodes, every player on n1, every room on n2 (n1 takes none)
# Needs the gameserver binary in $GS (default /tmp/gs), taskset, python3.
set -eu
GS=${GS:-/tmp/gs}
setup=$1
clients=$2
dir=$(mktemp -d)
common='[log]
level = "warn"
[limits]
exempt_addrs = ["127.0.0.1"]
[session]
input_rate = 60
[http]
max_sessions = 20000'
node() { # id http-port cluster-port rooms placement
	printf '[server]\naddr = "127.0.0.1:%s"\n%s\n[cluster]\nenabled = true\nnode_id = "%s"\naddr = "127.0.0.1:%s"\nrooms = %s\nplacement = "%s"\nmembers = [{id = "n1", addr = "127.0.0.1:17001"}, {id = "n2", addr = "127.0.0.1:17002"}]\n' \
		"$2" "$common" "$1" "$3" "$4" "$5"
}
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
start() { # config-file
	taskset -c 0 "$GS" -config "$1" 2>>"$dir/server.log" &
	pids="$pids $!"
}
case $setup in
single)
	printf '[server]\naddr = "127.0.0.1:18081"\n%s\n' "$common" >"$dir/n1.toml"
	start "$dir/n1.toml"
	urls=http://127.0.0.1:18081
	nodes="18081" ;;
local)
	node n1 18081 17001 true local >"$dir/n1.toml"
	node n2 18082 17002 true local >"$dir/n2.toml"
	start "$dir/n1.toml"; start "$dir/n2.toml"
	urls=http://127.0.0.1:18081,http://127.0.0.1:18082
	nodes="18081 18082" ;;
remote)
	node n1 18081 17001 false least_loaded >"$dir/n1.toml"
	node n2 18082 17002 true least_loaded >"$dir/n2.toml"
	start "$dir/n1.toml"; start "$dir/n2.toml"
	urls=http://127.0.0.1:18081
	nodes="18081 18082" ;;
*) echo "setup: single, local or remote" >&2; exit 2 ;;
esac
for p in $nodes; do
	until curl -sf "http://127.0.0.1:$p/readyz" >/dev/null; do sleep 0.1; done
done
cpu() { # total process CPU seconds of the nodes
	t=0
	for p in $nodes; do
		c=$(curl -s "http://127.0.0.1:$p/metrics" | awk '/^process_cpu_seconds_total/ {print $2}')
		t=$(python3 -c "print($t + $c)")
	done
	echo "$t"
}
taskset -c 1 "$GS" loadtest -url "$urls" -clients "$clients" -join-rate 1000 -warmup 4s -duration 20s -out "$dir/report" >"$dir/loadtest.txt" 2>&1 &
tester=$!
sleep 6 # the join ramp and most of the warm-up
c0=$(cpu); t0=$(date +%s.%N)
sleep 15
c1=$(cpu); t1=$(date +%s.%N)
wait $tester || true
python3 - "$dir/report/report.json" "$c0" "$c1" "$t0" "$t1" "$clients" "$setup" <<'EOF'
import json, sys
rep = json.load(open(sys.argv[1]))
c0, c1, t0, t1, n = map(float, sys.argv[2:7])
cpu = (c1 - c0) / (t1 - t0)
lat = rep["latency"]
print(f"{sys.argv[7]}: {int(n)} clients, server CPU {cpu*100:.1f}% of a core, {cpu/n*1e6:.0f} µs/s per player, "
      f"input->ack p50 {lat['p50_ms']:.0f} ms p99 {lat['p99_ms']:.0f} ms, updates/s {rep['updates']['per_client_per_sec']:.2f}, "
      f"errors {rep['errors']['total']}, disconnects {rep['disconnects']['total']}")
EOF
