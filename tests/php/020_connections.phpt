--TEST--
onConnect/onClose arguments, getClientInfo, exist, getClientList, close() from the server
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__);
$server->set(['worker_num' => 1, 'reactor_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('connect', function (Swoole\Server $s, int $fd, int $reactorId) {
    echo "connect fd=$fd reactor=$reactorId exist=", var_export($s->exist($fd), true), "\n";
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $cmd = trim($data);
    if ($cmd === 'info') {
        $info = $s->getClientInfo($fd);
        $s->send($fd, json_encode([
            'keys' => array_keys($info),
            'remote_ip' => $info['remote_ip'],
            'server_port' => $info['server_port'] === $s->port,
            'connect_time' => abs($info['connect_time'] - time()) < 60,
        ]) . "\n");
    } elseif ($cmd === 'list') {
        $s->send($fd, json_encode([$s->getClientList(), $s->getClientList($fd), $s->getClientList(0, 1),
                                   $s->getClientInfo(9999), $s->getLastError(), $s->exist(9999)]) . "\n");
    } elseif ($cmd === 'bye') {
        $s->send($fd, "bye\n");
        var_dump($s->close($fd));
    }
});
$server->on('close', function (Swoole\Server $s, int $fd, int $reactorId) {
    echo "close fd=$fd\n";
});
$server->start();
PHP);
var_dump($server->waitListening());
$a = swkit_connect($server->port);
$b = swkit_connect($server->port);
var_dump($server->waitOutput(['connect fd=1', 'connect fd=2']));
fwrite($a, "info\n");
var_dump(json_decode(swkit_read_until($a, "\n"), true));
fwrite($b, "list\n");
echo swkit_read_until($b, "\n");
fwrite($a, "bye\n");
echo swkit_read_all($a);   // the server closes: EOF after "bye"
var_dump(feof($a));
var_dump($server->waitOutput('close fd=1'));
fclose($b);
var_dump($server->waitOutput('close fd=2'));
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
bool(true)
array(4) {
  ["keys"]=>
  array(15) {
    [0]=>
    string(11) "server_port"
    [1]=>
    string(9) "server_fd"
    [2]=>
    string(9) "socket_fd"
    [3]=>
    string(11) "socket_type"
    [4]=>
    string(11) "remote_port"
    [5]=>
    string(9) "remote_ip"
    [6]=>
    string(10) "reactor_id"
    [7]=>
    string(12) "connect_time"
    [8]=>
    string(9) "last_time"
    [9]=>
    string(14) "last_recv_time"
    [10]=>
    string(14) "last_send_time"
    [11]=>
    string(18) "last_dispatch_time"
    [12]=>
    string(11) "close_errno"
    [13]=>
    string(17) "recv_queued_bytes"
    [14]=>
    string(17) "send_queued_bytes"
  }
  ["remote_ip"]=>
  string(9) "127.0.0.1"
  ["server_port"]=>
  bool(true)
  ["connect_time"]=>
  bool(true)
}
[[1,2],[],[1],false,1005,false]
bye
bool(true)
bool(true)
bool(true)
int(0)
connect fd=1 reactor=0 exist=true
connect fd=2 reactor=0 exist=true
bool(true)
close fd=1
close fd=2
