--TEST--
Swoole\Atomic and Swoole\Atomic\Long: arithmetic, uint32 wrap, cmpset, shared across fork and across a server's workers, wait/wakeup
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$a = new Swoole\Atomic(5);
var_dump($a->add(), $a->add(10), $a->sub(6), $a->get(), $a->cmpset(10, 20), $a->cmpset(10, 30), $a->get());
$a->set(0);
var_dump($a->sub(1));   // unsigned 32-bit, as Swoole's
$l = new Swoole\Atomic\Long(-5);
var_dump($l->add(2), $l->sub(10), $l->cmpset(-13, PHP_INT_MAX), $l->get() === PHP_INT_MAX);

// Shared with a forked process.
$n = new Swoole\Atomic();
$pid = pcntl_fork();
if ($pid === 0) {
    for ($i = 0; $i < 10000; $i++) {
        $n->add();
    }
    exit(0);
}
for ($i = 0; $i < 10000; $i++) {
    $n->add();
}
pcntl_waitpid($pid, $status);
var_dump($n->get());

// wait() sleeps until another process calls wakeup(); times out otherwise.
$w = new Swoole\Atomic();
$t = microtime(true);
var_dump($w->wait(0.1), microtime(true) - $t >= 0.09);
$pid = pcntl_fork();
if ($pid === 0) {
    usleep(100000);
    $w->wakeup();
    exit(0);
}
var_dump($w->wait(5.0), $w->get());
pcntl_waitpid($pid, $status);
var_dump($w->wakeup(), $w->wait(0.01), $w->get());

// A server's workers share one counter made before start().
$server = SwkitServer::start(<<<'PHP'
<?php
$hits = new Swoole\Atomic();
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 2, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) use ($hits) {
    $s->send($fd, sprintf("%6d", $hits->add()));
});
$server->on('shutdown', function () use ($hits) { echo "hits seen by the master: {$hits->get()}\n"; });
$server->start();
PHP);
var_dump($server->waitListening());
$last = 0;
for ($i = 0; $i < 20; $i++) {
    $c = swkit_connect($server->port);   // a new connection each time: both workers take some
    $last = (int) swkit_ask($c, 'hit', 6);
    fclose($c);
}
var_dump($last);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
int(6)
int(16)
int(10)
int(10)
bool(true)
bool(false)
int(20)
int(4294967295)
int(-3)
int(-13)
bool(true)
bool(true)
int(20000)
bool(false)
bool(true)
bool(true)
int(0)
bool(true)
bool(true)
int(0)
bool(true)
int(20)
int(0)
hits seen by the master: 20
