--TEST--
enable_coroutine: callbacks run in Fibers; taskCo, taskwait and Coroutine::sleep suspend them and the worker keeps serving other clients meanwhile
--FILE--
<?php
require __DIR__ . '/include/server.inc';
try {
    Swoole\Coroutine::sleep(0.1);
} catch (Error $e) {
    echo $e->getMessage(), "\n";
}
var_dump(Swoole\Coroutine::getCid());
var_dump(Swoole\Coroutine::create(function ($a, $b) {
    echo "in a coroutine: ", Swoole\Coroutine::getCid() > 0 ? 'yes' : 'no', " $a $b\n";
}, 'with', 'params') > 0);
$server = SwkitServer::start(<<<'PHP'
<?php
use Swoole\Coroutine;
$server = new Swoole\Server('127.0.0.1', __PORT__);
// One task worker per task of taskCo: the three tasks run at once. Its 3 s timeout is far from
// both the 0.5 s task (in time) and the 5 s one (late).
$server->set(['worker_num' => 1, 'task_worker_num' => 3, 'enable_coroutine' => true,
              'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $cmd = trim($data);
    if (in_array($cmd, ['taskco', 'taskwait', 'sleep'], true)) {
        echo "suspending for $cmd\n";  // the client's readiness signal
    }
    switch ($cmd) {
        case 'ping':
            $s->send($fd, "pong\n");
            break;
        case 'taskco':
            $r = $s->taskCo([['sleep' => 0.5, 'v' => 1], 'x', ['sleep' => 5, 'v' => 2]], 3.0);
            $s->send($fd, 'taskCo: ' . json_encode($r) . "\n");
            break;
        case 'taskwait':
            $s->send($fd, 'taskwait: ' . json_encode($s->taskwait(['sleep' => 2, 'v' => 5], 10.0)) . "\n");
            break;
        case 'sleep':
            $cid = Coroutine::getCid();
            Coroutine::sleep(2);
            $s->send($fd, 'slept in coroutine ' . ($cid > 0 && $cid === Coroutine::getCid() ? 'ok' : 'bad') . "\n");
            break;
        case 'fanout':
            $done = [];
            foreach ([1.2, 0.8, 1.0] as $i => $delay) {
                $start = $i === 0 ? 'go' : [Coroutine::class, 'create'];
                $start(function (float $delay, int $i) use ($s, $fd, &$done) {
                    Coroutine::sleep($delay);
                    $done[] = $i;
                    if (count($done) === 3) {
                        $s->send($fd, 'fanout: ' . json_encode($done) . "\n");
                    }
                }, $delay, $i);
            }
            break;
        case 'throw':
            Coroutine::sleep(0.05);
            throw new LogicException('after a sleep');
    }
});
$server->on('task', function (Swoole\Server $s, int $id, int $src, $data) {
    if (is_array($data)) {
        usleep((int) ($data['sleep'] * 1e6));
        return $data['v'];
    }
    return strtoupper($data);
});
$server->on('finish', function () {});
$server->start();
PHP);
var_dump($server->waitListening());
$a = swkit_connect($server->port);
$b = swkit_connect($server->port);
stream_set_timeout($a, 10);
foreach (['taskco', 'taskwait', 'sleep'] as $cmd) {
    fwrite($a, "$cmd\n");
    $server->waitOutput("suspending for $cmd");
    // While $a's coroutine waits (at least 2 s), the same (only) worker answers $b: when the
    // pong arrives, $a's reply has not been sent yet. A blocked worker would answer $a first.
    fwrite($b, "ping\n");
    echo swkit_read_until($b, "\n");
    $r = [$a];
    $w = $e = null;
    echo $cmd, ': reply still pending after the pong: ', stream_select($r, $w, $e, 0) === 0 ? 'yes' : 'no', "\n";
    echo swkit_read_until($a, "\n");
}
$t = microtime(true);
fwrite($a, "fanout\n");
echo swkit_read_until($a, "\n");
// Overlapped: about 1.2 s; one after another: 3 s at least.
echo 'the three sleeps overlapped: ', microtime(true) - $t < 2.0 ? 'yes' : 'no', "\n";
fwrite($a, "throw\n");
// Its trace is logged before the next request is sent (both at once could arrive as one read).
$server->waitOutput('Uncaught LogicException: after a sleep');
fwrite($a, "ping\n");
echo swkit_read_until($a, "\n");
fclose($a);
fclose($b);
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
API must be called in the coroutine
int(-1)
in a coroutine: yes with params
bool(true)
bool(true)
pong
taskco: reply still pending after the pong: yes
taskCo: [1,"X",false]
pong
taskwait: reply still pending after the pong: yes
taskwait: 5
pong
sleep: reply still pending after the pong: yes
slept in coroutine ok
fanout: [1,2,0]
the three sleeps overlapped: yes
pong
int(0)
suspending for taskco
suspending for taskwait
suspending for sleep

Warning: Uncaught LogicException: after a sleep in %s:%d
Stack trace:
#0 [internal function]: {closure}(Object(Swoole\Server), 1, 0, 'throw\n')
#1 [internal function]: Fiber->resume(true)
#2 %s(%d): Swoole\Server->start()
#3 {main}
  thrown in %s on line %d
