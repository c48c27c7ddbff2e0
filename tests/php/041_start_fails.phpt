--TEST--
start() fails at once with the seed's reasons: no onTask/onFinish with task workers, no onReceive, port in use
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$port = swkit_free_port();

$s = new Swoole\Server('127.0.0.1', $port);
$s->set(['task_worker_num' => 1]);
$s->on('receive', function () {});
var_dump($s->start());
$s->on('task', function () {});
var_dump($s->start());
var_dump($s->getLastError());

$s = new Swoole\Server('127.0.0.1', $port);
var_dump($s->start());

$busy = stream_socket_server("tcp://127.0.0.1:$port");
$s = new Swoole\Server('127.0.0.1', $port);
$s->set(['log_level' => SWOOLE_LOG_NONE]);
$s->on('receive', function () {});
var_dump($s->start());
var_dump($s->getLastError() === 98, swoole_last_error() === 98);
// Nothing was forked.
var_dump(swkit_children(getmypid()));
?>
--EXPECTF--
Warning: Swoole\Server::start(): require onTask callback in %s on line %d
bool(false)

Warning: Swoole\Server::start(): require onFinish callback in %s on line %d
bool(false)
int(505)

Warning: Swoole\Server::start(): require onReceive callback in %s on line %d
bool(false)

Warning: Swoole\Server::start(): failed to start server. Error: Address already in use[98] in %s on line %d
bool(false)
bool(true)
bool(true)
array(0) {
}
