--TEST--
Process::exportSocket(): the same Swoole\Coroutine\Socket on each call; on its own recv()/send() block (with a timeout: false, errCode 110); in a server coroutine recv() suspends it while the worker keeps serving and resumes it at the timeout; no pipe: a warning
--FILE--
<?php
require __DIR__ . '/include/server.inc';

$p = new Swoole\Process(function (Swoole\Process $p) {
    $s = $p->exportSocket();
    $msg = $s->recv();
    $s->send("child got $msg");
}, false, 2, true);
$pid = $p->start();
$s = $p->exportSocket();
var_dump($s instanceof Swoole\Coroutine\Socket, $s === $p->exportSocket());
var_dump($s->send('hi'));
var_dump($s->recv(65536, 5));
var_dump(Swoole\Process::wait()['pid'] === $pid);
var_dump($s->recv(100, 0.2), $s->errCode);
$none = new Swoole\Process(function () {}, false, 0);
var_dump($none->exportSocket());

$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'enable_coroutine' => true, 'log_level' => SWOOLE_LOG_ERROR]);
$process = new Swoole\Process(function () {}, false, 2);  // never started: only its pipe is used
$server->on('workerStart', function (Swoole\Server $server) use ($process) {
    $socket = $process->exportSocket();
    echo "waiting\n";
    $got = $socket->recv(100, 3.0);  // the client's ping is served meanwhile
    echo "resumed ", var_export($got, true), " ", $socket->errCode, "\n";
});
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    echo "served while waiting\n";
    $server->send($fd, "pong\n");
});
$server->start();
PHP);
var_dump($server->waitOutput('waiting'));
$c = swkit_connect($server->port);
fwrite($c, "ping\n");
var_dump(trim(swkit_read_until($c, "\n")));
var_dump($server->waitOutput('resumed'));
var_dump($server->stop());
$out = $server->output();
echo substr($out, strpos($out, 'waiting'));
?>
--EXPECTF--
bool(true)
bool(true)
int(2)
string(12) "child got hi"
bool(true)
bool(false)
int(110)

Warning: Swoole\Process::exportSocket(): no pipe: the process was created with pipe_type 0 in %s on line %d
bool(false)
bool(true)
string(4) "pong"
bool(true)
int(0)
waiting
served while waiting
resumed false 110
