--TEST--
addListener()/listen() and Swoole\Server\Port: a port binds at once, frames with its own set() and runs its own callbacks (any callable), a port with neither uses the server's; bad input is a warning naming it; $server->ports lists them, the primary one first
--FILE--
<?php
require __DIR__ . '/include/server.inc';

// Bad input, before any server runs.
$s = new Swoole\Server('127.0.0.1', 0);
$s->set(['log_level' => SWOOLE_LOG_NONE]);
$p = $s->addListener('127.0.0.1', 0, SWOOLE_SOCK_TCP);
var_dump($p instanceof Swoole\Server\Port, $p->port > 0, $p->host, $p->type, $p->sock >= 0);
var_dump($s->addListener('127.0.0.1', $p->port, SWOOLE_SOCK_TCP));
var_dump($s->listen('127.0.0.1', 0, SWOOLE_SOCK_TCP | SWOOLE_SSL));
$p->set(['worker_num' => 4]);
$p->set(['package_max_length' => 0]);
var_dump($p->setting);
var_dump($p->on('task', fn () => null), $p->on('request', fn () => null));
var_dump($p->on('Receive', 'strlen'), $p->getCallback('receive'), $p->getCallback('connect'));
var_dump(count($s->ports), $s->ports[1] === $p, $s->ports[0]->port);
try {
    new Swoole\Server\Port();
} catch (Error $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
unset($s, $p);

$server = SwkitServer::start(<<<'PHP'
<?php
class Closer {
    public function onClose(Swoole\Server $s, int $fd, int $reactorId): void { echo "framed close $fd\n"; }
}
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 2, 'open_eof_check' => true, 'package_eof' => "\n",
              'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $info = $s->getClientInfo($fd);
    $s->send($fd, "server port={$info['server_port']} type={$info['socket_type']} " . trim($data) . "\n");
});
$framed = $server->addListener('127.0.0.1', 0, SWOOLE_SOCK_TCP);
$framed->set(['open_length_check' => true, 'package_length_type' => 'N', 'package_length_offset' => 0,
              'package_body_offset' => 4, 'package_max_length' => 1024]);
$framed->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $body = "framed " . substr($data, 4);
    $s->send($fd, pack('N', strlen($body)) . $body);
});
$framed->on('connect', function (Swoole\Server $s, int $fd) { echo "framed connect $fd\n"; });
$framed->on('close', [new Closer, 'onClose']);
$inherit = $server->listen('::1', 0, SWOOLE_SOCK_TCP6);
$server->on('start', function (Swoole\Server $s) {
    echo "ports ", count($s->ports), " ", $s->ports[0]->port, " ", $s->ports[1]->port, " ", $s->ports[2]->port, "\n";
});
$server->start();
PHP);
var_dump($server->waitOutput('ports '));
preg_match('/^ports (\d+) (\d+) (\d+) (\d+)$/m', $server->output(), $m);
[, $count, $main, $framed, $inherit] = array_map('intval', $m);
var_dump($count, $main === $server->port);

// The framed port: two packets in one write, and one split over two writes.
$a = stream_socket_client("tcp://127.0.0.1:$framed", $errno, $errstr, 5.0);
stream_set_timeout($a, 5);
$frame = fn (string $s) => pack('N', strlen($s)) . $s;
$read_frame = function ($c) {
    $n = unpack('N', swkit_read($c, 4))[1] ?? 0;
    return swkit_read($c, $n);
};
$bytes = $frame('one') . $frame('two') . $frame('three');
fwrite($a, substr($bytes, 0, -2));
echo $read_frame($a), "\n", $read_frame($a), "\n";
fwrite($a, substr($bytes, -2));
echo $read_frame($a), "\n";
var_dump($server->waitOutput('framed connect '));

// The port with neither set() nor on(): the server's EOF framing and callback.
$b = stream_socket_client("tcp://[::1]:$inherit", $errno, $errstr, 5.0);
stream_set_timeout($b, 5);
fwrite($b, "via inherit\n");
echo str_replace((string) $inherit, 'INHERIT', trim(swkit_read_until($b, "\n"))), "\n";
$c = swkit_connect($server->port);
fwrite($c, "via main\n");
echo str_replace((string) $server->port, 'MAIN', trim(swkit_read_until($c, "\n"))), "\n";

// Over the framed port's own package_max_length (1024; the server's is 2 MiB): only that
// connection goes, through the port's close callback.
fwrite($a, pack('N', 5000));
var_dump(swkit_read_all($a) === '');
var_dump($server->waitOutput('framed close '));
fwrite($b, "still\n");
echo str_replace((string) $inherit, 'INHERIT', trim(swkit_read_until($b, "\n"))), "\n";
var_dump($server->stop());
?>
--EXPECTF--
bool(true)
bool(true)
string(9) "127.0.0.1"
int(1)
bool(true)

Warning: Swoole\Server::addListener(): failed to listen server port[127.0.0.1:%d], Error: Address already in use[98] in %s on line %d
bool(false)

Warning: Swoole\Server::listen(): failed to listen server port[127.0.0.1:0], Error: Protocol not supported[93] in %s on line %d
bool(false)

Warning: Swoole\Server\Port::set(): 'worker_num' is not a port setting (set it on the server); a port takes: open_eof_check, open_eof_split, open_length_check, open_tcp_nodelay, package_body_offset, package_eof, package_length_offset, package_length_type, package_max_length in %s on line %d

Warning: Swoole\Server\Port::set(): 'package_max_length' must be an integer in [1, 1073741824], got 0 in %s on line %d
NULL

Warning: Swoole\Server\Port::on(): unknown event types[task] in %s on line %d

Warning: Swoole\Server\Port::on(): event 'request' is not supported by swkit yet in %s on line %d
bool(false)
bool(false)
bool(true)
string(6) "strlen"
NULL
int(2)
bool(true)
int(0)
Error: Call to private Swoole\Server\Port::__construct() from global scope
bool(true)
int(3)
bool(true)
framed one
framed two
framed three
bool(true)
server port=INHERIT type=3 via inherit
server port=MAIN type=1 via main
bool(true)
bool(true)
server port=INHERIT type=3 still
int(0)
