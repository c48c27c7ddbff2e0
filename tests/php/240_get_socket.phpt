--TEST--
getSocket(): a \Socket (ext-sockets) on the listening socket of the server's port (bound at once, as Swoole's constructor does) and of an added port; the seed's socket_set_option fragment; options set on it apply to the server's listener, which serves on it; false with a warning in a PROCESS worker (no listener there) and without ext-sockets
--INI--
extension=sockets
--FILE--
<?php
require __DIR__ . '/include/server.inc';

$server = new Swoole\Server('127.0.0.1', 0, SWOOLE_BASE);
$socket = $server->getSocket();
var_dump($socket instanceof Socket);
// The seed's fragment, unchanged:
if (!socket_set_option($socket, SOL_SOCKET, SO_REUSEADDR, 1)) {
    echo '無法在socket上設置選項: '. socket_strerror(socket_last_error()) . PHP_EOL;
}
var_dump(socket_get_option($socket, SOL_SOCKET, SO_REUSEADDR));
socket_getsockname($socket, $addr, $port);
echo "bound: $addr, port resolved: ", var_export($port > 0 && $port === $server->port, true),
    ", ports[0]: ", var_export($server->ports[0]->port === $port, true), "\n";
$udp = $server->listen('127.0.0.1', 0, SWOOLE_SOCK_UDP);
$us = $udp->getSocket();
socket_getsockname($us, $uaddr, $uport);
echo "udp port: ", var_export($uport === $udp->port, true), ", dgram: ",
    var_export(socket_get_option($us, SOL_SOCKET, SO_TYPE) === SOCK_DGRAM, true), "\n";
// Freeing a \Socket leaves the listener open (it holds a duplicate).
unset($socket, $us);
socket_getsockname($server->getSocket(), $a2, $p2);
echo "still bound: ", var_export($p2 === $port, true), "\n";
unset($server, $udp);

// A server that set an option through getSocket() before start() serves on that listener; its
// BASE worker has the listener too, with the option set.
$srv = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1]);
socket_set_option($server->getSocket(), SOL_SOCKET, SO_KEEPALIVE, 1);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $listener = socket_get_option($s->getSocket(), SOL_SOCKET, SO_KEEPALIVE);
    $s->send($fd, trim($data) . " listener-keepalive=$listener\n");
});
$server->start();
PHP, null, ['-d', 'extension=sockets']);
var_dump($srv->waitListening());
$c = swkit_connect($srv->port);
fwrite($c, "hello\n");
echo swkit_read_until($c, "\n");
var_dump($srv->stop());

// A PROCESS-mode worker does not hold the listener: false and a warning.
$srv = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $s->send($fd, var_export($s->getSocket(), true) . "\n");
});
$server->start();
PHP, null, ['-d', 'extension=sockets']);
var_dump($srv->waitListening());
$c = swkit_connect($srv->port);
fwrite($c, "x");
echo "worker: ", swkit_read_until($c, "\n");
var_dump($srv->waitOutput('no listening socket for 127.0.0.1:' . $srv->port . ' in this process'));
var_dump($srv->stop());

// Without ext-sockets.
$p = proc_open(swkit_php(['-r', 'var_dump((new Swoole\Server("127.0.0.1", 0))->getSocket());']),
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
echo trim(stream_get_contents($pipes[1])), "\n";
proc_close($p);
?>
--EXPECTF--
bool(true)
int(1)
bound: 127.0.0.1, port resolved: true, ports[0]: true
udp port: true, dgram: true
still bound: true
bool(true)
hello listener-keepalive=1
int(0)
bool(true)
worker: false
bool(true)
int(0)
Warning: Swoole\Server::getSocket(): getSocket() needs PHP's sockets extension (extension=sockets) in Command line code on line 1
bool(false)
