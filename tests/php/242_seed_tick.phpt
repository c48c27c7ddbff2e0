--TEST--
seed examples of tick() (Swoole 4's alias of Swoole\Timer::tick): the fragments "used in onReceive" and "used in onWorkerStart", unchanged, registered by name; a client gets "hello world" about every second after it sends, the worker var_dumps its timer id every second
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
// The seed's two fragments, unchanged:
    function onReceive(Swoole\Server $server, int $fd, int $reactorId, mixed $data)
    {
        $server->tick(1000, function () use ($server, $fd) {
            $server->send($fd, "hello world");
        });
    }
    function onWorkerStart(Swoole\Server $server, int $workerId)
    {
        if (!$server->taskworker) {
            $server->tick(1000, function ($id) {
              var_dump($id);
            });
        } else {
            //task
            $server->tick(1000);
        }
    }
// No task workers: the fragment's else branch ($server->tick(1000) without a callback, an
// ArgumentCountError here as in Swoole 5) is for task workers only and is not taken.
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('workerStart', 'onWorkerStart');
$server->on('receive', 'onReceive');
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
$t0 = microtime(true);
fwrite($c, 'x');
var_dump(swkit_read($c, 11));
$first = microtime(true) - $t0;
var_dump(swkit_read($c, 11));
$second = microtime(true) - $t0;
// A 1000 ms tick: the first not before 1 s, the second about 1 s later (loose upper bounds for
// loaded or sanitizer runs).
echo "first after ~1 s: ", var_export($first >= 0.95 && $first < 3.0, true), "\n";
echo "second ~1 s later: ", var_export($second - $first >= 0.5 && $second - $first < 3.0, true), "\n";
// onWorkerStart's tick var_dumps its own id each second: the same int(id) twice or more.
var_dump($server->waitOutput("\n", 5.0));
$deadline = microtime(true) + 5.0;
do {
    preg_match_all('/^int\((\d+)\)$/m', $server->output(), $m);
} while (count($m[1]) < 2 && microtime(true) < $deadline && usleep(50000) === null);
echo "worker var_dumps its timer id: ",
    var_export(count($m[1]) >= 2 && count(array_unique($m[1])) === 1, true), "\n";
var_dump($server->stop());  // before the client closes: the tick sends to it until then
fclose($c);
echo "no error: ", var_export(!preg_match('/error|warning/i', $server->log() . $server->output()), true), "\n";
?>
--EXPECT--
bool(true)
string(11) "hello world"
string(11) "hello world"
first after ~1 s: true
second ~1 s later: true
bool(true)
worker var_dumps its timer id: true
int(0)
no error: true
