#!/usr/bin/env bash
# Sets everything up, builds (Release) and runs the demo: the C++ echo server in PROCESS mode on
# 127.0.0.1:9501 with 2 workers, logging to this terminal. Ctrl-C shuts the whole tree down.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" build Release
pid_file=${TMPDIR:-/tmp}/swkit-demo.pid
swctl="$root/build/ctl/swctl --pid-file $pid_file"
cat <<HINT
----------------------------------------------------------------------------
 swkit demo: echo server, PROCESS mode, 127.0.0.1:9501, 2 workers, 1 task worker
 admin endpoint: unix socket ${pid_file%.pid}.admin.sock (mode 0600)
   try it:    exec 3<>/dev/tcp/127.0.0.1/9501; echo hello >&3; head -1 <&3
   operate:   $swctl status
              $swctl stats --watch 1
              $swctl workers
              $swctl reload --wait          (--task-only: task workers only)
              $swctl shutdown --wait
   stop it:   Ctrl-C here, or the shutdown above
   runbook:   docs/runbook.md    benchmark: bench/run.sh (see bench/README.md)
----------------------------------------------------------------------------
HINT
exec "$root/build/examples/echo_server" --host 127.0.0.1 --port 9501 --mode process --workers 2 \
  --task-workers 1 --pid-file "$pid_file" --admin unix
