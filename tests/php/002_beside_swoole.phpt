--TEST--
swkit refuses to load beside ext-swoole (a stand-in module "swoole" defining Swoole\Server): a clear message, and PHP does not start
--FILE--
<?php
require __DIR__ . '/include/server.inc';
$cmd = [PHP_BINARY, '-n', '-d', 'extension=' . getenv('SWKIT_FAKE_SWOOLE'), '-d', 'extension=' . swkit_extension(), '-m'];
$p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
$status = proc_close($p);
echo preg_replace('/ in Unknown on line \d+/', '', trim($out)), "\n";
var_dump($status !== 0);
?>
--EXPECTF--
Warning: swkit: cannot be loaded together with ext-swoole (both define Swoole\Server); load one of them

Fatal error: Unable to start swkit module
bool(true)
