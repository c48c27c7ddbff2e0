--TEST--
seed example of bind(): dispatch_mode 5, the first message binds uid fd+1, later ones go to worker uid % 4 and are echoed through $serv->fdlist (unchanged but for the address)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/bind_example.php', '0.0.0.0', 9501);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, 'hello');
$reply = swkit_read_until($c, 'success');
var_dump(preg_match('/^bind (\d+) success$/', $reply, $m) === 1);
$uid = (int) $m[1];
$fd = $uid - 1;
foreach (['msg', 'again'] as $data) {
    fwrite($c, $data);
    var_dump(swkit_read($c, strlen("$fd say:$data")) === "$fd say:$data");
}
var_dump($server->stop());
$out = $server->output();
var_dump(str_contains($out, "[uid] => $uid"));
// The two messages after bind() ran in worker uid % 4.
preg_match_all('/^worker_id: (\d+)$/m', $out, $w);
var_dump(count($w[1]) === 3, array_slice($w[1], 1) === [(string) ($uid % 4), (string) ($uid % 4)]);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
bool(true)
bool(true)
bool(true)
