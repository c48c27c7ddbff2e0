--TEST--
Swoole\Timer and Server::tick/after/clearTimer in a worker: ids, extra params, exists, clear from inside the callback, clearAll; refused in the master
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('start', function (Swoole\Server $s) {
    // The master runs this while the worker starts: its output, in one write and marked.
    ob_start();
    var_dump(Swoole\Timer::tick(10, function () {}));
    echo preg_replace('/^/m', 'master|', ob_get_clean());
});
$server->on('workerStart', function (Swoole\Server $s, int $id) {
    $n = 0;
    $tick = $s->tick(10, function (int $timerId, string $tag) use ($s, &$n, &$tick) {
        $n++;
        if ($n === 3) {
            echo "tick $tag x3, same id: ", var_export($timerId === $tick, true), "\n";
            var_dump($s->clearTimer($timerId), Swoole\Timer::exists($timerId));
            $s->after(20, function (...$args) use (&$n) {
                echo "after with ", json_encode($args), ", ticks so far $n\n";
                $a = Swoole\Timer::tick(1000, function () { echo "never\n"; });
                $b = Swoole\Timer::after(1000, function () { echo "never\n"; });
                var_dump(Swoole\Timer::clearAll(), Swoole\Timer::exists($a), Swoole\Timer::exists($b));
                var_dump(Swoole\Timer::clear(12345), Swoole\Timer::tick(0, 'strlen'));
                echo "done\n";
            }, 1, 'two');
        }
    }, 'T');
    var_dump(is_int($tick), Swoole\Timer::exists($tick));
});
$server->on('receive', function () {});
$server->start();
PHP);
var_dump($server->waitOutput('done'));
var_dump($server->stop());
// The master's lines first (they may come before or after the worker's first ones), then the
// worker's.
$lines = explode("\n", $server->output());
$master = preg_grep('/^master\|/', $lines);
echo implode("\n", $master), "\n", implode("\n", array_diff_key($lines, $master));
?>
--EXPECTF--
bool(true)
int(0)
master|
master|Warning: Swoole\Timer::tick(): timers run in a process without a server or in worker, task worker and user processes of a started server (swkit; a server's master and manager run no PHP timers) in %s on line 7
master|bool(false)
bool(true)
bool(true)
tick T x3, same id: true
bool(true)
bool(false)
after with [1,"two"], ticks so far 3
bool(true)
bool(false)
bool(false)

Warning: Swoole\Timer::tick(): Timer must be greater than or equal to 1 in %s on line %d
bool(false)
bool(false)
done
