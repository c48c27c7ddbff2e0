--TEST--
task() with onTask/onFinish and a per-task callback, finish(), taskwait() (result, timeout), taskWaitMulti(), PHP values serialized
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'task_worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    switch (trim($data)) {
        case 'async':
            $id = $s->task(['fd' => $fd, 'n' => 21]);
            $s->send($fd, 'queued ' . gettype($id) . "\n");
            break;
        case 'callback':
            $s->task('lower case', 1, function (Swoole\Server $s, int $taskId, $result) use ($fd) {
                $s->send($fd, "callback: $result\n");
            });
            break;
        case 'wait':
            $s->send($fd, json_encode([
                $s->taskwait(['n' => 5], 5.0),
                $s->taskwait('text', 5.0, 0),
                $s->taskwait(['sleep' => 0.5], 0.1),
                $s->taskwait(null, 5.0),
            ]) . "\n");
            break;
        case 'multi':
            // The quick two well within the timeout; the third is late whatever the machine.
            $s->send($fd, json_encode($s->taskWaitMulti([['n' => 1], ['n' => 2], ['sleep' => 3.5]], 3.0)) . "\n");
            break;
        case 'errors':
            $r = [$s->task('x', 2), $s->finish('x')];
            try {
                $s->task(function () {});
            } catch (Exception $e) {
                $r[] = $e->getMessage();
            }
            $s->send($fd, json_encode($r) . "\n");
            break;
    }
});
$server->on('task', function (Swoole\Server $s, int $taskId, int $srcWorkerId, $data) {
    if (!$s->taskworker || $s->worker_id < 1 || $s->worker_id > 2 || $srcWorkerId !== 0) {
        echo "wrong task context: worker_id={$s->worker_id} src=$srcWorkerId\n";
    }
    if (is_string($data)) {
        var_dump($s->finish(strtoupper($data)));
        return null;
    }
    if ($data === null) {
        return 'null arrived';
    }
    if (isset($data['sleep'])) {
        usleep((int) ($data['sleep'] * 1e6));
        return 'late';
    }
    return isset($data['fd']) ? ['fd' => $data['fd'], 'r' => $data['n'] * 2] : $data['n'] * 2;
});
$server->on('finish', function (Swoole\Server $s, int $taskId, $result) {
    if (is_array($result)) {
        $s->send($result['fd'], "finish: {$result['r']}\n");
    }
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "async\n");
echo swkit_read_until($c, "\n"), swkit_read_until($c, "\n");
fwrite($c, "callback\n");
echo swkit_read_until($c, "\n");
fwrite($c, "multi\n");
echo swkit_read_until($c, "\n");
fwrite($c, "wait\n");
echo swkit_read_until($c, "\n");
fwrite($c, "errors\n");
echo swkit_read_until($c, "\n");
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
bool(true)
queued integer
finish: 42
callback: LOWER CASE
[2,4]
[10,"TEXT",false,"null arrived"]
[false,false,"Serialization of 'Closure' is not allowed"]
int(0)
bool(true)
bool(true)

Warning: Swoole\Server::task(): worker_id must be less than task_worker_num[2] in %s on line %d

Warning: Swoole\Server::finish(): finish method can only be used in the task worker process in %s on line %d
