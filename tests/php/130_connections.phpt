--TEST--
$server->connections: foreach over every connected fd (more than one page of 100), count(), isset() and [] (getClientInfo), broadcast
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    if (trim($data) === 'count') {
        $s->send($fd, count($s->connections) . "\n");
        return;
    }
    $fds = [];
    foreach ($s->connections as $i => $conn) {
        $fds[$i] = $conn;
    }
    $sent = 0;
    foreach ($s->connections as $conn) {
        $sent += $s->send($conn, "bcast\n") ? 1 : 0;
    }
    $s->send($fd, json_encode([
        'count' => count($s->connections),
        'fds' => $fds === range(1, count($fds)) ? 'keys and fds in order' : $fds,
        'n' => count($fds),
        'sent' => $sent,
        'isset' => [isset($s->connections[$fd]), isset($s->connections[100000])],
        'info' => $s->connections[$fd]['remote_ip'],
    ]) . "\n");
});
$server->start();
PHP);
var_dump($server->waitListening());
$clients = [];
for ($i = 0; $i < 150; $i++) {
    $clients[] = swkit_connect($server->port);
}
// Wait until the master has accepted every connection (connect() returns before that).
$deadline = microtime(true) + 10;
do {
    fwrite($clients[0], "count\n");
    $n = (int) swkit_read_until($clients[0], "\n");
} while ($n < 150 && microtime(true) < $deadline && usleep(10000) === null);
var_dump($n);
fwrite($clients[0], "list\n");
echo swkit_read_until($clients[0], "}\n");
$got = 0;
foreach ($clients as $i => $c) {
    if ($i > 0 && swkit_read_until($c, "\n") === "bcast\n") {
        $got++;
    }
}
echo "$got clients got the broadcast\n";
foreach ($clients as $c) {
    fclose($c);
}
var_dump($server->stop());
?>
--EXPECT--
bool(true)
int(150)
bcast
{"count":150,"fds":"keys and fds in order","n":150,"sent":150,"isset":[true,false],"info":"127.0.0.1"}
149 clients got the broadcast
int(0)
