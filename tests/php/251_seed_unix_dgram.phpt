--TEST--
send() to a unix datagram peer: the seed's onPacket fragment, unchanged, answers each datagram through the SWOOLE_SOCK_UNIX_DGRAM port it came to ($clientInfo's address is the peer's path); the socket file goes with the server
--INI--
extension=sockets
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$path = sys_get_temp_dir() . '/swkit-phpt-udg-' . getmypid() . '.sock';
$server = SwkitServer::start(<<<PHP
<?php
\$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
\$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
\$server->on('receive', function (Swoole\Server \$s, int \$fd, int \$reactorId, string \$data) {
    \$s->send(\$fd, "tcp\\n");
});
var_dump(\$server->addListener('$path', 0, SWOOLE_SOCK_UNIX_DGRAM)->type);
// The seed's fragment, unchanged:
\$server->on("packet", function (Swoole\Server \$server, \$data, \$addr){
    \$server->send(\$addr['address'], 'SUCCESS', \$addr['server_socket']);
});
\$server->start();
PHP);
var_dump($server->waitListening());
$me = sys_get_temp_dir() . '/swkit-phpt-udg-client-' . getmypid() . '.sock';
@unlink($me);
$client = socket_create(AF_UNIX, SOCK_DGRAM, 0);
var_dump(socket_bind($client, $me));
socket_set_option($client, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 5, 'usec' => 0]);
$answers = 0;
for ($i = 0; $i < 10; $i++) {
    socket_sendto($client, "hello $i", 7, 0, $path);
    $n = socket_recvfrom($client, $buf, 100, 0, $from);
    $answers += ($n === 7 && $buf === 'SUCCESS' && $from === $path) ? 1 : 0;
}
echo "answered: $answers\n";
socket_close($client);
unlink($me);
$c = swkit_connect($server->port);
fwrite($c, 'x');
echo swkit_read_until($c, "\n");
var_dump($server->stop());
var_dump(file_exists($path));
echo $server->output();
?>
--EXPECT--
bool(true)
bool(true)
answered: 10
tcp
int(0)
bool(false)
int(6)
