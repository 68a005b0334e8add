#!/bin/bash
# One round of the Finding 6 reproduction (docs/reliability.md): a private rabbitmq-server (free loopback ports, data in
# a temp dir, like tests/DeepSeekWatch.IntegrationTests/Chaos/perf.sh), 30 quorum queues with 300 numbered messages
# each, a consumer per queue that acks 100 and holds 64 unacked, `kill -9` of the broker's VM, restart on the same
# node and data, then per MODE:
#   elect    the queues still leaderless 10 s after the restart get ra:trigger_election (what the chaos test does)
#   restart  they get a clean broker restart instead (rabbitmqctl stop + start); any still leaderless after it are
#            then elected so the round can drain
#   variant  a never-acking consumer (f6-repro hold) does basic.consume on them BEFORE the election, then the
#            election, then a fresh consumer drains; then the hold connection closes and they are drained again
#   revive   the lost member is brought back live: the old Ra data dir (UId) of the queue, orphaned because its
#            registration in ra's names.dets was lost in the kill, is registered again and the member restarted
#   consume-first  like variant, but the hold is a normal acking drain that starts before the election
# then a fresh connection drains every queue and reports which numbers came back.
# Usage (root, from anywhere): tools/f6-repro/round.sh MODE [OUTDIR]
# Needs the tool built: dotnet build tools/f6-repro -c Release -o /tmp/f6-bin
set -u
mode=${1:-elect}
out=${2:-/tmp/f6-runs/$(date -u +%H%M%S)-$mode}
bin=${F6_BIN:-/tmp/f6-bin/f6-repro}
queues=${F6_QUEUES:-30}
mkdir -p "$out"
exec > >(tee "$out/round.log") 2>&1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ts() { date -u +%H:%M:%S; }
dir=$(mktemp -d /tmp/f6-rabbit-XXXXXX)
chmod 755 "$dir"
port=$(free_port); dist=$(free_port)
node="f6repro$port@localhost"
mkdir -p "$dir/rabbit/mnesia" "$dir/rabbit/log"
echo '[].' > "$dir/rabbit/enabled_plugins"
[ "$(id -u)" = 0 ] && chown -R rabbitmq:rabbitmq "$dir/rabbit"
export RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port RABBITMQ_DIST_PORT=$dist \
  RABBITMQ_MNESIA_BASE=$dir/rabbit/mnesia RABBITMQ_LOG_BASE=$dir/rabbit/log RABBITMQ_ENABLED_PLUGINS_FILE=$dir/rabbit/enabled_plugins
ctl() { rabbitmqctl -n "$node" -q -t 30 "$@"; }
start_broker() {
  rabbitmq-server >> "$dir/rabbit-out.log" 2>&1 &
  local i=0
  until rabbitmq-diagnostics -n "$node" -q check_running > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 120 ] && { echo "rabbitmq did not start"; tail -20 "$dir/rabbit-out.log"; exit 1; }; sleep 1
  done
  echo "$(ts) broker running ($node, port $port)"
}
beams() { for p in /proc/[0-9]*; do grep -qa beam.smp "$p/cmdline" 2> /dev/null && tr '\0' '\n' < "$p/environ" 2> /dev/null | grep -qx "RABBITMQ_NODENAME=$node" && basename "$p"; done; }
cleanup() {
  [ -n "${hold_pid:-}" ] && kill "$hold_pid" 2> /dev/null
  rabbitmqctl -n "$node" stop > /dev/null 2>&1 || true
  for b in $(beams); do kill -9 "$b"; done
  cp "$dir"/rabbit/log/*.log "$out/" 2> /dev/null
  if [ -n "${F6_KEEP:-}" ]; then mv "$dir" "$out/data"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
# Raft state of every queue's local member: the ra server's gen_statem state (leader, follower, candidate, ...).
raft_states() {
  ctl eval 'lists:foreach(fun(Q) -> {_, _, _, N} = amqqueue:get_name(Q), S = try element(1, sys:get_state(element(1, amqqueue:get_pid(Q)), 3000)) catch _:_ -> unknown end, io:format("~s ~p~n", [N, S]) end, rabbit_amqqueue:list(<<"/">>)), ok.' | grep -v '^ok$' | sort
}
quorum_status() { rabbitmq-queues -n "$node" -q -t 15 quorum_status "$1" --formatter json 2>&1 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(str(m.get("Raft State","?")) + " (term " + str(m.get("Term","?")) + ", last log index " + str(m.get("Last Log Index","?")) + ", commit index " + str(m.get("Commit Index","?")) + ")" for m in d))' 2>/dev/null || echo unknown; }
elect() { ctl eval "{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"/\">>, queue, <<\"$1\">>)), ra:trigger_election(amqqueue:get_pid(Q))."; }
wait_leaders() { # wait (up to $1 s) until every queue in the rest of the arguments is leader
  local t=$1; shift; local i=0
  while [ $i -lt "$t" ]; do
    local st; st=$(raft_states)
    local bad=""; for q in "$@"; do echo "$st" | grep -qx "$q leader" || bad="$bad $q"; done
    [ -z "$bad" ] && { echo "$(ts) leaders: $*"; return 0; }
    sleep 1; i=$((i + 1))
  done
  echo "$(ts) STILL NOT LEADER after ${t}s:$bad"; return 1
}
snapshot() { echo "--- $(ts) $1"; ctl list_queues --no-table-headers name messages_ready messages_unacknowledged consumers | sort | awk -v only="${2:-}" 'only == "" || index(" " only " ", " " $1 " ")'; }

echo "$(ts) round mode=$mode out=$out dir=$dir"
start_broker
killarg=""; [ "${F6_KILL_DELAY:-0}" = 0 ] && killarg="--kill-pids $(beams | paste -sd,)"
"$bin" prepare --port "$port" --queues "$queues" --state "$out/state.json" $killarg ${F6_PREPARE_ARGS:-} > "$out/prepare.log" 2>&1 &
prep=$!
for _ in $(seq 1800); do grep -q HOLDING "$out/prepare.log" && break; sleep 0.1; done
grep -q HOLDING "$out/prepare.log" || { echo "prepare did not reach HOLDING"; cat "$out/prepare.log"; exit 1; }
if [ "${F6_KILL_DELAY:-0}" != 0 ]; then
  sleep "$F6_KILL_DELAY"
  snapshot "before the kill" | head -4
fi
for b in $(beams); do kill -9 "$b"; done
echo "$(ts) kill -9 of beam.smp (F6_KILL_DELAY=${F6_KILL_DELAY:-0} s after HOLDING; 0: by f6-repro itself at HOLDING)"
cat "$out/prepare.log"
wait $prep; tail -1 "$out/prepare.log"
sleep 1
start_broker
sleep 10
raft_states > "$out/raft-after-restart.txt"
# ra's directory of servers (names.dets) as recovered, against the quorum queues' data dirs on disk
echo "$(ts) $(grep -h "'quorum_queues' running pre init" "$dir"/rabbit/log/*.log | tail -1 | sed 's/.*\] //'); Ra data dirs on disk: $(ls -d "$dir"/rabbit/mnesia/*/quorum/*/*/ 2> /dev/null | grep -vc -e '/names' -e 'wal')"
leaderless=$(awk '$2 != "leader" {print $1}' "$out/raft-after-restart.txt" | tr '\n' ' ')
echo "$(ts) raft states 10 s after restart: $(awk '{print $2}' "$out/raft-after-restart.txt" | sort | uniq -c | tr '\n' ' ')"
echo "LEADERLESS: ${leaderless:-none}"
ctl eval 'io:format("~p~n", [lists:sort(ra_directory:list_registered(quorum_queues))]), ok.' | grep -v '^ok$' > "$out/ra-directory-after-restart.txt"
orig_leaderless=$leaderless
for q in $leaderless; do echo "  $q quorum_status: $(quorum_status "$q")"; done
[ -n "$leaderless" ] && snapshot "leaderless queues before any action" "$leaderless"

# The old Ra member of a queue whose registration in ra's directory (names.dets) was lost: the data dir (UId) whose
# config names the queue's cluster but is not the registered one.
old_uid() {
  local qdir; qdir=$(ls -d "$dir"/rabbit/mnesia/*/quorum/*/ | head -1)
  local reg; reg=$(tr -d '\n ' < "$out/ra-directory-after-restart.txt")
  for c in $(grep -l "cluster_name => '%2F_$1'," "$qdir"/*/config); do
    local u; u=$(basename "$(dirname "$c")"); echo "$reg" | grep -q "\"$u\"" || echo "$u"
  done
}
# Live repair: stop the new empty member, point the directory back at the old member's UId, restart it.
revive() {
  local q=$1 u=$2
  ctl eval "Name = '%2F_$q', {ok, Rev} = ra_system:lookup_name(quorum_queues, directory_rev), S = ra:stop_server(quorum_queues, {Name, node()}), ok = dets:insert(Rev, {Name, <<\"$u\">>}), ok = dets:sync(Rev), R = ra:restart_server(quorum_queues, {Name, node()}, #{ra_event_formatter => {rabbit_quorum_queue, format_ra_event, [rabbit_misc:r(<<\"/\">>, queue, <<\"$q\">>)]}}), {S, R}."
}

case $mode in
  revive)
    for q in $leaderless; do
      u=$(old_uid "$q"); echo "$(ts) $q: registered $(tr -d '\n ' < "$out/ra-directory-after-restart.txt" | grep -o "'%2F_$q',<<\"[^\"]*\">>"), orphaned old member on disk: ${u:-none}"
      [ -n "$u" ] && echo "$(ts) revive $q -> $u: $(revive "$q" "$u")"
    done
    [ -n "$leaderless" ] && { wait_leaders 30 $leaderless || for q in $leaderless; do echo "$(ts) electing $q: $(elect "$q")"; done; }
    [ -n "$leaderless" ] && { sleep 2; snapshot "after the revive" "$leaderless"; }
    ;;
  restart)
    for n in 1 2; do
      [ -z "$leaderless" ] && break
      echo "$(ts) clean restart $n (rabbitmqctl stop)"; ctl stop; sleep 2; start_broker; sleep 10
      raft_states > "$out/raft-after-clean-restart-$n.txt"
      echo "after clean restart $n:"; for q in $leaderless; do grep "^$q " "$out/raft-after-clean-restart-$n.txt"; done
      snapshot "after clean restart $n" "$leaderless"
      leaderless=$(for q in $leaderless; do grep -qx "$q leader" "$out/raft-after-clean-restart-$n.txt" || echo "$q"; done | tr '\n' ' ')
    done
    for q in $leaderless; do echo "$(ts) still leaderless, electing $q: $(elect "$q")"; done
    [ -n "$leaderless" ] && wait_leaders 30 $leaderless
    ;;
  variant|consume-first)
    if [ -n "$leaderless" ]; then
      healthy=$(awk '$2 == "leader" {print $1; exit}' "$out/raft-after-restart.txt")
      if [ "$mode" = variant ]; then
        "$bin" hold --port "$port" --queues "$(echo $leaderless $healthy | tr ' ' ',')" --seconds 300 --stop-file "$out/stop-hold" > "$out/hold.log" 2>&1 &
      else
        "$bin" drain --port "$port" --state "$out/state.json" --queues "$(echo $leaderless | tr ' ' ',')" --out "$out/drain-first.txt" > "$out/hold.log" 2>&1 &
      fi
      hold_pid=$!
      sleep 25
      echo "--- $(ts) client side before the election:"; cat "$out/hold.log"
      echo "--- $(ts) consumers before the election:"; ctl list_consumers queue_name channel_pid consumer_tag prefetch_count active | sort
      echo "--- channels:"; ctl list_channels pid number consumer_count messages_unacknowledged 2>&1 | sort
      for q in $leaderless; do echo "$(ts) electing $q: $(elect "$q")"; done
      wait_leaders 30 $leaderless
      echo "--- $(ts) 10 new messages (#2001..) published to each of them after the election:"
      "$bin" publish --port "$port" --queues "$(echo $leaderless $healthy | tr ' ' ',')" --from 2001 --count 10 | sed 's/^/  /'
      sleep 8
      echo "--- $(ts) consumers after the election:"; ctl list_consumers queue_name channel_pid consumer_tag prefetch_count active | sort
      snapshot "after the election, the first consumer still connected" "$leaderless $healthy"
      echo "--- $(ts) client side after the election:"; cat "$out/hold.log"
      if [ "$mode" = variant ]; then
        echo "--- $(ts) fresh drain while the hold connection is open:"
        "$bin" drain --port "$port" --state "$out/state.json" --queues "$(echo $leaderless $healthy | tr ' ' ',')" --out "$out/drain-during-hold.txt" | sed 's/^/  /'
        touch "$out/stop-hold"
      fi
      wait $hold_pid; hold_pid=""
      echo "--- $(ts) first consumer done:"; tail -n +1 "$out/hold.log" | grep -E "HOLD|FAILED|shutdown|closed|first delivery|consume-ok|got=" 
      sleep 3
      snapshot "after the first consumer's connection closed" "$leaderless $healthy"
    fi
    ;;
  *)
    for q in $leaderless; do echo "$(ts) electing $q: $(elect "$q")"; done
    [ -n "$leaderless" ] && wait_leaders 30 $leaderless
    ;;
esac
for q in $leaderless; do echo "  $q quorum_status now: $(quorum_status "$q")"; done
sleep 3
snapshot "before the final drain (all queues)" > "$out/before-drain.txt"; cat "$out/before-drain.txt" | awk -v l="$leaderless" 'NR==1 || index(" " l " ", " " $1 " ")'
awk 'NR>1 && ($3 != 0) {print "  unacked after restart: " $0}' "$out/before-drain.txt"
echo "--- $(ts) final drain (fresh connection):"
"$bin" drain --port "$port" --state "$out/state.json" --out "$out/drain.txt" > /dev/null
awk -v l="$orig_leaderless" '{ tag = index(" " l " ", " " $1 " ") ? "LEADERLESS " : "           "; print tag $0 }' "$out/drain.txt" | grep -E "LEADERLESS|MISSING" || true
echo "summary: queues=$(wc -l < "$out/drain.txt") full_back=$(grep -c 'held_back=64/64 undelivered_back=136/136' "$out/drain.txt") missing=$(grep -c MISSING "$out/drain.txt") leaderless=[${orig_leaderless}]"
for q in $orig_leaderless; do grep -h "$q" "$dir"/rabbit/log/*.log | grep -v -i "starting\|declar" | tail -8 | sed "s/^/  log: /"; done
echo "$(ts) round done"
