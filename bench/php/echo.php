<?php
// The PHP echo server of bench/php.sh: the same thing examples/echo_server does in C++.
//   php -n -d extension=swkit.so bench/php/echo.php PORT base|process
if ($argc !== 3 || !in_array($argv[2], ['base', 'process'], true)) {
    fwrite(STDERR, "usage: echo.php PORT base|process\n");
    exit(2);
}
$server = new Swoole\Server('127.0.0.1', (int) $argv[1], $argv[2] === 'base' ? SWOOLE_BASE : SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'reactor_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactor_id, string $data) {
    $server->send($fd, $data);
});
$server->start();
