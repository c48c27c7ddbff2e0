--TEST--
seed example of task() in SWOOLE_BASE: a task with a finish callback and one to task worker 0 with onFinish, finish() in onTask, swoole_set_process_name (unchanged but for the port)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/task_example.php', '127.0.0.1', 9501);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "hello\n");
echo swkit_read_until($c, "\n");
var_dump($server->waitOutput(['Task Callback: ', 'finished, data_len=5']));
fclose($c);
// The process titles the example sets.
$count = fn(array $titles, string $re) => count(preg_grep($re, $titles));
$titles = $server->waitCommandLines(fn($t) => $count($t, '/\.php: worker$/') == 2 && $count($t, '/\.php: task_worker$/') == 4);
echo $count($titles, '/\.php: worker$/'), ' workers, ', $count($titles, '/\.php: task_worker$/'), " task workers\n";
var_dump($server->stop());
$out = $server->output();
$checks = [
    'received' => "/^接收数据hello\n$/m",
    'two tasks ran in task workers' => "/(Tasker进程接收到数据.*){2}/s",
    'onTask lines' => "/(#[2-5]\tonTask: \[PID=\d+\]: task_id=\d+, data_len=5\.\n.*){2}/s",
    // The callback echoes in three writes, and a task worker's output may land between them.
    'callback' => "/Task Callback: .*?int\(\d+\)\n.*?string\(5\) \"hello\"$/ms",
    'onFinish' => "/^Task#\d+ finished, data_len=5$/m",
];
foreach ($checks as $what => $re) {
    echo $what, ': ', preg_match($re, $out) ? 'yes' : "NO\n$out", "\n";
}
?>
--EXPECTF--
bool(true)
分发任务，任务id为%d
bool(true)
2 workers, 4 task workers
int(0)
received: yes
two tasks ran in task workers: yes
onTask lines: yes
callback: yes
onFinish: yes
