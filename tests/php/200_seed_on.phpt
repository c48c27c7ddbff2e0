--TEST--
seed example of on(): connect/receive/close callbacks, send() then close() from the server (unchanged but for the port)
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$server = swkit_seed_example(__DIR__ . '/seed/on_example.php', '127.0.0.1', 9501);
var_dump($server->waitListening());
for ($i = 0; $i < 2; $i++) {
    $c = swkit_connect($server->port);
    fwrite($c, "hello $i");
    var_dump(swkit_read_all($c));   // the reply, then the server closes the connection
    fclose($c);
    // onClose may run after the next client's onConnect (another worker): one at a time.
    var_dump($server->waitOutput(str_repeat("Client:Connect.\nClient: Close.\n", $i + 1)));
}
var_dump($server->stop());
echo $server->output();
?>
--EXPECT--
bool(true)
string(15) "Swoole: hello 0"
bool(true)
string(15) "Swoole: hello 1"
bool(true)
int(0)
Client:Connect.
Client: Close.
Client:Connect.
Client: Close.
