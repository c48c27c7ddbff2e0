--TEST--
seed example of reload(): the fragment, unchanged, var_dumps get_included_files() in WorkerStart; after $serv->reload() a new worker starts (the fragment runs again), a file the worker includes per request is loaded anew, and a file included before start() keeps its old code, as the fragment's comment says
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$dir = sys_get_temp_dir() . '/swkit-reload-' . getmypid();
@mkdir($dir);
file_put_contents("$dir/before.php", "<?php function before_start() { return 'v1'; }\n");
file_put_contents("$dir/handler.php", "<?php return 'v1';\n");
$server = SwkitServer::start(str_replace('__DIR__', var_export($dir, true), <<<'PHP'
<?php
require __DIR__ . '/before.php';
$serv = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$serv->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
// The seed's fragment, unchanged:
    $serv->on('WorkerStart', function(Swoole\Server $server, int $workerId) {
        var_dump(get_included_files()); //此数组中的文件表示进程启动前就加载了，所以无法reload
    });
$serv->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    if ($data === 'reload') {
        $server->send($fd, 'reload: ' . var_export($server->reload(), true) . "\n");
    } else {
        $handler = include __DIR__ . '/handler.php';
        $server->send($fd, 'pid ' . getmypid() . ", handler $handler, before_start " . before_start() . "\n");
    }
});
$serv->start();
PHP));
var_dump($server->waitListening());
var_dump($server->waitOutput('before.php'));
$c = swkit_connect($server->port);
fwrite($c, 'ask');
echo $first = swkit_read_until($c, "\n");
file_put_contents("$dir/before.php", "<?php function before_start() { return 'v2'; }\n");
file_put_contents("$dir/handler.php", "<?php return 'v2';\n");
fwrite($c, 'reload');
echo swkit_read_until($c, "\n");
// PROCESS mode: the connection outlives the worker. Ask until a new worker answers (bounded).
$pid = explode(',', $first)[0];
$deadline = microtime(true) + 10.0;
do {
    usleep(50000);
    fwrite($c, 'ask');
    $answer = swkit_read_until($c, "\n");
} while (explode(',', $answer)[0] === $pid && microtime(true) < $deadline);
echo "new worker: ", var_export(explode(',', $answer)[0] !== $pid, true), "\n";
echo substr($answer, strpos($answer, ',') + 2);
fclose($c);
var_dump($server->stop());
echo $server->output();
@unlink("$dir/before.php");
@unlink("$dir/handler.php");
@rmdir($dir);
?>
--EXPECTF--
bool(true)
bool(true)
pid %d, handler v1, before_start v1
reload: true
new worker: true
handler v2, before_start v1
int(0)
array(2) {
  [0]=>
  string(%d) "%sswkit-phpt-%s.php"
  [1]=>
  string(%d) "%s/swkit-reload-%d/before.php"
}
array(2) {
  [0]=>
  string(%d) "%sswkit-phpt-%s.php"
  [1]=>
  string(%d) "%s/swkit-reload-%d/before.php"
}
