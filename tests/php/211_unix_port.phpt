--TEST--
A SWOOLE_SOCK_UNIX_STREAM port (addListener with a path): served like TCP, getClientInfo says socket_type 5 and no address, the file is removed at shutdown; also as the server's own socket
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$path = sys_get_temp_dir() . '/swkit-211-' . getmypid() . '.sock';
$server = SwkitServer::start(<<<PHP
<?php
\$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
\$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
\$port = \$server->addListener('$path', 0, SWOOLE_SOCK_UNIX_STREAM);
\$server->on('receive', function (Swoole\Server \$s, int \$fd, int \$reactorId, string \$data) {
    \$i = \$s->getClientInfo(\$fd);
    \$s->send(\$fd, "type={\$i['socket_type']} ip='{\$i['remote_ip']}' port={\$i['server_port']} " . trim(\$data) . "\\n");
});
\$server->start();
PHP);
var_dump($server->waitListening());
$c = stream_socket_client("unix://$path", $errno, $errstr, 5);
stream_set_timeout($c, 5);
fwrite($c, "hello\n");
var_dump(swkit_read_until($c, "\n"));
fclose($c);
var_dump($server->stop());
var_dump(file_exists($path));
?>
--EXPECT--
bool(true)
string(26) "type=5 ip='' port=0 hello
"
int(0)
bool(false)
