--TEST--
start-only methods called after start() warn as the seed/Swoole do and change nothing; running-only methods warn before start
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
var_dump($server->shutdown(), $server->send(1, 'x'), $server->stats(), $server->task('x'));
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('workerStart', function (Swoole\Server $s, int $id) {
    var_dump($s->set(['worker_num' => 3]));
    var_dump($s->on('receive', function () {}));
    var_dump($s->addCommand('x', SWOOLE_SERVER_COMMAND_EVENT_WORKER, function () {}));
    var_dump($s->start());
    var_dump($s->setting['worker_num']);
    echo "done\n";
});
$server->on('receive', function () {});
var_dump($server->start());
var_dump($server->start());
var_dump($server->send(1, 'x'));
PHP);
var_dump($server->waitOutput('done'));
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
bool(true)
int(0)

Warning: Swoole\Server::shutdown(): server is not running in %s on line 3

Warning: Swoole\Server::send(): server is not running in %s on line 3

Warning: Swoole\Server::stats(): server is not running in %s on line 3

Warning: Swoole\Server::task(): server is not running in %s on line 3
bool(false)
bool(false)
array(0) {
}
bool(false)

Warning: Swoole\Server::set(): server is running, unable to execute Swoole\Server->set in %s on line 6
bool(false)

Warning: Swoole\Server::on(): server is running, unable to register event callback function in %s on line 7
bool(false)

Warning: Swoole\Server::addCommand(): server is running, can't add command in %s on line 8
bool(false)

Warning: Swoole\Server::start(): server is running, unable to execute Swoole\Server->start() in %s on line 9
bool(false)
int(1)
done
bool(true)

Warning: Swoole\Server::start(): server have been shutdown, unable to execute Swoole\Server->start() in %s on line 15
bool(false)

Warning: Swoole\Server::send(): server is not running in %s on line 16
bool(false)
