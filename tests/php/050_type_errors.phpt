--TEST--
wrong argument types raise TypeError/ArgumentCountError with PHP's own wording (arginfo and ZPP)
--FILE--
<?php
$s = new Swoole\Server('127.0.0.1', 0);
$calls = [
    fn() => new Swoole\Server('127.0.0.1', 'http'),
    fn() => new Swoole\Server([]),
    fn() => $s->set('worker_num=2'),
    fn() => $s->on('receive'),
    fn() => $s->on('receive', 'no_such_function'),
    fn() => $s->on('receive', [new stdClass, 'nope']),
    fn() => $s->on(['receive'], 'strlen'),
    fn() => $s->send('1', []),
    fn() => $s->send(new stdClass, 'x'),
    fn() => $s->close('one'),
    fn() => $s->exist([]),
    fn() => $s->getClientInfo('x'),
    fn() => $s->getClientList(0, 'ten'),
    fn() => $s->task('x', 'one'),
    fn() => $s->task('x', -1, 'no_such_function'),
    fn() => $s->taskwait('x', 'soon'),
    fn() => $s->sendMessage('hi'),
    fn() => $s->reload([]),
    fn() => $s->stop([]),
    fn() => $s->tick(1000),
    fn() => $s->after('soon', 'strlen'),
    fn() => Swoole\Timer::tick(10, 42),
    fn() => Swoole\Timer::clear('x'),
    fn() => swoole_strerror('x'),
    fn() => swoole_set_process_name([]),
    fn() => new Swoole\Server('127.0.0.1', 0, 7),
    fn() => new Swoole\Server('127.0.0.1', 70000),
];
foreach ($calls as $call) {
    try {
        $call();
        echo "no error\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
// strict_types is the caller's choice, as for any internal function.
var_dump($s->getClientList('0', '10'));
?>
--EXPECTF--
TypeError: Swoole\Server::__construct(): Argument #2 ($port) must be of type int, string given
TypeError: Swoole\Server::__construct(): Argument #1 ($host) must be of type string, array given
TypeError: Swoole\Server::set(): Argument #1 ($settings) must be of type array, string given
ArgumentCountError: Swoole\Server::on() expects exactly 2 arguments, 1 given
TypeError: Swoole\Server::on(): Argument #2 ($callback) must be a valid callback, function "no_such_function" not found or invalid function name
TypeError: Swoole\Server::on(): Argument #2 ($callback) must be a valid callback, class stdClass does not have a method "nope"
TypeError: Swoole\Server::on(): Argument #1 ($event_name) must be of type string, array given
TypeError: Swoole\Server::send(): Argument #2 ($send_data) must be of type string, array given
TypeError: Swoole\Server::send(): Argument #1 ($fd) must be of type string|int, stdClass given
TypeError: Swoole\Server::close(): Argument #1 ($fd) must be of type int, string given
TypeError: Swoole\Server::exist(): Argument #1 ($fd) must be of type int, array given
TypeError: Swoole\Server::getClientInfo(): Argument #1 ($fd) must be of type int, string given
TypeError: Swoole\Server::getClientList(): Argument #2 ($find_count) must be of type int, string given
TypeError: Swoole\Server::task(): Argument #2 ($taskWorkerIndex) must be of type int, string given
TypeError: Swoole\Server::task(): Argument #3 ($finishCallback) must be a valid callback or null, function "no_such_function" not found or invalid function name
TypeError: Swoole\Server::taskwait(): Argument #2 ($timeout) must be of type float, string given
ArgumentCountError: Swoole\Server::sendMessage() expects exactly 2 arguments, 1 given
TypeError: Swoole\Server::reload(): Argument #1 ($only_reload_taskworker) must be of type bool, array given
TypeError: Swoole\Server::stop(): Argument #1 ($workerId) must be of type int, array given
ArgumentCountError: Swoole\Server::tick() expects at least 2 arguments, 1 given
TypeError: Swoole\Server::after(): Argument #1 ($ms) must be of type int, string given
TypeError: Swoole\Timer::tick(): Argument #2 ($callback) must be a valid callback, no array or string given
TypeError: Swoole\Timer::clear(): Argument #1 ($timer_id) must be of type int, string given
TypeError: swoole_strerror(): Argument #1 ($errno) must be of type int, string given
TypeError: swoole_set_process_name(): Argument #1 ($process_name) must be of type string, array given
Error: invalid $mode parameters 7
ValueError: Swoole\Server::__construct(): Argument #2 ($port) must be between 0 and 65535

Warning: Swoole\Server::getClientList(): server is not running in %s on line %d
bool(false)
