--TEST--
heartbeat: heartbeat(false) lists the connections idle for heartbeat_idle_time without closing them, heartbeat() closes them (onClose fires), a busy or protect()ed connection stays, pause()/resume() stop and restart reading; without the settings it is false
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
// The passive check is far away (60 s): only heartbeat() closes here.
$server->set(['worker_num' => 1, 'heartbeat_idle_time' => 1, 'heartbeat_check_interval' => 60,
              'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $cmd = trim($data);
    if (str_starts_with($cmd, 'protect ')) {
        $s->send($fd, var_export($s->protect((int) substr($cmd, 8)), true) . "\n");
    } elseif (str_starts_with($cmd, 'pause ') || str_starts_with($cmd, 'resume ')) {
        [$op, $other] = explode(' ', $cmd);
        $s->send($fd, var_export($s->$op((int) $other), true) . "\n");
        // pause() is asynchronous (the seed says data may still arrive): a send() to the same
        // client takes the same ordered channel to its reactor, so it tells the client when.
        if ($op === 'pause') {
            $s->send((int) $other, "paused\n");
        }
    } elseif ($cmd === 'list') {
        $s->send($fd, json_encode($s->heartbeat(false)) . "\n");
    } elseif ($cmd === 'close') {
        $s->send($fd, json_encode($s->heartbeat()) . "\n");
    } else {
        $s->send($fd, "fd $fd\n");
    }
});
$server->on('close', function (Swoole\Server $s, int $fd) { echo "close $fd\n"; });
$server->start();
PHP);
var_dump($server->waitListening());
$idle = swkit_connect($server->port);
fwrite($idle, "hello\n");
$idle_fd = (int) substr(trim(swkit_read_until($idle, "\n")), 3);
$kept = swkit_connect($server->port);
fwrite($kept, "hello\n");
$kept_fd = (int) substr(trim(swkit_read_until($kept, "\n")), 3);
$busy = swkit_connect($server->port);
fwrite($busy, "protect $kept_fd\n");
echo "protect: ", trim(swkit_read_until($busy, "\n")), "\n";
// Ask until the idle one is listed (after heartbeat_idle_time, 1 s; bounded): the busy one has
// just sent each time, the protected one is never listed.
$deadline = microtime(true) + 10;
do {
    fwrite($busy, "list\n");
    $listed = json_decode(trim(swkit_read_until($busy, "\n")));
} while ($listed === [] && microtime(true) < $deadline && usleep(50000) === null);
echo "list: ", $listed === [$idle_fd] ? 'the idle one' : 'wrong', "\n";
echo "still open: ", var_export(swkit_listening($server->port) && !feof($idle), true), "\n";
fwrite($busy, "close\n");
echo "closed: ", json_decode(trim(swkit_read_until($busy, "\n"))) === [$idle_fd] ? 'the idle one' : 'wrong', "\n";
echo "idle sees EOF: ", var_export(fread($idle, 10) === '' && feof($idle), true), "\n";
var_dump($server->waitOutput("close $idle_fd"));
// pause(): a paused client is not read until resume().
fwrite($busy, "pause $kept_fd\n");
echo "pause: ", trim(swkit_read_until($busy, "\n")), "\n";
echo "kept told: ", trim(swkit_read_until($kept, "\n")), "\n";
fwrite($kept, "while paused\n");
stream_set_timeout($kept, 0, 500000);
echo "read while paused: ", var_export((string) fread($kept, 100), true), "\n";
stream_set_timeout($kept, 5);
fwrite($busy, "resume $kept_fd\n");
echo "resume: ", trim(swkit_read_until($busy, "\n")), "\n";
echo "after resume: ", trim(swkit_read_until($kept, "\n")), "\n";
fwrite($busy, "again\n");
echo "busy still served: ", var_export(str_starts_with(swkit_read_until($busy, "\n"), 'fd '), true), "\n";
var_dump($server->stop());

// Without heartbeat settings heartbeat() is false (Swoole's behaviour), with a warning.
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    $s->send($fd, var_export($s->heartbeat(), true) . "\n");
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "x\n");
echo "unset: ", trim(swkit_read_until($c, "\n")), "\n";
var_dump($server->stop());
?>
--EXPECTF--
bool(true)
protect: true
list: the idle one
still open: true
closed: the idle one
idle sees EOF: true
bool(true)
pause: true
kept told: paused
read while paused: ''
resume: true
after resume: fd %d
busy still served: true
int(0)
bool(true)
unset: false
int(0)
