#!/bin/sh
# Starts a private redis-server and rabbitmq-server on free loopback ports (data in a temp folder), runs
# `deepseekwatch perf` against them with the arguments given, then stops both. Run from the repository root:
#   tests/DeepSeekWatch.IntegrationTests/Chaos/perf.sh --out docs/perf/perf.json
#   tests/DeepSeekWatch.IntegrationTests/Chaos/perf.sh --bars 20000 --detectors 1,2,3 --partitions 6 --out /tmp/perf.json
# (--detectors starts `run --role detector` child processes from the same dll; perf kills them at the end)
# The broker's and Redis's process ids are passed (--broker-pid, --redis-pid): every broker run reports their CPU too.
#   DLL=/tmp/other/deepseekwatch.dll tests/DeepSeekWatch.IntegrationTests/Chaos/perf.sh ...   (another build)
# Needs redis-server, rabbitmq-server and a built src/DeepSeekWatch (dotnet build src/DeepSeekWatch -c Release).
set -eu
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dir=$(mktemp -d /tmp/dsw-perf-XXXXXX)
chmod 755 "$dir"
redis_port=$(free_port); rabbit_port=$(free_port); dist_port=$(free_port)
node="dswperf$rabbit_port@localhost"
mkdir -p "$dir/redis" "$dir/rabbit/mnesia" "$dir/rabbit/log"
echo '[].' > "$dir/rabbit/enabled_plugins"
[ "$(id -u)" = 0 ] && chown -R rabbitmq:rabbitmq "$dir/rabbit"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --save '' --appendonly no > "$dir/redis.log" 2>&1 &
redis_pid=$!
RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$rabbit_port RABBITMQ_DIST_PORT=$dist_port \
RABBITMQ_MNESIA_BASE=$dir/rabbit/mnesia RABBITMQ_LOG_BASE=$dir/rabbit/log RABBITMQ_ENABLED_PLUGINS_FILE=$dir/rabbit/enabled_plugins \
  rabbitmq-server > "$dir/rabbit.log" 2>&1 &
cleanup() { rabbitmqctl -n "$node" stop > /dev/null 2>&1 || true; kill "$redis_pid" 2> /dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
i=0
until rabbitmq-diagnostics -n "$node" -q check_running > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 120 ] && { echo "rabbitmq did not start" >&2; cat "$dir/rabbit.log" >&2; exit 1; }; sleep 1
done
# DLL=path picks a build (e.g. a copy to compare with); otherwise the Release build, else the Debug one, with a warning:
# the tests' builds are Debug and newer, and a Debug build's figures are not the product's.
dll=${DLL:-}
if [ -z "$dll" ]; then
  for c in artifacts/bin/DeepSeekWatch/release/deepseekwatch.dll artifacts/bin/DeepSeekWatch/debug/deepseekwatch.dll; do
    [ -f "$c" ] && { dll=$c; break; }
  done
fi
[ -n "$dll" ] && [ -f "$dll" ] || { echo "build src/DeepSeekWatch first (dotnet build src/DeepSeekWatch -c Release)" >&2; exit 1; }
case "$dll" in *debug*) echo "perf: warning: $dll is a Debug build; measure a Release one (dotnet build src/DeepSeekWatch -c Release)" >&2 ;; esac
# The broker's runtime process (beam.smp) and redis-server: perf reports their CPU per message beside its own.
beam_pid=$(rabbitmqctl -n "$node" eval 'os:getpid().' | tr -dc 0-9)
echo "perf: using $dll, RabbitMQ 127.0.0.1:$rabbit_port (process $beam_pid), Redis 127.0.0.1:$redis_port (process $redis_pid)" >&2
dotnet "$dll" perf --rabbitmq "127.0.0.1:$rabbit_port" --redis "127.0.0.1:$redis_port" --broker-pid "$beam_pid" --redis-pid "$redis_pid" "$@"
