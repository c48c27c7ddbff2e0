--TEST--
seed example of sendto(): a datagram to an IPv4 and to an IPv6 host (unchanged but for the two addresses, mapped onto loopback receivers), run in onWorkerStart of a server with a UDP and a UDP6 port
--FILE--
<?php
require __DIR__ . '/include/server.inc';
// The two receivers stand for 220.181.57.216:9502 and [2600:3c00::f03c:91ff:fe73:e98f]:9501.
$r4 = stream_socket_server('udp://127.0.0.1:0', $errno, $errstr, STREAM_SERVER_BIND);
$r6 = stream_socket_server('udp://[::1]:0', $errno, $errstr, STREAM_SERVER_BIND);
$p4 = (int) substr(strrchr(stream_socket_get_name($r4, false), ':'), 1);
$p6 = (int) substr(strrchr(stream_socket_get_name($r6, false), ':'), 1);
$code = file_get_contents(__DIR__ . '/seed/sendto_example.php');
$mapped = str_replace(["'220.181.57.216', 9502", "'2600:3c00::f03c:91ff:fe73:e98f', 9501"],
                      ["'127.0.0.1', $p4", "'::1', $p6"], $code);
var_dump($mapped !== $code && substr_count($mapped, 'sendto') === 2);
$fragment = tempnam(sys_get_temp_dir(), 'swkit-seed-sendto-');
file_put_contents($fragment, $mapped);

$server = SwkitServer::start(<<<PHP
<?php
\$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
\$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
\$server->on('receive', function () {});
\$server->on('packet', function () {});
\$server->addListener('127.0.0.1', 0, SWOOLE_SOCK_UDP);
\$server->addListener('::1', 0, SWOOLE_SOCK_UDP6);
\$server->on('workerStart', function (Swoole\Server \$server, int \$workerId) {
    include '$fragment';
    echo "sent\\n";
});
\$server->start();
PHP);
var_dump($server->waitOutput('sent'));
foreach ([$r4, $r6] as $r) {
    $read = [$r];
    $none = [];
    var_dump(stream_select($read, $none, $none, 5) === 1 ? stream_socket_recvfrom($r, 100) : 'nothing within 5 s');
}
var_dump($server->stop());
unlink($fragment);
?>
--EXPECT--
bool(true)
bool(true)
string(11) "hello world"
string(11) "hello world"
int(0)
