#!/usr/bin/env bash
# Sets everything up, builds (Release) and runs the demo: the C++ echo server in PROCESS mode on
# 127.0.0.1:9501 with 2 workers, logging to this terminal. Ctrl-C shuts the whole tree down.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" build Release
pid_file=${TMPDIR:-/tmp}/swkit-demo.pid
cat <<HINT
----------------------------------------------------------------------------
 swkit demo: echo server, PROCESS mode, 127.0.0.1:9501, 2 workers
   try it:    exec 3<>/dev/tcp/127.0.0.1/9501; echo hello >&3; head -1 <&3
   stop it:   Ctrl-C here, or  kill -TERM \$(cat $pid_file)
   benchmark: bench/run.sh   (see bench/README.md)
 The admin endpoint and swctl come with the control-plane work (issue 5);
 until then the signal map of docs/process-model.md is the operator interface.
----------------------------------------------------------------------------
HINT
exec "$root/build/examples/echo_server" --host 127.0.0.1 --port 9501 --mode process --workers 2 \
  --pid-file "$pid_file"
