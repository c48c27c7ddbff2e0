--TEST--
seed example of confirm(): enable_delay_receive, onConnect confirms the connection, then its data is read and answered (unchanged but for the port); confirm() of a connection already read is false
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/confirm_example.php', '127.0.0.1', 9501);
var_dump($server->waitListening());
$c = swkit_connect($server->port);
var_dump(swkit_ask($c, "hello", 13));
fclose($c);
var_dump($server->waitOutput('Client: Close.'));
var_dump($server->stop());
?>
--EXPECT--
bool(true)
string(13) "Server: hello"
bool(true)
int(0)
