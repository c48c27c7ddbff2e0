--TEST--
Swoole\Client (blocking): TCP connect/send/recv against a swkit server, EOF and length framing, timeouts, refused connections, server close, UDP
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    if ($data === 'quiet') {
        echo "got quiet\n";
        return;
    }
    if ($data === 'bye') {
        $s->close($fd);
        return;
    }
    $s->send($fd, $data);
});
$server->start();
PHP);
var_dump($server->waitListening());

$c = new Swoole\Client(SWOOLE_SOCK_TCP);
var_dump($c->isConnected(), $c->connect('127.0.0.1', $server->port, 2.0), $c->isConnected());
var_dump($c->getpeername() === ['port' => $server->port, 'host' => '127.0.0.1'], $c->getsockname()['host']);
var_dump($c->send('hello'), $c->recv());
$big = str_repeat('x', 300000);
var_dump($c->send($big), strlen($c->recv(300000, Swoole\Client::MSG_WAITALL)));

// EOF framing: two packets in one write come back one per recv().
$e = new Swoole\Client(SWOOLE_SOCK_TCP);
var_dump($e->set(['open_eof_check' => true, 'package_eof' => "\r\n"]), $e->setting);
$e->connect('127.0.0.1', $server->port, 2.0);
$e->send("one\r\ntwo\r\n");
var_dump($e->recv(), $e->recv());

// Length framing ('N' length at offset 0, body after 4 bytes).
$l = new Swoole\Client(SWOOLE_SOCK_TCP);
$l->set(['open_length_check' => true, 'package_length_type' => 'N', 'package_length_offset' => 0,
         'package_body_offset' => 4, 'package_max_length' => 1 << 20]);
$l->connect('127.0.0.1', $server->port, 2.0);
$p1 = pack('N', 3) . 'abc';
$p2 = pack('N', 200000) . str_repeat('z', 200000);
$l->send($p1 . $p2);
var_dump($l->recv() === $p1, $l->recv() === $p2);

// A timeout, then the server closing the connection.
$t = new Swoole\Client(SWOOLE_SOCK_TCP);
$t->set(['timeout' => 0.2]);
$t->connect('127.0.0.1', $server->port);
$t->send('quiet');
var_dump($t->recv(), $t->errCode === 110);
// 'quiet' read on its own (not as one read with 'bye'); the close within a generous timeout.
var_dump($server->waitOutput('got quiet'));
$t->set(['timeout' => 5.0]);
$t->send('bye');
var_dump($t->recv(), $t->isConnected());

// Refused.
$r = new Swoole\Client(SWOOLE_SOCK_TCP);
var_dump($r->connect('127.0.0.1', swkit_free_port(), 1.0), $r->errCode);

// UDP against a PHP datagram socket.
$udp = stream_socket_server('udp://127.0.0.1:0', $errno, $errstr, STREAM_SERVER_BIND);
$port = (int) substr(strrchr(stream_socket_get_name($udp, false), ':'), 1);
$u = new Swoole\Client(SWOOLE_SOCK_UDP);
var_dump($u->connect('127.0.0.1', $port, 1.0), $u->send('ping'));
$msg = stream_socket_recvfrom($udp, 100, 0, $peer);
stream_socket_sendto($udp, "pong:$msg", 0, $peer);
var_dump($u->recv());

foreach ([$c, $e, $l] as $client) {
    $client->close();
}
var_dump($server->stop());
?>
--EXPECTF--
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
string(9) "127.0.0.1"
int(5)
string(5) "hello"
int(300000)
int(300000)
bool(true)
array(2) {
  ["open_eof_check"]=>
  bool(true)
  ["package_eof"]=>
  string(2) "
"
}
string(5) "one
"
string(5) "two
"
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
string(0) ""
bool(false)

Warning: Swoole\Client::connect(): connect to server[127.0.0.1:%d] failed. Error: Connection refused[111] in %s on line %d
bool(false)
int(111)
bool(true)
int(4)
string(9) "pong:ping"
int(0)
