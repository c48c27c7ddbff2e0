--TEST--
seed example of heartbeat(): the fragment, unchanged, closes the connections idle for heartbeat_idle_time (1 s) and returns their fds; run in onReceive, the idle client is closed, the asking one stays
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
// The passive check is far away (60 s): only the fragment's heartbeat() closes here.
$server->set(['worker_num' => 1, 'heartbeat_idle_time' => 1, 'heartbeat_check_interval' => 60,
              'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    if ($data === 'heartbeat') {
        // The seed's fragment, unchanged:
$closeFdArrary = $server->heartbeat();
        $server->send($fd, json_encode($closeFdArrary) . "\n");
    } else {
        $server->send($fd, "fd $fd\n");
    }
});
$server->on('close', function (Swoole\Server $server, int $fd) { echo "close $fd\n"; });
$server->start();
PHP);
var_dump($server->waitListening());
$idle = swkit_connect($server->port);
$t0 = microtime(true);  // before the idle client's last data
fwrite($idle, 'hello');
$idle_fd = (int) substr(trim(swkit_read_until($idle, "\n")), 3);
$asking = swkit_connect($server->port);
fwrite($asking, 'hello');
$asking_fd = (int) substr(trim(swkit_read_until($asking, "\n")), 3);
// Every 100 ms (bounded: 10 s) until heartbeat() closes something: the asking client has just
// sent each time, so only the idle one can be past 1 s.
$deadline = microtime(true) + 10.0;
do {
    usleep(100000);
    fwrite($asking, 'heartbeat');
    $closed = json_decode(trim(swkit_read_until($asking, "\n")));
} while ($closed === [] && microtime(true) < $deadline);
echo "closed the idle one: ", var_export($closed === [$idle_fd], true), "\n";
echo "not before 1 s: ", var_export(microtime(true) - $t0 >= 1.0, true), "\n";
echo "idle sees EOF: ", var_export(swkit_read_all($idle) === '' && feof($idle), true), "\n";
var_dump($server->waitOutput("close $idle_fd\n"));
fwrite($asking, 'hello');
echo "asking still served: ", var_export(trim(swkit_read_until($asking, "\n")) === "fd $asking_fd", true), "\n";
var_dump($server->stop());
?>
--EXPECT--
bool(true)
closed the idle one: true
not before 1 s: true
idle sees EOF: true
bool(true)
asking still served: true
int(0)
