--TEST--
sendMessage() between an event worker and a task worker with PHP values, its warnings, and stop() of the calling worker (a successor takes over)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'task_worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('workerStart', function (Swoole\Server $s, int $id) {
    echo "workerStart $id\n";
});
$server->on('workerStop', function (Swoole\Server $s, int $id) {
    echo "workerStop $id\n";
});
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    switch (trim($data)) {
        case 'message':
            // To the task worker (id 1), which answers through onPipeMessage here.
            var_dump($s->sendMessage(['fd' => $fd, 'ask' => 'who are you?'], 1));
            break;
        case 'errors':
            $s->send($fd, json_encode([$s->sendMessage('x', 0), $s->sendMessage('x', 7)]) . "\n");
            break;
        case 'pid':
            $s->send($fd, getmypid() . "\n");
            break;
        case 'stop':
            $s->send($fd, "stopping\n");
            echo 'stop() returned ', var_export($s->stop(), true), "\n";
            break;
    }
});
$server->on('pipeMessage', function (Swoole\Server $s, int $src, $message) {
    if ($s->taskworker) {
        // In the task worker: answer the event worker with a PHP array.
        $s->sendMessage(['fd' => $message['fd'], 'answer' => "task worker {$s->worker_id}, asked by $src: {$message['ask']}"], $src);
        return;
    }
    $s->send($message['fd'], $message['answer'] . " (from $src)\n");
});
$server->on('task', function () {});
$server->on('finish', function () {});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "message\n");
echo swkit_read_until($c, "\n");
fwrite($c, "errors\n");
echo swkit_read_until($c, "\n");
fwrite($c, "pid\n");
$before = trim(swkit_read_until($c, "\n"));
fwrite($c, "stop\n");
echo swkit_read_until($c, "\n");
var_dump($server->waitOutput("workerStop 0\n"));
// The same connection is served by the successor.
fwrite($c, "pid\n");
$after = trim(swkit_read_until($c, "\n"));
var_dump($after !== $before && (int) $after > 0);
fclose($c);
var_dump($server->stop());
$lines = array_filter(explode("\n", trim($server->output())), fn($l) => !str_starts_with($l, 'workerStart 1') && !str_starts_with($l, 'workerStop 1'));
// The old worker returns from stop() while its successor starts: that line may come before or
// after the successor's "workerStart 0", so it is shown on its own, first.
$stopped = array_filter($lines, fn($l) => str_starts_with($l, 'stop() returned '));
echo implode("\n", $stopped), "\n", implode("\n", array_diff_key($lines, $stopped)), "\n";
?>
--EXPECTF--
bool(true)
task worker 1, asked by 0: who are you? (from 1)
[false,false]
stopping
bool(true)
bool(true)
int(0)
stop() returned true
workerStart 0
bool(true)

Warning: Swoole\Server::sendMessage(): can't send messages to self in %s on line %d

Warning: Swoole\Server::sendMessage(): worker_id[7] is invalid in %s on line %d
workerStart 0
workerStop 0
workerStop 0
