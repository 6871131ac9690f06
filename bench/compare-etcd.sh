#!/usr/bin/env bash
# Measures SplitGuard against etcd on this machine, one after the other, with the same client
# (splitguard bench): put at 1/16/64/256 clients, linearizable get, stale (etcd: serializable) get,
# compare-and-set, and the failover window when the leader is killed or paused. Prints both and
# their ratios, and keeps the raw JSON results. Clients are spread over the members (followers
# forward writes to the leader); put at 64 clients runs a second time with every client talking
# to the leader ("put (to the leader)"), as a leader-aware client would, for both stores.
#
# Fair settings: 3 members on loopback each; both fsync their logs on every commit; both use
# their default election timeouts (etcd: 100 ms heartbeat, 1000 ms election; SplitGuard: 100 ms
# heartbeat, 1000-2000 ms election); both serve linearizable reads (etcd confirms every read index
# with a heartbeat round; SplitGuard answers it from the leader's read lease while it holds one).
#
# Load phases run in rounds that alternate between the stores (etcd, SplitGuard, etcd, ...), each
# round on a freshly started cluster, so that a change in the machine's background load hits both;
# the table shows the median of each metric over the rounds. Before its phases, every fresh cluster
# (both stores) serves a warm-up load, unmeasured: SplitGuard's JVMs compile their hot paths for
# about three minutes of load after start (etcd is compiled ahead of time), and a long-running
# service is what is being compared.
#
# Usage: bench/compare-etcd.sh [--long] [--duration 5s] [--warmup 2s] [--cluster-warmup 240s]
#                              [--rounds 3] [--repeats 3] [--out DIR] [--skip-failover]
#   --cluster-warmup: seconds, like 240s (half put at 64 clients, then get, stale-get, cas at 64
#                     and put at 1 client); 0s skips the warm-up.
#   default: 5 s per phase, 3 rounds, 3 failover repeats per fault; about 40 minutes on 2 cores.
#   --long:  30 s per phase, 5 s warm-up, 5 rounds, 7 repeats; about 90 minutes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/splitguard-cli/target/splitguard.jar"
duration=5s
warmup=2s
cluster_warmup=240s
rounds=3
repeats=3
failover=1
out="$root/bench/target/compare-etcd-$(date -u +%Y%m%dT%H%M%SZ)"

while [ $# -gt 0 ]; do
  case "$1" in
    --long) duration=30s; warmup=5s; rounds=5; repeats=7 ;;
    --duration) duration="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --cluster-warmup) cluster_warmup="$2"; shift ;;
    --repeats) repeats="$2"; shift ;;
    --out) out="$2"; shift ;;
    --skip-failover) failover=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare-etcd: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Ports: away from etcd's and the dev cluster's defaults, so a running instance is not measured.
etcd_client=(12379 12479 12579)
etcd_peer=(12380 12480 12580)
sg_port=18101

log() { echo "compare-etcd: $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------
if ! command -v etcd >/dev/null 2>&1; then
  log "etcd not found; installing Debian's etcd-server and etcd-client"
  if [ "$(id -u)" -ne 0 ]; then log "need root for apt-get (or install etcd-server yourself)"; exit 2; fi
  # The package's service is not started: policy-rc.d or the absence of systemd stops it in
  # containers, and we start our own members anyway.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
fi
if [ ! -f "$jar" ]; then
  log "building $jar"
  (cd "$root" && mvn -B -q -pl splitguard-cli -am package -DskipTests -Dmaven.test.skip=true) >&2
fi
for p in "${etcd_client[@]}" "${etcd_peer[@]}" $sg_port $((sg_port + 1)) $((sg_port + 2)) \
    $((sg_port + 1000)) $((sg_port + 1001)) $((sg_port + 1002)); do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then log "port $p is in use; stop what uses it"; exit 2; fi
done

tmp="$(mktemp -d /tmp/compare-etcd.XXXXXX)"
mkdir -p "$out/etcd" "$out/splitguard"
pids=()

stop_pids() {
  local p
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_pids
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

sg() { java ${SPLITGUARD_JAVA_OPTS:-} -jar "$jar" "$@"; }

warm_up() { # target endpoints: load, not measured: half of it put x64, then every workload
  # The JIT settles by operations, not seconds; the 64-client put phase brings the most of them
  # (a fresh 3-node cluster on 2 cores took about 150 s of it to reach its steady throughput).
  local target="$1" endpoints="$2" secs="${cluster_warmup%s}" w
  [ "$secs" -gt 0 ] 2>/dev/null || return 0
  log "$target: warming up for ${secs}s (not measured)"
  sg bench --target "$target" --endpoints "$endpoints" --workload put --clients 64 \
    --duration "$((secs / 2))s" --warmup 0s > /dev/null 2>&1 || true
  for w in get stale-get cas; do
    sg bench --target "$target" --endpoints "$endpoints" --workload "$w" --clients 64 \
      --duration "$((secs / 8))s" --warmup 0s > /dev/null 2>&1 || true
  done
  sg bench --target "$target" --endpoints "$endpoints" --workload put --clients 1 \
    --duration "$((secs / 8))s" --warmup 0s > /dev/null 2>&1 || true
}

run_load() { # target endpoints round
  local target="$1" endpoints="$2" round="$3"
  warm_up "$target" "$endpoints"
  sg bench --target "$target" --endpoints "$endpoints" --workload put --clients 1,16,64,256 \
    --duration "$duration" --warmup "$warmup" --json > "$out/$target/load-put-r$round.json" \
    || log "$target put: a phase had no successful operation (see above)"
  sg bench --target "$target" --endpoints "$endpoints" --workload put --clients 64 --route leader \
    --duration "$duration" --warmup "$warmup" --json > "$out/$target/load-put-leader-r$round.json" \
    || log "$target put to the leader: no leader found or no successful operation (see above)"
  local w
  for w in get stale-get cas; do
    sg bench --target "$target" --endpoints "$endpoints" --workload "$w" --clients 1,64 \
      --duration "$duration" --warmup "$warmup" --json > "$out/$target/load-$w-r$round.json" \
      || log "$target $w: a phase had no successful operation or the keys could not be written"
  done
}

run_failover() { # target
  local target="$1" f
  for f in kill pause; do
    sg bench failover --target "$target" --fault "$f" --repeats "$repeats" \
      --dir "$tmp/failover-$target-$f" --json > "$out/$target/failover-$f.json" \
      || { log "$target failover ($f) failed: lost write or no recovery; logs copied to $out"; \
           cp -r "$tmp/failover-$target-$f" "$out/" 2>/dev/null || true; }
  done
}

{
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start)"
  echo "etcd:    $(etcd --version | head -1)"
  echo "java:    $(java -version 2>&1 | head -1)"
  echo "phases:  $duration after $warmup warm-up, $rounds rounds, each cluster warmed up for $cluster_warmup; failover repeats: $repeats"
  echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$out/machine.txt" >&2

# --- load rounds: etcd, then SplitGuard, each on a fresh cluster ----------------------------------
initial=""
for i in 0 1 2; do initial+="${initial:+,}e$i=http://127.0.0.1:${etcd_peer[$i]}"; done
etcd_endpoints="http://127.0.0.1:${etcd_client[0]},http://127.0.0.1:${etcd_client[1]},http://127.0.0.1:${etcd_client[2]}"

start_etcd() { # round
  local i
  for i in 0 1 2; do
    etcd --name "e$i" --data-dir "$tmp/etcd-r$1/e$i" \
      --listen-client-urls "http://127.0.0.1:${etcd_client[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_client[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${etcd_peer[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer[$i]}" \
      --initial-cluster "$initial" --initial-cluster-token "compare-$$-$1" \
      --initial-cluster-state new > "$tmp/etcd-r$1-e$i.log" 2>&1 &
    pids+=($!)
  done
  log "round $1: waiting for etcd"
  for _ in $(seq 1 100); do
    ETCDCTL_API=3 etcdctl --endpoints "${etcd_endpoints//http:\/\//}" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "etcd did not become healthy"; cat "$tmp"/etcd-r"$1"-e*.log >&2; exit 1
}

start_splitguard() { # round
  # Started directly, not through the sg function: a backgrounded function is a subshell, and
  # its pid (what stop_pids signals) would not be the JVM's.
  java ${SPLITGUARD_JAVA_OPTS:-} -jar "$jar" dev --dir "$tmp/sg-r$1" --port $sg_port > "$tmp/sg-dev-r$1.out" 2>&1 &
  pids+=($!)
  log "round $1: waiting for the SplitGuard cluster"
  for _ in $(seq 1 300); do
    grep -q '^Leader:' "$tmp/sg-dev-r$1.out" 2>/dev/null && return 0
    sleep 0.2
  done
  log "SplitGuard did not elect a leader"; cat "$tmp/sg-dev-r$1.out" >&2; exit 1
}

for round in $(seq 1 "$rounds"); do
  start_etcd "$round"
  log "round $round: etcd load phases"
  run_load etcd "$etcd_endpoints" "$round"
  stop_pids
  start_splitguard "$round"
  log "round $round: SplitGuard load phases"
  run_load splitguard "http://127.0.0.1:$sg_port,http://127.0.0.1:$((sg_port + 1)),http://127.0.0.1:$((sg_port + 2))" "$round"
  stop_pids
done

# --- failover: each run starts and removes its own 3-member cluster ---------------------------------
if [ "$failover" = 1 ]; then
  log "etcd failover"
  run_failover etcd
  log "SplitGuard failover"
  run_failover splitguard
fi

echo >&2
sg bench compare --baseline "$out/etcd" --candidate "$out/splitguard" | tee "$out/table.txt"
sg bench compare --baseline "$out/etcd" --candidate "$out/splitguard" --markdown > "$out/table.md"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2
log "results in $out"
