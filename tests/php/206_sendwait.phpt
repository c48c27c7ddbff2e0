--TEST--
sendwait(): in SWOOLE_BASE mode 4 MiB (twice buffer_output_size, which send() refuses) leave before it returns; in SWOOLE_PROCESS mode a warning and false
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$code = <<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, __MODE__);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $big = str_repeat('x', 4 << 20);
    echo "send: ", var_export(@$s->send($fd, $big), true), "\n";
    $ok = $s->sendwait($fd, $big);
    echo "sendwait: ", var_export($ok, true), "\n";
    $s->send($fd, "done\n");
});
$server->start();
PHP;
$server = SwkitServer::start(str_replace('__MODE__', 'SWOOLE_BASE', $code));
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "go\n");
$got = swkit_read($c, 4 << 20);
var_dump(strlen($got) === 4 << 20 && trim($got, 'x') === '');
var_dump(swkit_read_until($c, "\n"));
var_dump($server->stop());
echo $server->output();

$server = SwkitServer::start(str_replace('__MODE__', 'SWOOLE_PROCESS', $code));
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "go\n");
var_dump(swkit_read_until($c, "\n"));
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
bool(true)
bool(true)
string(5) "done
"
int(0)
send: false
sendwait: true
bool(true)
string(5) "done
"
int(0)
send: false

Warning: Swoole\Server::sendwait(): can't sendwait in SWOOLE_PROCESS mode in %s on line %d
sendwait: false
