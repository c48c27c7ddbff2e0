--TEST--
set(): PHP values map onto core's settings; a refused setting is a warning naming it, returns false and changes nothing; $server->setting merges
--FILE--
<?php
$s = new Swoole\Server('127.0.0.1', 0);
// The seed's example.
var_dump($s->set(array(
    'reactor_num'   => 2,     // 線程數
    'worker_num'    => 4,     // 進程數
    'backlog'       => 128,   // 設置Listen隊列長度
    'max_request'   => 50,    // 每個進程最大接受請求數
    'dispatch_mode' => 1,     // 數據包分發策略
)));
var_dump($s->set(['open_tcp_nodelay' => true, 'max_wait_time' => 1.5, 'package_eof' => "\r\n", 'worker_num' => 2]));
var_dump($s->set(['no_such_setting' => 1]));
var_dump($s->set(['worker_num' => 0]));
var_dump($s->set(['reload_nice' => 20]));  // swkit's own setting (docs/supervisor.md)
var_dump($s->set(['reload_cpu_percent' => 0]));  // swkit's too
var_dump($s->set(['worker_num' => 3, 'dispatch_mode' => 99]));
var_dump($s->set(['worker_num' => [1, 2]]));
var_dump($s->set([1, 2]));
var_dump($s->set(['open_http_protocol' => true]));
var_dump($s->setting);
?>
--EXPECTF--
bool(true)
bool(true)

Warning: Swoole\Server::set(): unknown setting 'no_such_setting'; known settings: %s in %s on line %d
bool(false)

Warning: Swoole\Server::set(): 'worker_num' must be an integer in [1, 1024], got 0 in %s on line %d
bool(false)

Warning: Swoole\Server::set(): 'reload_nice' must be an integer in [0, 19], got 20 in %s on line %d
bool(false)

Warning: Swoole\Server::set(): 'reload_cpu_percent' must be an integer in [1, 100], got 0 in %s on line %d
bool(false)

Warning: Swoole\Server::set(): 'dispatch_mode' %s in %s on line %d
bool(false)

Warning: Swoole\Server::set(): 'worker_num' must be a bool, int, float or string, got array in %s on line %d
bool(false)

Warning: Swoole\Server::set(): setting names are strings, got the index 0 in %s on line %d
bool(false)

Warning: Swoole\Server::set(): %sopen_http_protocol%s in %s on line %d
bool(false)
array(8) {
  ["reactor_num"]=>
  int(2)
  ["worker_num"]=>
  int(2)
  ["backlog"]=>
  int(128)
  ["max_request"]=>
  int(50)
  ["dispatch_mode"]=>
  int(1)
  ["open_tcp_nodelay"]=>
  bool(true)
  ["max_wait_time"]=>
  float(1.5)
  ["package_eof"]=>
  string(2) "
"
}
