--TEST--
100,000 requests through a PHP echo worker leave its memory flat (Zend heap and RSS measured in the worker)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_PROCESS);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    if ($data === 'mem?') {
        preg_match('/^VmRSS:\s+(\d+) kB/m', file_get_contents('/proc/self/status'), $m);
        $s->send($fd, sprintf("%12d%12d", memory_get_usage(), $m[1] * 1024));
        return;
    }
    if ($s->exist($fd)) {
        $s->send($fd, $data);
    }
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
$probe = swkit_connect($server->port);
$measure = function () use ($probe) {
    $r = swkit_ask($probe, 'mem?', 24);
    return [(int) substr($r, 0, 12), (int) substr($r, 12)];
};
$run = function (int $n) use ($c) {
    for ($i = 0; $i < $n; $i++) {
        $msg = sprintf('%08d', $i);
        if (swkit_ask($c, $msg, 8) !== $msg) {
            echo "bad reply at $i\n";
            return;
        }
    }
};
$run(10000);   // warm up
$measure();    // the first measurement itself allocates (PCRE's JIT for its preg_match)
[$heap0, $rss0] = $measure();
$run(100000);
[$heap1, $rss1] = $measure();
echo 'zend heap growth under 1 KiB: ', $heap1 - $heap0 < 1024 ? 'yes' : 'NO (' . ($heap1 - $heap0) . ' bytes)', "\n";
echo 'rss growth under 256 KiB: ', $rss1 - $rss0 < 256 * 1024 ? 'yes' : 'NO (' . ($rss1 - $rss0) . ' bytes)', "\n";
fclose($c);
fclose($probe);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
zend heap growth under 1 KiB: yes
rss growth under 256 KiB: yes
int(0)
