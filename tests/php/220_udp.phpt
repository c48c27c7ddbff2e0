--TEST--
UDP: a SWOOLE_SOCK_UDP server gets onPacket($server, $data, $clientInfo) and answers with sendto(); a UDP6 port added by listen() runs its own packet callback and answers from its own socket; sendto() without a UDP port or with a bad address is false
--FILE--
<?php
require __DIR__ . '/include/server.inc';

$s = new Swoole\Server('127.0.0.1', 0);
$s->set(['log_level' => SWOOLE_LOG_NONE]);
var_dump($s->sendto('127.0.0.1', 9, 'x'));  // no UDP port
$u = $s->addListener('127.0.0.1', 0, SWOOLE_SOCK_UDP);
var_dump($u->type === SWOOLE_SOCK_UDP, $u->port > 0);
var_dump($s->sendto('not-an-ip', 9, 'x'), $s->sendto('::1', 9, 'x'));
unset($s, $u);

$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS, SWOOLE_SOCK_UDP);
$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('Packet', function (Swoole\Server $server, string $data, array $clientInfo) {
    echo json_encode(array_keys($clientInfo)), "\n";
    $server->sendto($clientInfo['address'], $clientInfo['port'], "Server: {$data}");
});
$six = $server->listen('::1', 0, SWOOLE_SOCK_UDP6);
$six->on('packet', function (Swoole\Server $server, string $data, array $clientInfo) {
    $server->sendto($clientInfo['address'], $clientInfo['port'],
                    "six {$clientInfo['server_port']} {$data}", $clientInfo['server_socket']);
});
$server->on('start', function (Swoole\Server $s) { echo "started {$s->ports[1]->port}\n"; });
$server->start();
PHP);
var_dump($server->waitOutput('started '));
preg_match('/^started (\d+)$/m', $server->output(), $m);
$six_port = (int) $m[1];

$client = new Swoole\Client(SWOOLE_SOCK_UDP);
var_dump($client->connect('127.0.0.1', $server->port, 5));
var_dump($client->send('hello'));
var_dump($client->recv());
var_dump($server->waitOutput('["server_socket","dispatch_time","server_port","address","port"]'));

$c6 = new Swoole\Client(SWOOLE_SOCK_UDP6);
var_dump($c6->connect('::1', $six_port, 5));
$c6->send('ping');
echo str_replace((string) $six_port, 'SIX', $c6->recv()), "\n";
var_dump($server->stop());
?>
--EXPECT--
bool(false)
bool(true)
bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
int(5)
string(13) "Server: hello"
bool(true)
bool(true)
six SIX ping
int(0)
