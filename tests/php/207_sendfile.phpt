--TEST--
sendfile(): a whole file and a range of it reach the client in order with what is sent after it; a missing file is false
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$file = tempnam(sys_get_temp_dir(), 'swkit-sendfile-');
$content = '';
for ($i = 0; $i < 3 << 20; $i += 10) {
    $content .= sprintf('%09d|', $i);
}
file_put_contents($file, $content);
$server = SwkitServer::start(<<<PHP
<?php
\$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
\$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
\$server->on('receive', function (Swoole\Server \$s, int \$fd, int \$reactorId, string \$data) {
    if (trim(\$data) === 'missing') {
        \$s->send(\$fd, var_export(@\$s->sendfile(\$fd, '/no/such/file'), true) . "\\n");
        return;
    }
    \$s->sendfile(\$fd, '$file');
    \$s->sendfile(\$fd, '$file', 20, 10);
    \$s->send(\$fd, "end\\n");
});
\$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "go\n");
var_dump(swkit_read($c, strlen($content)) === $content);
var_dump(swkit_read($c, 10));
var_dump(swkit_read_until($c, "\n"));
fwrite($c, "missing\n");
var_dump(swkit_read_until($c, "\n"));
var_dump($server->stop());
unlink($file);
?>
--EXPECT--
bool(true)
bool(true)
string(10) "000000020|"
string(4) "end
"
string(6) "false
"
int(0)
