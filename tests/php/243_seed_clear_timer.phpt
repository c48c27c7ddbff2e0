--TEST--
seed example of clearTimer() (Swoole 4's alias of Swoole\Timer::clear): the fragment, unchanged, adds a 1000 ms tick whose callback clears its own timer; run in onReceive, the timer is there until it first fires (not before 1 s) and gone after
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    if ($data === 'start') {
        // The seed's fragment, unchanged:
$timerId = $server->tick(1000, function ($timerId) use ($server) {
    $server->clearTimer($timerId);//$id是定时器的id
});
        $GLOBALS['timer'] = [$timerId, microtime(true)];
        $server->send($fd, 'added, exists: ' . var_export(Swoole\Timer::exists($timerId), true) . "\n");
    } else {
        [$id, $t0] = $GLOBALS['timer'];
        $server->send($fd, (Swoole\Timer::exists($id) ? 'active' : 'gone') . sprintf(' %.3f', microtime(true) - $t0) . "\n");
    }
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'start');
echo swkit_read_until($c, "\n");
// Ask every 50 ms (bounded: 8 s) until the timer is gone.
$deadline = microtime(true) + 8.0;
$seen = [];
do {
    usleep(50000);
    fwrite($c, '?');
    [$state, $elapsed] = explode(' ', trim(swkit_read_until($c, "\n"))) + [1 => '-1'];
    $seen[$state][] = (float) $elapsed;
} while ($state === 'active' && microtime(true) < $deadline);
echo "active at first: ", var_export(isset($seen['active']), true), "\n";
echo "gone in the end: ", var_export($state === 'gone', true), "\n";
// Gone only once the tick fired (1000 ms; the callback cleared it), active never after that.
echo "gone after ~1 s: ", var_export(min($seen['gone'] ?? [0]) >= 0.95 && min($seen['gone'] ?? [0]) < 4.0, true), "\n";
echo "it stays gone: ", var_export(max($seen['active'] ?? [0]) < min($seen['gone'] ?? [0]), true), "\n";
fwrite($c, '?');
echo "asked again: ", explode(' ', swkit_read_until($c, "\n"))[0], "\n";
fclose($c);
var_dump($server->stop());
?>
--EXPECT--
bool(true)
added, exists: true
active at first: true
gone in the end: true
gone after ~1 s: true
it stays gone: true
asked again: gone
int(0)
