--TEST--
echo server in SWOOLE_PROCESS mode: byte-exact replies to three clients, onConnect/onClose, clean shutdown
--FILE--
<?php
require __DIR__ . '/include/echo.inc';
swkit_echo_test('SWOOLE_PROCESS');
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
int(0)
bool(true)
close 1
close 2
close 3
connect 1
connect 2
connect 3
start returned
