--TEST--
Process::signal(): a handler runs on the event loop of an event worker and of a user process whose body returned, each time the signal comes (the process stays); SIGTERM is refused in a server process
--FILE--
<?php
require __DIR__ . '/include/server.inc';
// Outside a server the process's own loop takes it (232_event_loop.phpt); removed again so
// that the end of the script has nothing left to wait for.
var_dump(Swoole\Process::signal(10, function () {}), Swoole\Process::signal(10, null));

$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', function () {});
$server->on('workerStart', function (Swoole\Server $server, int $id) {
    Swoole\Process::signal(10, function (int $signo) { echo "worker got $signo\n"; });
    echo "worker ready ", getmypid(), " sigterm ", var_export(@Swoole\Process::signal(15, fn () => null), true), "\n";
});
$server->addProcess(new Swoole\Process(function () {
    Swoole\Process::signal(12, function (int $signo) { echo "user got $signo\n"; });
    echo "user ready ", getmypid(), "\n";
}));
$server->start();
PHP);
var_dump($server->waitOutput(['worker ready', 'user ready']));
preg_match('/^worker ready (\d+) sigterm false$/m', $server->output(), $w);
preg_match('/^user ready (\d+)$/m', $server->output(), $u);
foreach ([[(int) $w[1], 10, 'worker got 10'], [(int) $u[1], 12, 'user got 12']] as [$pid, $signo, $line]) {
    for ($i = 1; $i <= 2; $i++) {
        var_dump(Swoole\Process::kill($pid, $signo));
        $deadline = microtime(true) + 10;  // bounded: the handler's line, once more each time
        while (substr_count($server->output(), "$line\n") < $i && microtime(true) < $deadline) {
            usleep(10000);
        }
        var_dump(substr_count($server->output(), "$line\n") === $i);
    }
    var_dump(Swoole\Process::kill($pid, 0));
}
var_dump($server->stop());
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
