--TEST--
seed example of bind() with a negative UID: the fragment, unchanged, binds -10 (stored as the 32-bit unsigned 4294967286), reads it back through connection_info() and turns it into a signed 32-bit int again; run in onReceive of a dispatch_mode 5 server, whose later packets of that connection go to worker 4294967286 % 4 = 2
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 4, 'dispatch_mode' => 5, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    if ($data === 'handshake') {
        // The seed's fragment, unchanged:
  $uid = -10;
  $server->bind($fd, $uid);
  $bindUid = $server->connection_info($fd)['uid'];
  $bindUid = $bindUid >> 31 ? (~($bindUid - 1) & 0xFFFFFFFF) * -1 : $bindUid;
  var_dump($bindUid === $uid);
        $server->send($fd, "bound\n");
    } else {
        $server->send($fd, "worker {$server->worker_id}, uid {$server->getClientInfo($fd)['uid']}\n");
    }
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'handshake');
echo swkit_read_until($c, "\n");
for ($i = 0; $i < 3; $i++) {
    fwrite($c, 'which');
    echo swkit_read_until($c, "\n");
}
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
bound
worker 2, uid 4294967286
worker 2, uid 4294967286
worker 2, uid 4294967286
int(0)
bool(true)
