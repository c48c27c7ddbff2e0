--TEST--
an exception thrown in a callback is logged with its PHP trace and the worker keeps serving; exit() and a fatal error end the worker (status 255), which is respawned
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
class Handler {
    public function onReceive(Swoole\Server $s, int $fd, int $reactorId, string $data) {
        switch (trim($data)) {
            case 'throw':
                $this->fail();
            case 'exit':
                exit(3);
            case 'fatal':
                trigger_error('worker gives up', E_USER_ERROR);
            default:
                $s->send($fd, sprintf("%10d", getmypid()));
        }
    }
    private function fail() {
        throw new RuntimeException('boom');
    }
}
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_ERROR]);
$server->on('receive', [new Handler, 'onReceive']);
$server->on('workerError', function (Swoole\Server $s, int $id, int $pid, int $code, int $signal) {
    echo "workerError id=$id code=$code signal=$signal\n";
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
$pid = swkit_ask($c, 'pid', 10);
fwrite($c, "throw\n");
// Wait for the trace before the next request: sent at once, both could arrive as one read.
var_dump($server->waitOutput('Uncaught RuntimeException: boom'));
var_dump(swkit_ask($c, 'pid', 10) === $pid);   // the same worker answers
fwrite($c, "exit\n");
var_dump($server->waitOutput('workerError id=0 code=3 signal=0'));
$after_exit = swkit_ask($c, 'pid', 10);
var_dump($after_exit !== $pid && (int) $after_exit > 0);
fwrite($c, "fatal\n");
var_dump($server->waitOutput('workerError id=0 code=255 signal=0'));
$after_fatal = swkit_ask($c, 'pid', 10);
var_dump($after_fatal !== $after_exit && (int) $after_fatal > 0);
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
int(0)

Warning: Uncaught RuntimeException: boom in %s:16
Stack trace:
#0 %s(6): Handler->fail()
#1 [internal function]: Handler->onReceive(Object(Swoole\Server), 1, 0, 'throw\n')
#2 %s(25): Swoole\Server->start()
#3 {main}
  thrown in %s on line 16
workerError id=0 code=3 signal=0

Fatal error: worker gives up in %s on line 10
workerError id=0 code=255 signal=0
