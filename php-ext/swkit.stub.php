<?php

/**
 * Signatures of the swkit extension: Swoole\Server on swkit core. swkit_arginfo.h is generated
 * from this file (cmake --build <dir> --target swkit_php_arginfo) and committed.
 *
 * @generate-class-entries
 */

namespace {
    function swoole_cpu_num(): int {}

    function swoole_last_error(): int {}

    function swoole_strerror(int $errno, int $error_type = SWOOLE_STRERROR_SYSTEM): string {}

    function swoole_errno(): int {}

    function swoole_clear_error(): void {}

    function swoole_set_process_name(string $process_name): bool {}

    function swoole_timer_tick(int $ms, callable $callback, mixed ...$params): int|false {}

    function swoole_timer_after(int $ms, callable $callback, mixed ...$params): int|false {}

    function swoole_timer_exists(int $timer_id): bool {}

    function swoole_timer_clear(int $timer_id): bool {}

    function swoole_timer_clear_all(): bool {}

    function swoole_event_defer(callable $callback): bool {}

    function swoole_event_wait(): void {}

    /** Swoole's short name for Swoole\Coroutine::create(). */
    function go(callable $func, mixed ...$params): int|false {}
}

namespace Swoole {
    /** Scripts keep their own state on the server object ($serv->fdlist in the seed's bind() example). */
    #[\AllowDynamicProperties]
    class Server
    {
        public ?array $setting = null;
        public string $host = '';
        public int $port = 0;
        public int $type = 0;
        public int $mode = 0;
        public int $master_pid = 0;
        public int $manager_pid = 0;
        public int $worker_id = -1;
        public bool $taskworker = false;
        public int $worker_pid = 0;
        public ?Connection\Iterator $connections = null;
        /** Swoole\Server\Port objects: the primary port first, then addListener()'s. */
        public array $ports = [];

        public function __construct(string $host = '0.0.0.0', int $port = 0, int $mode = SWOOLE_PROCESS, int $sock_type = SWOOLE_SOCK_TCP) {}

        public function set(array $settings): bool {}

        public function on(string $event_name, callable $callback): bool {}

        public function getCallback(string $event_name): \Closure|string|null|array {}

        public function getSocket(): \Socket|false {}

        public function addListener(string $host, int $port, int $sock_type): false|Server\Port {}

        /** @implementation-alias Swoole\Server::addListener */
        public function listen(string $host, int $port, int $sock_type): false|Server\Port {}

        public function addProcess(Process $process): int {}

        public function addCommand(string $name, int $accepted_process_types, callable $callback): bool {}

        public function start(): bool {}

        public function sendto(string $ip, int $port, string $send_data, int $server_socket = -1): bool {}

        public function send(int|string $fd, string $send_data, int $serverSocket = -1): bool {}

        public function close(int $fd, bool $reset = false): bool {}

        public function exist(int $fd): bool {}

        public function pause(int $fd): bool {}

        public function resume(int $fd): bool {}

        public function protect(int $fd, bool $is_protected = true): bool {}

        public function bind(int $fd, int $uid): bool {}

        public function confirm(int $fd): bool {}

        public function sendwait(int $fd, string $send_data): bool {}

        public function sendfile(int $fd, string $filename, int $offset = 0, int $length = 0): bool {}

        /** @implementation-alias Swoole\Server::exist */
        public function exists(int $fd): bool {}

        public function getClientInfo(int $fd, int $reactor_id = -1, bool $ignoreError = false): false|array {}

        /** @implementation-alias Swoole\Server::getClientInfo */
        public function connection_info(int $fd, int $reactor_id = -1, bool $ignoreError = false): false|array {}

        public function getClientList(int $start_fd = 0, int $find_count = 10): false|array {}

        /** @implementation-alias Swoole\Server::getClientList */
        public function connection_list(int $start_fd = 0, int $find_count = 10): false|array {}

        public function heartbeat(bool $ifCloseConnection = true): false|array {}

        public function stats(): array {}

        public function getWorkerId(): int|false {}

        public function getWorkerPid(int $worker_id = -1): int|false {}

        public function getWorkerStatus(int $worker_id = -1): int|false {}

        public function getMasterPid(): int {}

        public function getManagerPid(): int {}

        public function getLastError(): int {}

        public function shutdown(): bool {}

        public function reload(bool $only_reload_taskworker = false): bool {}

        public function stop(int $workerId = -1, bool $waitEvent = false): bool {}

        public function task(mixed $data, int $taskWorkerIndex = -1, ?callable $finishCallback = null): int|false {}

        public function taskwait(mixed $data, float $timeout = 0.5, int $taskWorkerIndex = -1): mixed {}

        public function taskCo(array $tasks, float $timeout = 0.5): false|array {}

        public function taskWaitMulti(array $tasks, float $timeout = 0.5): false|array {}

        public function finish(mixed $data): bool {}

        public function sendMessage(mixed $message, int $dst_worker_id): bool {}

        public function command(string $name, int $process_id, int $process_type, mixed $data, bool $json_decode = true): false|string|array {}

        public function tick(int $ms, callable $callback, mixed ...$params): int|false {}

        public function after(int $ms, callable $callback, mixed ...$params): int|false {}

        public function defer(callable $callback): void {}

        public function clearTimer(int $timer_id): bool {}
    }

    /**
     * A child process running a PHP callable: on its own (start()) or supervised by a server
     * (Server::addProcess()). read()/write() block; exportSocket() gives a socket whose recv()/send()
     * suspend the coroutine when enable_coroutine (the 4th argument) runs the callback in one.
     */
    class Process
    {
        public int $pipe = -1;
        public int $pid = 0;
        public int $id = -1;

        public function __construct(callable $callback, bool $redirect_stdin_and_stdout = false, int $pipe_type = 2, bool $enable_coroutine = false) {}

        public function start(): int|false {}

        public function write(string $data): false|int {}

        public function read(int $size = 8192): false|string {}

        public function exportSocket(): Coroutine\Socket|false {}

        public function close(int $which = 0): bool {}

        public function name(string $process_name): bool {}

        public function exit(int $exit_code = 0): void {}

        public static function kill(int $pid, int $signal_no = 15): bool {}

        public static function signal(int $signal_no, ?callable $callback = null): bool {}

        public static function wait(bool $blocking = true): false|array {}
    }

    /**
     * A blocking TCP/UDP client (Swoole's synchronous client) with EOF and length framing:
     * recv() returns one whole packet when open_eof_check or open_length_check is set.
     */
    class Client
    {
        /** @var int */
        public const MSG_OOB = 1;
        /** @var int */
        public const MSG_PEEK = 2;
        /** @var int */
        public const MSG_DONTWAIT = 64;
        /** @var int */
        public const MSG_WAITALL = 256;

        public int $errCode = 0;
        public string $errMsg = '';
        public int $type = 0;
        public ?array $setting = null;

        public function __construct(int $sock_type, bool $async = false, string $id = '') {}

        public function set(array $settings): bool {}

        public function connect(string $host, int $port = 0, float $timeout = 0.5, int $sock_flag = 0): bool {}

        public function recv(int $size = 65536, int $flag = 0): string|false {}

        public function send(string $data, int $flag = 0): int|false {}

        public function sendto(string $ip, int $port, string $data): bool {}

        public function isConnected(): bool {}

        public function getsockname(): array|false {}

        public function getpeername(): array|false {}

        public function close(bool $force = false): bool {}

        public function shutdown(int $how): bool {}
    }

    /** A 32-bit unsigned counter in shared memory: shared with every process forked after it. */
    class Atomic
    {
        public function __construct(int $value = 0) {}

        public function add(int $add_value = 1): int {}

        public function sub(int $sub_value = 1): int {}

        public function get(): int {}

        public function set(int $value): void {}

        public function cmpset(int $cmp_value, int $new_value): bool {}

        public function wait(float $timeout = 1.0): bool {}

        public function wakeup(int $count = 1): bool {}
    }

    /**
     * Names of the events and options swkit implements, by Swoole's names (the server's settings,
     * enable_coroutine, and Swoole\\Client's open_eof_split and timeout).
     */
    final class Constant
    {
        /** @var string */
        public const EVENT_START = 'start';

        /** @var string */
        public const EVENT_SHUTDOWN = 'shutdown';

        /** @var string */
        public const EVENT_WORKER_START = 'workerStart';

        /** @var string */
        public const EVENT_WORKER_STOP = 'workerStop';

        /** @var string */
        public const EVENT_WORKER_EXIT = 'workerExit';

        /** @var string */
        public const EVENT_WORKER_ERROR = 'workerError';

        /** @var string */
        public const EVENT_MANAGER_START = 'managerStart';

        /** @var string */
        public const EVENT_MANAGER_STOP = 'managerStop';

        /** @var string */
        public const EVENT_BEFORE_RELOAD = 'beforeReload';

        /** @var string */
        public const EVENT_AFTER_RELOAD = 'afterReload';

        /** @var string */
        public const EVENT_CONNECT = 'connect';

        /** @var string */
        public const EVENT_RECEIVE = 'receive';

        /** @var string */
        public const EVENT_CLOSE = 'close';

        /** @var string */
        public const EVENT_TASK = 'task';

        /** @var string */
        public const EVENT_FINISH = 'finish';

        /** @var string */
        public const EVENT_PIPE_MESSAGE = 'pipeMessage';

        /** @var string */
        public const OPTION_REACTOR_NUM = 'reactor_num';

        /** @var string */
        public const OPTION_WORKER_NUM = 'worker_num';

        /** @var string */
        public const OPTION_BACKLOG = 'backlog';

        /** @var string */
        public const OPTION_MAX_CONNECTION = 'max_connection';

        /** @var string */
        public const OPTION_MAX_CONN = 'max_conn';

        /** @var string */
        public const OPTION_DISPATCH_MODE = 'dispatch_mode';

        /** @var string */
        public const OPTION_OPEN_TCP_NODELAY = 'open_tcp_nodelay';

        /** @var string */
        public const OPTION_LOG_FILE = 'log_file';

        /** @var string */
        public const OPTION_LOG_LEVEL = 'log_level';

        /** @var string */
        public const OPTION_PID_FILE = 'pid_file';

        /** @var string */
        public const OPTION_DAEMONIZE = 'daemonize';

        /** @var string */
        public const OPTION_PACKAGE_MAX_LENGTH = 'package_max_length';

        /** @var string */
        public const OPTION_BUFFER_OUTPUT_SIZE = 'buffer_output_size';

        /** @var string */
        public const OPTION_SOCKET_BUFFER_SIZE = 'socket_buffer_size';

        /** @var string */
        public const OPTION_OPEN_LENGTH_CHECK = 'open_length_check';

        /** @var string */
        public const OPTION_PACKAGE_LENGTH_TYPE = 'package_length_type';

        /** @var string */
        public const OPTION_PACKAGE_LENGTH_OFFSET = 'package_length_offset';

        /** @var string */
        public const OPTION_PACKAGE_BODY_OFFSET = 'package_body_offset';

        /** @var string */
        public const OPTION_OPEN_EOF_CHECK = 'open_eof_check';

        /** @var string */
        public const OPTION_OPEN_EOF_SPLIT = 'open_eof_split';

        /** @var string */
        public const OPTION_PACKAGE_EOF = 'package_eof';

        /** @var string */
        public const OPTION_ENABLE_UNSAFE_EVENT = 'enable_unsafe_event';

        /** @var string */
        public const OPTION_ENABLE_DELAY_RECEIVE = 'enable_delay_receive';

        /** @var string */
        public const OPTION_MAX_WAIT_TIME = 'max_wait_time';

        /** @var string */
        public const OPTION_MAX_REQUEST = 'max_request';

        /** @var string */
        public const OPTION_MAX_REQUEST_GRACE = 'max_request_grace';

        /** @var string */
        public const OPTION_RELOAD_ASYNC = 'reload_async';

        /** @var string */
        public const OPTION_TASK_WORKER_NUM = 'task_worker_num';

        /** @var string */
        public const OPTION_TASK_IPC_MODE = 'task_ipc_mode';

        /** @var string */
        public const OPTION_TASK_TMPDIR = 'task_tmpdir';

        /** @var string */
        public const OPTION_TASK_MAX_REQUEST = 'task_max_request';

        /** @var string */
        public const OPTION_TASK_MAX_REQUEST_GRACE = 'task_max_request_grace';

        /** @var string */
        public const OPTION_ENABLE_COROUTINE = 'enable_coroutine';

        /** @var string */
        public const OPTION_TIMEOUT = 'timeout';
    }

    /** Coroutines are PHP Fibers run by the server's worker loop (setting enable_coroutine). */
    final class Coroutine
    {
        public static function create(callable $func, mixed ...$param): int|false {}

        public static function sleep(float $seconds): bool {}

        public static function getCid(): int {}
    }

    /** The event loop of the calling server process (swkit has no loop outside a server yet). */
    final class Event
    {
        public static function defer(callable $callback): bool {}

        public static function wait(): void {}
    }

    final class Timer
    {
        public static function tick(int $ms, callable $callback, mixed ...$params): int|false {}

        public static function after(int $ms, callable $callback, mixed ...$params): int|false {}

        public static function exists(int $timer_id): bool {}

        public static function clear(int $timer_id): bool {}

        public static function clearAll(): bool {}
    }
}

namespace Swoole\Atomic {
    /** A signed 64-bit counter in shared memory. */
    class Long
    {
        public function __construct(int $value = 0) {}

        public function add(int $add_value = 1): int {}

        public function sub(int $sub_value = 1): int {}

        public function get(): int {}

        public function set(int $value): void {}

        public function cmpset(int $cmp_value, int $new_value): bool {}
    }
}

namespace Swoole\Connection {
    /** $server->connections: the connected fds, from shared memory (any process). */
    final class Iterator implements \Iterator, \Countable, \ArrayAccess
    {
        private function __construct() {}

        public function rewind(): void {}

        public function next(): void {}

        public function current(): mixed {}

        public function key(): mixed {}

        public function valid(): bool {}

        public function count(): int {}

        public function offsetExists(mixed $fd): bool {}

        public function offsetGet(mixed $fd): mixed {}

        public function offsetSet(mixed $fd, mixed $value): void {}

        public function offsetUnset(mixed $fd): void {}
    }
}

namespace Swoole\Server {
    /**
     * One listening port ($server->ports, Server::addListener()). The primary port's set() and
     * on() are the server's; another port takes its protocol settings and connect/receive/close/packet.
     */
    final class Port
    {
        public string $host = '';
        public int $port = 0;
        public int $type = 0;
        public int $sock = -1;
        public ?array $setting = null;

        private function __construct() {}

        public function set(array $settings): void {}

        public function on(string $event_name, callable $callback): bool {}

        public function getCallback(string $event_name): \Closure|string|null|array {}

        public function getSocket(): \Socket|false {}
    }
}

namespace Swoole\Coroutine {
    /**
     * A socket whose recv()/send() suspend the running coroutine until it is ready (the server
     * process keeps serving meanwhile); on the main stack they block. Made by
     * Process::exportSocket() for now.
     */
    final class Socket
    {
        public int $fd = -1;
        public int $domain = 0;
        public int $type = 0;
        public int $protocol = 0;
        public int $errCode = 0;
        public string $errMsg = '';

        private function __construct() {}

        public function recv(int $length = 65536, float $timeout = 0): string|false {}

        public function send(string $data, float $timeout = 0): int|false {}

        public function close(): bool {}
    }
}
