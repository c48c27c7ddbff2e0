--TEST--
seed example of getClientInfo(): the block's two lines of code, unchanged, run in onReceive; the rest of the block is what they print, and the worker prints the same 15 fields in the same order (values of this connection)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    // The code of the seed's block, unchanged:
$fd_info = $server->getClientInfo($fd);
var_dump($fd_info);
    $server->send($fd, "done\n");
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
$before = time();
fwrite($c, 'hello');
echo swkit_read_until($c, "\n");
$local = stream_socket_get_name($c, false);
fclose($c);
var_dump($server->stop());
$out = $server->output();
$field = fn(string $k) => preg_match('/\["' . $k . '"\]=>\n  \w+\(([^)]*)\)/', $out, $m) ? $m[1] : null;
echo "server_port is the server's: ", var_export((int) $field('server_port') === $server->port, true), "\n";
echo "remote_port is the client's: ", var_export((int) $field('remote_port') === (int) substr($local, strrpos($local, ':') + 1), true), "\n";
echo "connect_time now: ", var_export(abs((int) $field('connect_time') - $before) <= 2, true), "\n";
echo "last_recv_time after connect_time: ", var_export((float) $field('last_recv_time') >= (int) $field('connect_time'), true), "\n";
echo $out;
?>
--EXPECTF--
bool(true)
done
int(0)
server_port is the server's: true
remote_port is the client's: true
connect_time now: true
last_recv_time after connect_time: true
array(15) {
  ["server_port"]=>
  int(%d)
  ["server_fd"]=>
  int(%d)
  ["socket_fd"]=>
  int(%d)
  ["socket_type"]=>
  int(1)
  ["remote_port"]=>
  int(%d)
  ["remote_ip"]=>
  string(9) "127.0.0.1"
  ["reactor_id"]=>
  int(%d)
  ["connect_time"]=>
  int(%d)
  ["last_time"]=>
  int(%d)
  ["last_recv_time"]=>
  float(%f)
  ["last_send_time"]=>
  float(0)
  ["last_dispatch_time"]=>
  float(%f)
  ["close_errno"]=>
  int(0)
  ["recv_queued_bytes"]=>
  int(%d)
  ["send_queued_bytes"]=>
  int(0)
}
