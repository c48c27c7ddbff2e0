--TEST--
swkit loads with php -n, php -m lists it, and it registers its classes, the constants and functions
--FILE--
<?php
require __DIR__ . '/include/server.inc';

// php -n -d extension=swkit.so -m: nothing else loaded, swkit listed.
$out = shell_exec(implode(' ', array_map('escapeshellarg', swkit_php(['-m']))) . ' 2>&1');
var_dump(preg_match('/^swkit$/m', $out) === 1);
var_dump(str_contains($out, 'Warning'));

var_dump(extension_loaded('swkit'), extension_loaded('swoole'));
var_dump(class_exists(Swoole\Server::class), class_exists(Swoole\Timer::class));
foreach (['Swoole\Process', 'Swoole\Client', 'Swoole\Atomic', 'Swoole\Atomic\Long', 'Swoole\Connection\Iterator', 'Swoole\Coroutine', 'Swoole\Event', 'Swoole\Constant'] as $class) {
    echo $class, ': ', class_exists($class) ? 'yes' : 'no', "\n";
}
var_dump(SWOOLE_BASE, SWOOLE_PROCESS, SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP);
var_dump(SWOOLE_WORKER_BUSY, SWOOLE_WORKER_IDLE, SWOOLE_WORKER_EXIT);
var_dump(SWOOLE_SERVER_COMMAND_MASTER, SWOOLE_SERVER_COMMAND_MANAGER,
         SWOOLE_SERVER_COMMAND_EVENT_WORKER, SWOOLE_SERVER_COMMAND_TASK_WORKER);
var_dump(Swoole\Constant::EVENT_RECEIVE, Swoole\Constant::OPTION_TASK_WORKER_NUM);
foreach (['swoole_timer_tick', 'swoole_timer_after', 'swoole_timer_exists', 'swoole_timer_clear', 'swoole_timer_clear_all', 'swoole_event_defer', 'swoole_event_wait', 'go'] as $f) {
    echo $f, function_exists($f) ? '' : ' missing', "\n";
}
var_dump(swoole_cpu_num() >= 1);
var_dump(swoole_strerror(1004), swoole_strerror(2), swoole_strerror(1004, SWOOLE_STRERROR_SWOOLE));
var_dump(swoole_last_error());

$m = new ReflectionMethod(Swoole\Server::class, '__construct');
echo $m->getNumberOfParameters(), ' ', $m->getNumberOfRequiredParameters(), "\n";
foreach ($m->getParameters() as $p) {
    echo $p->getType(), ' $', $p->getName(), ' = ', $p->getDefaultValueConstantName() ?? var_export($p->getDefaultValue(), true), "\n";
}
$s = new Swoole\Server('127.0.0.1', 0, SWOOLE_BASE);
var_dump($s->host, $s->port, $s->mode, $s->type, $s->setting, $s->worker_id, $s->taskworker);
var_dump($s->getWorkerId(), $s->getMasterPid(), $s->getManagerPid());
?>
--EXPECT--
bool(true)
bool(false)
bool(true)
bool(false)
bool(true)
bool(true)
Swoole\Process: yes
Swoole\Client: yes
Swoole\Atomic: yes
Swoole\Atomic\Long: yes
Swoole\Connection\Iterator: yes
Swoole\Coroutine: yes
Swoole\Event: yes
Swoole\Constant: yes
int(1)
int(2)
int(1)
int(3)
int(2)
int(1)
int(2)
int(3)
int(2)
int(32)
int(8)
int(16)
string(7) "receive"
string(15) "task_worker_num"
swoole_timer_tick
swoole_timer_after
swoole_timer_exists
swoole_timer_clear
swoole_timer_clear_all
swoole_event_defer
swoole_event_wait
go
bool(true)
string(17) "Session is closed"
string(25) "No such file or directory"
string(17) "Session is closed"
int(0)
4 0
string $host = '0.0.0.0'
int $port = 0
int $mode = SWOOLE_PROCESS
int $sock_type = SWOOLE_SOCK_TCP
string(9) "127.0.0.1"
int(0)
int(1)
int(1)
NULL
int(-1)
bool(false)
bool(false)
int(0)
int(0)
