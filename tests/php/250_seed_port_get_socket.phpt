--TEST--
seed example of getSocket() on a port: the fragment, unchanged but for its port (9502 becomes a free one), adds a TCP port with listen() and takes its \Socket (ext-sockets), which is that port's listener; the port serves clients
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$port = swkit_free_port();
do {
    $port2 = swkit_free_port();
} while ($port2 === $port);
$server = SwkitServer::start(str_replace('__PORT2__', (string) $port2, <<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
// The seed's fragment, unchanged but for the port:
    $port = $server->listen('127.0.0.1', __PORT2__, SWOOLE_SOCK_TCP);
    $socket = $port->getSocket();
socket_getsockname($socket, $addr, $p);
// SO_ACCEPTCONN is 30 on Linux (ext-sockets has no constant for it).
echo get_class($socket), " bound to $addr:", $p === $port->port ? 'the port' : $p,
    ", stream: ", var_export(socket_get_option($socket, SOL_SOCKET, SO_TYPE) === SOCK_STREAM, true),
    ", listening: ", var_export(socket_get_option($socket, SOL_SOCKET, 30) === 1, true), "\n";
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $s->send($fd, "$data via port {$s->getClientInfo($fd)['server_port']}\n");
});
$server->start();
PHP), $port, ['-d', 'extension=sockets']);
var_dump($server->waitListening());
var_dump($server->waitOutput("\n"));
foreach ([$port, $port2] as $i => $p) {
    $c = swkit_connect($p);
    fwrite($c, "hello $i");
    echo str_replace([" $port\n", " $port2\n"], [" 1st\n", " 2nd\n"], swkit_read_until($c, "\n"));
    fclose($c);
}
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
bool(true)
hello 0 via port 1st
hello 1 via port 2nd
int(0)
Socket bound to 127.0.0.1:the port, stream: true, listening: true
