--TEST--
seed example of getClientList(): the fragment, unchanged, pages through every connection (10 a page, two workers) and sends each one "broadcast"; run in onReceive with 12 clients connected
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    if ($data === 'list') {
        // The seed's fragment, unchanged:
$start_fd = 0;
while (true) {
  $conn_list = $server->getClientList($start_fd, 10);
  if ($conn_list === false || count($conn_list) === 0) {
      echo "finish\n";
      break;
  }
  $start_fd = end($conn_list);
  var_dump($conn_list);
  foreach ($conn_list as $fd) {
      $server->send($fd, "broadcast");
  }
}
    } else {
        $server->send($fd, "fd $fd\n");
    }
});
$server->start();
PHP);
var_dump($server->waitListening());
// 12 clients, each known to the server (it answered with its fd) before the list is asked for.
$clients = [];
$fds = [];
for ($i = 0; $i < 12; $i++) {
    $clients[$i] = swkit_connect($server->port);
    fwrite($clients[$i], 'hello');
    $fds[$i] = (int) substr(trim(swkit_read_until($clients[$i], "\n")), 3);
}
fwrite($clients[5], 'list');
$got = [];
foreach ($clients as $i => $c) {
    $got[$i] = swkit_read($c, 9);
}
echo "each got one broadcast: ", var_export(array_unique($got) === ['broadcast'], true), "\n";
var_dump($server->waitOutput("finish\n"));
// The var_dumps: a page of 10, then a page of 2, ascending, together the 12 connections.
preg_match_all('/^array\((\d+)\) \{\n((?:  \[\d+\]=>\n  int\(\d+\)\n)*)\}$/m', $server->output(), $m);
echo "pages: ", implode(', ', $m[1]), "\n";
$listed = [];
foreach ($m[2] as $page) {
    preg_match_all('/int\((\d+)\)/', $page, $ints);
    $listed = array_merge($listed, array_map('intval', $ints[1]));
}
sort($fds);
echo "listed every fd once, ascending: ", var_export($listed === $fds, true), "\n";
// Nothing more than one broadcast each.
foreach ($clients as $c) {
    stream_set_timeout($c, 0, 200000);
}
$extra = '';
foreach ($clients as $c) {
    $extra .= (string) fread($c, 100);
}
echo "nothing more: ", var_export($extra, true), "\n";
var_dump($server->stop());
echo "one finish: ", substr_count($server->output(), "finish\n"), "\n";
?>
--EXPECT--
bool(true)
each got one broadcast: true
bool(true)
pages: 10, 2
listed every fd once, ascending: true
nothing more: ''
int(0)
one finish: 1
