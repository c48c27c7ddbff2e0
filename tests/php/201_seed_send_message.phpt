--TEST--
seed example of sendMessage(): onPipeMessage in the other worker, task() from a worker to onTask (unchanged but for the address)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/send_message_example.php', '0.0.0.0', 9501);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
fwrite($c, "task\r\n");
var_dump($server->waitOutput('async task coming'));
fwrite($c, "hello\r\n");
var_dump($server->waitOutput('hello task process'));
fclose($c);
var_dump($server->stop());
$out = $server->output();
echo $out;
// The message goes from the worker that got the client's data to the other one.
var_dump(preg_match('/^#(\d) message from #(\d): hello task process$/m', $out, $m) === 1 && $m[1] === (string) (1 - (int) $m[2]));
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
int(0)
int(%d)
int(%r[01]%r)
string(17) "async task coming"
#%r[01]%r message from #%r[01]%r: hello task process
bool(true)
