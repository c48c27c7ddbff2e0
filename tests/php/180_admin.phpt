--TEST--
admin_server from PHP: the endpoint runs in the master of a PHP server; swctl reads stats and workers, runs a PHP addCommand() in a worker, reloads with --wait and shuts the server down
--SKIPIF--
<?php if (!is_executable((string) getenv('SWKIT_SWCTL'))) echo 'skip swctl not built (SWKIT_SWCTL)'; ?>
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$sock = sys_get_temp_dir() . '/swkit-phpt-admin-' . getmypid() . '.sock';
$server = SwkitServer::start(str_replace('__SOCK__', $sock, <<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 2, 'task_worker_num' => 1, 'admin_server' => 'unix:__SOCK__',
               'log_level' => SWOOLE_LOG_ERROR]);
$server->addCommand('greet', SWOOLE_SERVER_COMMAND_EVENT_WORKER, function (Swoole\Server $s, string $data) {
    return json_encode(['hello' => json_decode($data, true)['name'] ?? null, 'worker' => $s->getWorkerId(), 'pid' => getmypid()]);
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) { $s->send($fd, $data); });
$server->on('task', function () {});
$server->on('finish', function () {});
$server->start();
echo "start returned\n";
PHP));
var_dump($server->waitListening());
function swctl(string ...$args): array {
    $cmd = escapeshellarg(getenv('SWKIT_SWCTL')) . ' ' . implode(' ', array_map('escapeshellarg', $args)) . ' 2>&1';
    exec($cmd, $out, $rc);
    return [$rc, implode("\n", $out)];
}
// The endpoint starts once the port listens: wait for its socket (bounded).
for ($i = 0; $i < 500 && !file_exists($sock); $i++) usleep(10000);
clearstatcache();
// The socket is the owner's only.
var_dump(decoct(fileperms($sock) & 0777));
[$rc, $out] = swctl('--socket', $sock, 'stats', '--json');
$stats = json_decode($out, true);
echo "stats: rc=$rc worker_num=", $stats['worker_num'] ?? '?', " task_worker_num=", $stats['task_worker_num'] ?? '?', "\n";
[$rc, $out] = swctl('--socket', $sock, 'workers', '--json');
$kinds = array_count_values(array_column(json_decode($out, true)['processes'] ?? [], 'kind'));
ksort($kinds);
echo "workers: rc=$rc ", json_encode($kinds), "\n";
[$rc, $out] = swctl('--socket', $sock, 'command', 'greet', '--to', 'worker-1', '--data', '{"name":"php"}', '--json');
$r = json_decode($out, true)['results']['worker-1'] ?? null;
echo "command: rc=$rc hello=", $r['data']['hello'] ?? '?', " worker=", $r['data']['worker'] ?? '?', "\n";
$before = $r['data']['pid'] ?? 0;
[$rc, $out] = swctl('--socket', $sock, 'reload', '--wait', '--timeout', '20');
echo "reload --wait: rc=$rc\n";
[$rc, $out] = swctl('--socket', $sock, 'command', 'greet', '--to', 'worker-1', '--json');
$after = json_decode($out, true)['results']['worker-1']['data']['pid'] ?? 0;
echo "worker 1 replaced: ", var_export($after > 0 && $after !== $before, true), "\n";
[$rc, $out] = swctl('--socket', $sock, 'shutdown', '--wait');
echo "shutdown --wait: rc=$rc\n";
var_dump($server->waitExit());
var_dump(file_exists($sock));
echo $server->output();
?>
--EXPECT--
bool(true)
string(3) "600"
stats: rc=0 worker_num=2 task_worker_num=1
workers: rc=0 {"event":2,"manager":1,"master":1,"task":1}
command: rc=0 hello=php worker=1
reload --wait: rc=0
worker 1 replaced: true
shutdown --wait: rc=0
bool(true)
bool(false)
start returned
