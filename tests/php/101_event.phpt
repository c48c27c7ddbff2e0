--TEST--
Swoole\Event::defer runs after the current callback in a worker; Event::wait returns at once when nothing is pending
--FILE--
<?php
require __DIR__ . '/include/server.inc';
Swoole\Event::wait();
echo "wait returned\n";
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('start', function () {
    var_dump(Swoole\Event::defer(function () {}));
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    Swoole\Event::defer(function () use ($s, $fd) {
        $s->send($fd, "deferred\n");
    });
    $s->send($fd, "now\n");
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'x');
echo swkit_read_until($c, "deferred\n");
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
wait returned
bool(true)
now
deferred
int(0)

Warning: Swoole\Event::defer(): timers run in a process without a server or in worker, task worker and user processes of a started server (swkit; a server's master and manager run no PHP timers) in %s on line 5
bool(false)
