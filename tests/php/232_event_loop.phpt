--TEST--
Without a server: Swoole\Timer, Coroutine::sleep, Process::signal and exportSocket() coroutines run on the process's own loop, which Event::wait() runs until nothing is left and which runs again when the script ends
--FILE--
<?php
// Long after the third tick, even when a late pass delays the ticks (a repeating timer
// reschedules from the pass that ran it).
Swoole\Timer::after(500, function () { echo "after 500 ms\n"; });
$n = 0;
Swoole\Timer::tick(5, function (int $id) use (&$n) {
    if (++$n === 3) {
        echo "tick x3\n";
        Swoole\Timer::clear($id);
    }
});
go(function () {
    Swoole\Coroutine::sleep(0.01);
    echo "coroutine woke\n";
});
var_dump(Swoole\Process::signal(10, function (int $signo) {
    echo "signal $signo\n";
    Swoole\Process::signal($signo, null);
}));
Swoole\Process::kill(getmypid(), 10);
echo "main goes on\n";
Swoole\Event::wait();
echo "wait returned\n";

// A child that answers through exportSocket() in a coroutine; the parent's coroutine waits on
// its own end while the loop runs.
$p = new Swoole\Process(function (Swoole\Process $p) {
    $s = $p->exportSocket();
    // The child's coroutine always suspends here, so its body returns with the coroutine still
    // waiting: the child must run its own loop before it exits to answer at all.
    Swoole\Coroutine::sleep(0.01);
    $s->send('from child ' . $s->recv());
}, false, 2, true);
$p->start();
go(function () use ($p) {
    $s = $p->exportSocket();
    $s->send('ping');
    $got = $s->recv(100, 5);
    echo "coroutine got: $got\n";
});
echo "before wait\n";
Swoole\Event::wait();
Swoole\Process::wait();

Swoole\Timer::after(10, function () { echo "timer at the end of the script\n"; });
echo "script ends\n";
?>
--EXPECT--
bool(true)
main goes on
signal 10
coroutine woke
tick x3
after 500 ms
wait returned
before wait
coroutine got: from child ping
script ends
timer at the end of the script
