--TEST--
Server::defer() (Swoole 4's alias of Swoole\Event::defer, which the seed says is gone since Swoole 5): the seed's fragment, unchanged, runs its callback after the current callback
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = SwkitServer::start(<<<'PHP'
<?php
// The seed's fragment, unchanged:
function query($server, $db) {
    $server->defer(function() use ($db) {
        $db->close();
    });
}

final class Db {
    public function __construct(private Swoole\Server $server, private int $fd) {}
    public function close(): void {
        $this->server->send($this->fd, "db closed\n");
    }
}
$server = new Swoole\Server('127.0.0.1', __PORT__, SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('receive', function (Swoole\Server $s, int $fd, int $reactorId, string $data) {
    var_dump(query($s, new Db($s, $fd)));
    $s->send($fd, "query returned\n");
});
$server->start();
PHP);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'x');
echo swkit_read_until($c, "db closed\n");
fclose($c);
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
query returned
db closed
int(0)
NULL
