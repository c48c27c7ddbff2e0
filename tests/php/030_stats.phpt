--TEST--
stats(): the seed's fields with live counts; getWorkerId/getWorkerPid/getWorkerStatus/getMasterPid/getManagerPid
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__);
$server->set(['worker_num' => 2, 'task_worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('start', function (Swoole\Server $s) {
    echo "start: master_pid ok=", var_export($s->master_pid === getmypid() && $s->getMasterPid() === getmypid(), true),
         " manager_pid ok=", var_export($s->manager_pid > 0 && $s->manager_pid === $s->getManagerPid(), true),
         " worker_id=", var_export($s->getWorkerId(), true), "\n";
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $st = $s->stats();
    $s->send($fd, json_encode([
        'stats' => $st,
        'worker_id' => $s->getWorkerId(),
        'worker_id_prop' => $s->worker_id,
        'pid' => $s->getWorkerPid() === getmypid() && $s->worker_pid === getmypid(),
        'status' => $s->getWorkerStatus(),
        'other_status' => $s->getWorkerStatus(1 - $s->getWorkerId()),
        'task_pid' => $s->getWorkerPid(2) > 0,
        'bad_worker' => $s->getWorkerPid(99),
        'master' => $s->getMasterPid() === $s->master_pid,
        'setting' => [$s->setting['worker_num'], $s->setting['task_worker_num']],
    ]) . "\n");
});
$server->on('task', function () {});
$server->on('finish', function () {});
$server->start();
PHP);
var_dump($server->waitListening());
$a = swkit_connect($server->port);
$b = swkit_connect($server->port);
fwrite($b, "hello\n");
swkit_read_until($b, "\n");
fwrite($a, "stats\n");
$r = json_decode(swkit_read_until($a, "\n"), true);
$st = $r['stats'];
$seed = ['start_time', 'connection_num', 'abort_count', 'accept_count', 'close_count', 'worker_num',
    'task_worker_num', 'user_worker_num', 'idle_worker_num', 'dispatch_count', 'request_count',
    'response_count', 'total_recv_bytes', 'total_send_bytes', 'pipe_packet_msg_id', 'session_round',
    'min_fd', 'max_fd', 'worker_request_count', 'worker_response_count', 'worker_dispatch_count',
    'task_idle_worker_num', 'tasking_num', 'coroutine_num', 'coroutine_peek_num', 'task_queue_num',
    'task_queue_bytes'];
var_dump(array_diff($seed, array_keys($st)));
var_dump(abs($st['start_time'] - time()) < 60);
var_dump($st['connection_num'], $st['accept_count'], $st['close_count'], $st['worker_num'],
         $st['task_worker_num'], $st['user_worker_num'], $st['session_round']);
var_dump($st['request_count'] >= 1, $st['total_recv_bytes'] >= 12, $st['dispatch_count'] >= 2);
var_dump($st['worker_request_count'] >= 0);
unset($r['stats']);
var_dump(in_array($r['worker_id'], [0, 1], true), $r['worker_id'] === $r['worker_id_prop']);
unset($r['worker_id'], $r['worker_id_prop']);
var_dump($r);
fclose($a);
fclose($b);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
array(0) {
}
bool(true)
int(2)
int(2)
int(0)
int(2)
int(1)
int(0)
int(2)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(7) {
  ["pid"]=>
  bool(true)
  ["status"]=>
  int(1)
  ["other_status"]=>
  int(2)
  ["task_pid"]=>
  bool(true)
  ["bad_worker"]=>
  bool(false)
  ["master"]=>
  bool(true)
  ["setting"]=>
  array(2) {
    [0]=>
    int(2)
    [1]=>
    int(1)
  }
}
int(0)
start: master_pid ok=true manager_pid ok=true worker_id=false
