--TEST--
a worker killed with SIGKILL is respawned by the manager (onWorkerError in the manager, onWorkerStart again) and serves the same connection
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('workerStart', function (Swoole\Server $s, int $id) {
    echo "workerStart $id\n";
});
$server->on('workerError', function (Swoole\Server $s, int $id, int $pid, int $code, int $signal) {
    echo "workerError id=$id signal=$signal in manager=" . var_export(getmypid() === $s->getManagerPid(), true) . "\n";
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $s->send($fd, sprintf("%10d", getmypid()));
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
$first = (int) swkit_ask($c, 'pid?', 10);
var_dump($first > 0);
// SIGKILL by pid.
var_dump(Swoole\Process::kill($first, 9));
var_dump($server->waitOutput(['workerError id=0 signal=9', "workerStart 0\nworkerError"]));
var_dump($server->waitOutput("workerStart 0\nworkerError id=0 signal=9 in manager=true\nworkerStart 0\n"));
$second = (int) swkit_ask($c, 'pid?', 10);
var_dump($second > 0 && $second !== $first);
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
workerStart 0
workerError id=0 signal=9 in manager=true
workerStart 0
