--TEST--
lifecycle callbacks in their processes (start, managerStart, workerStart/Stop, before/afterReload, managerStop, shutdown), reload() and shutdown() from PHP, getCallback(), addCommand()/command()
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
function role(Swoole\Server $s): string {
    $pid = getmypid();
    return match (true) {
        $pid === $s->getMasterPid() => 'master',
        $pid === $s->getManagerPid() => 'manager',
        default => ($s->taskworker ? 'task' : 'worker') . $s->getWorkerId(),
    };
}
function onWorkerStart(Swoole\Server $s, int $id) { echo "workerStart $id in " . role($s) . "\n"; }
class Events {
    public static function stop(Swoole\Server $s, int $id) { echo "workerStop $id in " . role($s) . "\n"; }
}
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 2, 'task_worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->addCommand('whoami', SWOOLE_SERVER_COMMAND_MASTER | SWOOLE_SERVER_COMMAND_EVENT_WORKER,
    function (Swoole\Server $s, string $data) {
        return json_encode(['pid' => getmypid(), 'role' => role($s), 'data' => json_decode($data, true)]);
    });
$server->on('start', function (Swoole\Server $s) {
    echo "start in " . role($s) . "\n";
    $r = $s->command('whoami', 0, SWOOLE_SERVER_COMMAND_MASTER, ['type' => 'master']);
    echo "command master: " . var_export($r['pid'] === $s->getMasterPid() && $r['role'] === 'master' && $r['data'] === ['type' => 'master'], true) . "\n";
    $r = $s->command('whoami', 1, SWOOLE_SERVER_COMMAND_EVENT_WORKER, ['type' => 'worker']);
    echo "command worker 1: " . var_export($r['pid'] === $s->getWorkerPid(1) && $r['role'] === 'worker1', true) . "\n";
    echo "command unknown: " . var_export($s->command('nope', 1, SWOOLE_SERVER_COMMAND_EVENT_WORKER, []), true) . "\n";
    echo "raw: " . var_export(is_string($s->command('whoami', 0, SWOOLE_SERVER_COMMAND_MASTER, 1, false)), true) . "\n";
});
$server->on('managerStart', function (Swoole\Server $s) { echo "managerStart in " . role($s) . "\n"; });
$server->on('managerStop', function (Swoole\Server $s) { echo "managerStop in " . role($s) . "\n"; });
$server->on('beforeReload', function (Swoole\Server $s) { echo "beforeReload in " . role($s) . "\n"; });
$server->on('afterReload', function (Swoole\Server $s) { echo "afterReload in " . role($s) . "\n"; });
$server->on('WorkerStart', 'onWorkerStart');
$server->on('workerstop', 'Events::stop');
$server->on('shutdown', function (Swoole\Server $s) { echo "shutdown in " . role($s) . "\n"; });
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $cmd = trim($data);
    $s->send($fd, "ok\n");
    if ($cmd === 'reload') {
        var_dump($s->reload());
    } elseif ($cmd === 'shutdown') {
        var_dump($s->shutdown());
    }
});
$server->on('task', function () {});
$server->on('finish', function () {});
var_dump($server->getCallback('workerStart'), $server->getCallback('WORKERSTOP'), $server->getCallback('connect'));
var_dump($server->start());
echo "start returned\n";
PHP);
var_dump($server->waitListening());
var_dump($server->waitOutput(['raw: ', 'workerStart 0', 'workerStart 1', 'workerStart 2']));
$c = swkit_connect($server->port);
fwrite($c, "reload\n");
echo swkit_read_until($c, "\n");
var_dump($server->waitOutput('afterReload'));
// Each of the three processes started twice. (One write per line: the processes share stdout.)
$deadline = microtime(true) + 10;
while (preg_match_all('/^workerStart \d in /m', $server->output()) < 6 && microtime(true) < $deadline) {
    usleep(10000);
}
fclose($c);
$c = swkit_connect($server->port);
fwrite($c, "shutdown\n");
echo swkit_read_until($c, "\n");
fclose($c);
var_dump($server->waitExit());
var_dump($server->stop());
$lines = explode("\n", trim($server->output()));
$head = array_slice($lines, 0, 3);   // before start(): getCallback()
echo implode("\n", $head), "\n";
$rest = array_slice($lines, 3);
sort($rest);
echo implode("\n", array_unique($rest)), "\n";
echo array_count_values($rest)['workerStop 0 in worker0'] ?? 0, " stops of worker 0\n";
?>
--EXPECT--
bool(true)
bool(true)
ok
bool(true)
ok
bool(true)
int(0)
string(13) "onWorkerStart"
string(12) "Events::stop"
NULL
afterReload in manager
beforeReload in manager
bool(true)
command master: true
command unknown: false
command worker 1: true
managerStart in manager
managerStop in manager
raw: true
shutdown in master
start in master
start returned
workerStart 0 in worker0
workerStart 1 in worker1
workerStart 2 in task2
workerStop 0 in worker0
workerStop 1 in worker1
workerStop 2 in task2
2 stops of worker 0
