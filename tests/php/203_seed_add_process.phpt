--TEST--
seed example of addProcess(): a user process with enable_coroutine loops on exportSocket()->recv() and broadcasts each message to every connection; onReceive hands it over with exportSocket()->send() (unchanged but for the port)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/add_process_example.php', '127.0.0.1', 9501);
var_dump($server->waitListening());
$b = swkit_connect($server->port);
fwrite($b, 'first');
var_dump(swkit_read($b, 5));  // back to the sender too: it is one of the connections
$a = swkit_connect($server->port);
fwrite($a, 'second');
var_dump(swkit_read($a, 6), swkit_read($b, 6));
fwrite($b, 'third');
var_dump(swkit_read($a, 5), swkit_read($b, 5));
var_dump($server->stop());
?>
--EXPECT--
bool(true)
string(5) "first"
string(6) "second"
string(6) "second"
string(5) "third"
string(5) "third"
int(0)
