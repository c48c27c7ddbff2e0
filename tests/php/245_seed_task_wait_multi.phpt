--TEST--
seed example of taskWaitMulti(): the fragment, unchanged, sends three random numbers to the task workers and waits for the three results (10 s timeout); run in onReceive, onTask doubles each number
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'task_worker_num' => 3, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    // The seed's fragment, unchanged:
$tasks[] = mt_rand(1000, 9999); //任务1
$tasks[] = mt_rand(1000, 9999); //任务2
$tasks[] = mt_rand(1000, 9999); //任务3
var_dump($tasks);

//等待所有Task结果返回，超时为10s
$results = $server->taskWaitMulti($tasks, 10.0);

if (!isset($results[0])) {
    echo "任务1执行超时了\n";
}
if (isset($results[1])) {
    echo "任务2的执行结果为{$results[1]}\n";
}
if (isset($results[2])) {
    echo "任务3的执行结果为{$results[2]}\n";
}
    $server->send($fd, json_encode([$tasks, $results]) . "\n");
});
$server->on('task', function (Swoole\Server $server, int $taskId, int $srcWorkerId, $data) {
    return $data * 2;
});
$server->on('finish', function (Swoole\Server $server, int $taskId, $data) {
    echo "onFinish: not expected for taskWaitMulti\n";
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'go');
[$tasks, $results] = json_decode(trim(swkit_read_until($c, "\n")), true);
echo "three tasks: ", var_export(count($tasks) === 3, true), "\n";
echo "every result, in order: ", var_export($results === array_map(fn($t) => $t * 2, $tasks), true), "\n";
// The fragment's output: var_dump($tasks), then the results of tasks 2 and 3, no timeout.
ob_start();
var_dump($tasks);
$dump = ob_get_clean();
$expected = $dump . "任务2的执行结果为" . ($tasks[1] * 2) . "\n任务3的执行结果为" . ($tasks[2] * 2) . "\n";
var_dump($server->waitOutput($expected));
fclose($c);
var_dump($server->stop());
echo "output as expected: ", var_export($server->output() === $expected, true), "\n";
?>
--EXPECT--
bool(true)
three tasks: true
every result, in order: true
bool(true)
int(0)
output as expected: true
