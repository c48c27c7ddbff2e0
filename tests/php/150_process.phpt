--TEST--
Swoole\Process on its own (start, write/read both ways, stdout redirect, exit code, kill, wait) and in a server (addProcess broadcasting to $server->connections)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$p = new Swoole\Process(function (Swoole\Process $p) {
    $p->write("from child " . ($p->pid === getmypid() ? 'ok' : 'bad pid'));
    $p->write(strtoupper($p->read()));
});
$pid = $p->start();
var_dump($pid === $p->pid, $p->read(), $p->write('ping'), $p->read());
var_dump(Swoole\Process::wait() === ['pid' => $pid, 'code' => 0, 'signal' => 0]);

$p = new Swoole\Process(function () { echo "hello from stdout"; }, true);
$pid = $p->start();
var_dump($p->read());
var_dump(Swoole\Process::wait()['pid'] === $pid);

$p = new Swoole\Process(function (Swoole\Process $p) { $p->exit(7); });
$p->start();
var_dump(Swoole\Process::wait()['code']);

$p = new Swoole\Process(function (Swoole\Process $p) { $p->read(); });
$pid = $p->start();
var_dump(Swoole\Process::kill($pid, 0), Swoole\Process::kill($pid));
$r = Swoole\Process::wait();
var_dump($r['pid'] === $pid, $r['signal']);
var_dump(Swoole\Process::kill($pid, 0), Swoole\Process::wait(false));

// addProcess: the seed's broadcast example with the pipe's blocking read()/write().
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__);
$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
$process = new Swoole\Process(function ($process) use ($server) {
    echo "user process: id={$process->id} worker_id={$server->getWorkerId()}\n";
    while (true) {
        $msg = $process->read();
        foreach ($server->connections as $conn) {
            $server->send($conn, $msg);
        }
    }
}, false, 2, false);
var_dump($server->addProcess($process));
$server->on('receive', function ($serv, $fd, $reactor_id, $data) use ($process) {
    if (trim($data) === 'stats') {
        $serv->send($fd, json_encode(['user_worker_num' => $serv->stats()['user_worker_num'], 'connections' => count($serv->connections)]) . "\n");
        return;
    }
    $process->write("broadcast: $data");
});
$server->start();
PHP);
var_dump($server->waitListening());
$a = swkit_connect($server->port);
$b = swkit_connect($server->port);
// Both connections accepted by the master before the broadcast (connect() returns before).
$deadline = microtime(true) + 10;
do {
    fwrite($a, "stats\n");
    $stats = swkit_read_until($a, "\n");
} while (!str_contains($stats, '"connections":2') && microtime(true) < $deadline);
echo $stats;
fwrite($a, "hi\n");
echo swkit_read_until($a, "\n"), swkit_read_until($b, "\n");
fclose($a);
fclose($b);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
string(13) "from child ok"
int(4)
string(4) "PING"
bool(true)
string(17) "hello from stdout"
bool(true)
int(7)
bool(true)
bool(true)
bool(true)
int(15)
bool(false)
bool(false)
bool(true)
{"user_worker_num":1,"connections":2}
broadcast: hi
broadcast: hi
int(0)
int(0)
user process: id=0 worker_id=2
