/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: cd15b59a1ec35c328655396018ea93b382115394 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_cpu_num, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_swoole_last_error arginfo_swoole_cpu_num

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_strerror, 0, 1, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, errno, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, error_type, IS_LONG, 0, "SWOOLE_STRERROR_SYSTEM")
ZEND_END_ARG_INFO()

#define arginfo_swoole_errno arginfo_swoole_cpu_num

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_clear_error, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_set_process_name, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, process_name, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_swoole_timer_tick, 0, 2, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, ms, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
	ZEND_ARG_VARIADIC_TYPE_INFO(0, params, IS_MIXED, 0)
ZEND_END_ARG_INFO()

#define arginfo_swoole_timer_after arginfo_swoole_timer_tick

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_timer_exists, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, timer_id, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_swoole_timer_clear arginfo_swoole_timer_exists

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_timer_clear_all, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_swoole_event_defer, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

#define arginfo_swoole_event_wait arginfo_swoole_clear_error

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_go, 0, 1, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, func, IS_CALLABLE, 0)
	ZEND_ARG_VARIADIC_TYPE_INFO(0, params, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Swoole_Server___construct, 0, 0, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, host, IS_STRING, 0, "\'0.0.0.0\'")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, port, IS_LONG, 0, "0")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, mode, IS_LONG, 0, "SWOOLE_PROCESS")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, sock_type, IS_LONG, 0, "SWOOLE_SOCK_TCP")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_set, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, settings, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_on, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, event_name, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_TYPE_MASK_EX(arginfo_class_Swoole_Server_getCallback, 0, 1, Closure, MAY_BE_STRING|MAY_BE_NULL|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO(0, event_name, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_TYPE_MASK_EX(arginfo_class_Swoole_Server_getSocket, 0, 0, Socket, MAY_BE_FALSE)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_TYPE_MASK_EX(arginfo_class_Swoole_Server_addListener, 0, 3, Swoole\\Server\\Port, MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, host, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, port, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, sock_type, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_listen arginfo_class_Swoole_Server_addListener

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_addProcess, 0, 1, IS_LONG, 0)
	ZEND_ARG_OBJ_INFO(0, process, Swoole\\Process, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_addCommand, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, name, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, accepted_process_types, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_start arginfo_swoole_timer_clear_all

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_sendto, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, ip, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, port, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, send_data, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, server_socket, IS_LONG, 0, "-1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_send, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_MASK(0, fd, MAY_BE_LONG|MAY_BE_STRING, NULL)
	ZEND_ARG_TYPE_INFO(0, send_data, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, serverSocket, IS_LONG, 0, "-1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_close, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, reset, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_exist, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_pause arginfo_class_Swoole_Server_exist

#define arginfo_class_Swoole_Server_resume arginfo_class_Swoole_Server_exist

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_protect, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, is_protected, _IS_BOOL, 0, "true")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_bind, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, uid, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_confirm arginfo_class_Swoole_Server_exist

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_sendwait, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, send_data, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_sendfile, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, filename, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, offset, IS_LONG, 0, "0")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, length, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_exists arginfo_class_Swoole_Server_exist

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_getClientInfo, 0, 1, MAY_BE_FALSE|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO(0, fd, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, reactor_id, IS_LONG, 0, "-1")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ignoreError, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_connection_info arginfo_class_Swoole_Server_getClientInfo

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_getClientList, 0, 0, MAY_BE_FALSE|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, start_fd, IS_LONG, 0, "0")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, find_count, IS_LONG, 0, "10")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_connection_list arginfo_class_Swoole_Server_getClientList

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_heartbeat, 0, 0, MAY_BE_FALSE|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ifCloseConnection, _IS_BOOL, 0, "true")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_stats, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_getWorkerId, 0, 0, MAY_BE_LONG|MAY_BE_FALSE)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_getWorkerPid, 0, 0, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, worker_id, IS_LONG, 0, "-1")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_getWorkerStatus arginfo_class_Swoole_Server_getWorkerPid

#define arginfo_class_Swoole_Server_getMasterPid arginfo_swoole_cpu_num

#define arginfo_class_Swoole_Server_getManagerPid arginfo_swoole_cpu_num

#define arginfo_class_Swoole_Server_getLastError arginfo_swoole_cpu_num

#define arginfo_class_Swoole_Server_shutdown arginfo_swoole_timer_clear_all

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_reload, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, only_reload_taskworker, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_stop, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, workerId, IS_LONG, 0, "-1")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, waitEvent, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_task, 0, 1, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, data, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, taskWorkerIndex, IS_LONG, 0, "-1")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, finishCallback, IS_CALLABLE, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_taskwait, 0, 1, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, data, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0.5")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, taskWorkerIndex, IS_LONG, 0, "-1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_taskCo, 0, 1, MAY_BE_FALSE|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO(0, tasks, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0.5")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_taskWaitMulti arginfo_class_Swoole_Server_taskCo

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_finish, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, data, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_sendMessage, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, dst_worker_id, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Server_command, 0, 4, MAY_BE_FALSE|MAY_BE_STRING|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO(0, name, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, process_id, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, process_type, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, data, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, json_decode, _IS_BOOL, 0, "true")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_tick arginfo_swoole_timer_tick

#define arginfo_class_Swoole_Server_after arginfo_swoole_timer_tick

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_defer, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_clearTimer arginfo_swoole_timer_exists

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Swoole_Process___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, redirect_stdin_and_stdout, _IS_BOOL, 0, "false")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, pipe_type, IS_LONG, 0, "2")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, enable_coroutine, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Process_start arginfo_class_Swoole_Server_getWorkerId

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Process_write, 0, 1, MAY_BE_FALSE|MAY_BE_LONG)
	ZEND_ARG_TYPE_INFO(0, data, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Process_read, 0, 0, MAY_BE_FALSE|MAY_BE_STRING)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, size, IS_LONG, 0, "8192")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_TYPE_MASK_EX(arginfo_class_Swoole_Process_exportSocket, 0, 0, Swoole\\Coroutine\\Socket, MAY_BE_FALSE)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Process_close, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, which, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Process_name arginfo_swoole_set_process_name

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Process_exit, 0, 0, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, exit_code, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Process_kill, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, pid, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, signal_no, IS_LONG, 0, "15")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Process_signal, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, signal_no, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, callback, IS_CALLABLE, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Process_wait, 0, 0, MAY_BE_FALSE|MAY_BE_ARRAY)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, blocking, _IS_BOOL, 0, "true")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Swoole_Client___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, sock_type, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, async, _IS_BOOL, 0, "false")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, id, IS_STRING, 0, "\'\'")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Client_set arginfo_class_Swoole_Server_set

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Client_connect, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, host, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, port, IS_LONG, 0, "0")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0.5")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, sock_flag, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Client_recv, 0, 0, MAY_BE_STRING|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, size, IS_LONG, 0, "65536")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, flag, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Client_send, 0, 1, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, data, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, flag, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Client_sendto, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, ip, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, port, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, data, IS_STRING, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Client_isConnected arginfo_swoole_timer_clear_all

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Client_getsockname, 0, 0, MAY_BE_ARRAY|MAY_BE_FALSE)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Client_getpeername arginfo_class_Swoole_Client_getsockname

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Client_close, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, force, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Client_shutdown, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, how, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Swoole_Atomic___construct, 0, 0, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, value, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_add, 0, 0, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, add_value, IS_LONG, 0, "1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_sub, 0, 0, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, sub_value, IS_LONG, 0, "1")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Atomic_get arginfo_swoole_cpu_num

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_set, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, value, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_cmpset, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, cmp_value, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, new_value, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_wait, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "1.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Atomic_wakeup, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, count, IS_LONG, 0, "1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Coroutine_create, 0, 1, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, func, IS_CALLABLE, 0)
	ZEND_ARG_VARIADIC_TYPE_INFO(0, param, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Coroutine_sleep, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, seconds, IS_DOUBLE, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Coroutine_getCid arginfo_swoole_cpu_num

#define arginfo_class_Swoole_Event_defer arginfo_swoole_event_defer

#define arginfo_class_Swoole_Event_wait arginfo_swoole_clear_error

#define arginfo_class_Swoole_Timer_tick arginfo_swoole_timer_tick

#define arginfo_class_Swoole_Timer_after arginfo_swoole_timer_tick

#define arginfo_class_Swoole_Timer_exists arginfo_swoole_timer_exists

#define arginfo_class_Swoole_Timer_clear arginfo_swoole_timer_exists

#define arginfo_class_Swoole_Timer_clearAll arginfo_swoole_timer_clear_all

#define arginfo_class_Swoole_Atomic_Long___construct arginfo_class_Swoole_Atomic___construct

#define arginfo_class_Swoole_Atomic_Long_add arginfo_class_Swoole_Atomic_add

#define arginfo_class_Swoole_Atomic_Long_sub arginfo_class_Swoole_Atomic_sub

#define arginfo_class_Swoole_Atomic_Long_get arginfo_swoole_cpu_num

#define arginfo_class_Swoole_Atomic_Long_set arginfo_class_Swoole_Atomic_set

#define arginfo_class_Swoole_Atomic_Long_cmpset arginfo_class_Swoole_Atomic_cmpset

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Swoole_Connection_Iterator___construct, 0, 0, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Connection_Iterator_rewind arginfo_swoole_clear_error

#define arginfo_class_Swoole_Connection_Iterator_next arginfo_swoole_clear_error

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Connection_Iterator_current, 0, 0, IS_MIXED, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Connection_Iterator_key arginfo_class_Swoole_Connection_Iterator_current

#define arginfo_class_Swoole_Connection_Iterator_valid arginfo_swoole_timer_clear_all

#define arginfo_class_Swoole_Connection_Iterator_count arginfo_swoole_cpu_num

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Connection_Iterator_offsetExists, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Connection_Iterator_offsetGet, 0, 1, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Connection_Iterator_offsetSet, 0, 2, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, value, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Connection_Iterator_offsetUnset, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, fd, IS_MIXED, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_Port___construct arginfo_class_Swoole_Connection_Iterator___construct

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Swoole_Server_Port_set, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, settings, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Server_Port_on arginfo_class_Swoole_Server_on

#define arginfo_class_Swoole_Server_Port_getCallback arginfo_class_Swoole_Server_getCallback

#define arginfo_class_Swoole_Server_Port_getSocket arginfo_class_Swoole_Server_getSocket

#define arginfo_class_Swoole_Coroutine_Socket___construct arginfo_class_Swoole_Connection_Iterator___construct

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Coroutine_Socket_recv, 0, 0, MAY_BE_STRING|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, length, IS_LONG, 0, "65536")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Swoole_Coroutine_Socket_send, 0, 1, MAY_BE_LONG|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, data, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0")
ZEND_END_ARG_INFO()

#define arginfo_class_Swoole_Coroutine_Socket_close arginfo_swoole_timer_clear_all


ZEND_FUNCTION(swoole_cpu_num);
ZEND_FUNCTION(swoole_last_error);
ZEND_FUNCTION(swoole_strerror);
ZEND_FUNCTION(swoole_errno);
ZEND_FUNCTION(swoole_clear_error);
ZEND_FUNCTION(swoole_set_process_name);
ZEND_FUNCTION(swoole_timer_tick);
ZEND_FUNCTION(swoole_timer_after);
ZEND_FUNCTION(swoole_timer_exists);
ZEND_FUNCTION(swoole_timer_clear);
ZEND_FUNCTION(swoole_timer_clear_all);
ZEND_FUNCTION(swoole_event_defer);
ZEND_FUNCTION(swoole_event_wait);
ZEND_FUNCTION(go);
ZEND_METHOD(Swoole_Server, __construct);
ZEND_METHOD(Swoole_Server, set);
ZEND_METHOD(Swoole_Server, on);
ZEND_METHOD(Swoole_Server, getCallback);
ZEND_METHOD(Swoole_Server, getSocket);
ZEND_METHOD(Swoole_Server, addListener);
ZEND_METHOD(Swoole_Server, addProcess);
ZEND_METHOD(Swoole_Server, addCommand);
ZEND_METHOD(Swoole_Server, start);
ZEND_METHOD(Swoole_Server, sendto);
ZEND_METHOD(Swoole_Server, send);
ZEND_METHOD(Swoole_Server, close);
ZEND_METHOD(Swoole_Server, exist);
ZEND_METHOD(Swoole_Server, pause);
ZEND_METHOD(Swoole_Server, resume);
ZEND_METHOD(Swoole_Server, protect);
ZEND_METHOD(Swoole_Server, bind);
ZEND_METHOD(Swoole_Server, confirm);
ZEND_METHOD(Swoole_Server, sendwait);
ZEND_METHOD(Swoole_Server, sendfile);
ZEND_METHOD(Swoole_Server, getClientInfo);
ZEND_METHOD(Swoole_Server, getClientList);
ZEND_METHOD(Swoole_Server, heartbeat);
ZEND_METHOD(Swoole_Server, stats);
ZEND_METHOD(Swoole_Server, getWorkerId);
ZEND_METHOD(Swoole_Server, getWorkerPid);
ZEND_METHOD(Swoole_Server, getWorkerStatus);
ZEND_METHOD(Swoole_Server, getMasterPid);
ZEND_METHOD(Swoole_Server, getManagerPid);
ZEND_METHOD(Swoole_Server, getLastError);
ZEND_METHOD(Swoole_Server, shutdown);
ZEND_METHOD(Swoole_Server, reload);
ZEND_METHOD(Swoole_Server, stop);
ZEND_METHOD(Swoole_Server, task);
ZEND_METHOD(Swoole_Server, taskwait);
ZEND_METHOD(Swoole_Server, taskCo);
ZEND_METHOD(Swoole_Server, taskWaitMulti);
ZEND_METHOD(Swoole_Server, finish);
ZEND_METHOD(Swoole_Server, sendMessage);
ZEND_METHOD(Swoole_Server, command);
ZEND_METHOD(Swoole_Server, tick);
ZEND_METHOD(Swoole_Server, after);
ZEND_METHOD(Swoole_Server, defer);
ZEND_METHOD(Swoole_Server, clearTimer);
ZEND_METHOD(Swoole_Process, __construct);
ZEND_METHOD(Swoole_Process, start);
ZEND_METHOD(Swoole_Process, write);
ZEND_METHOD(Swoole_Process, read);
ZEND_METHOD(Swoole_Process, exportSocket);
ZEND_METHOD(Swoole_Process, close);
ZEND_METHOD(Swoole_Process, name);
ZEND_METHOD(Swoole_Process, exit);
ZEND_METHOD(Swoole_Process, kill);
ZEND_METHOD(Swoole_Process, signal);
ZEND_METHOD(Swoole_Process, wait);
ZEND_METHOD(Swoole_Client, __construct);
ZEND_METHOD(Swoole_Client, set);
ZEND_METHOD(Swoole_Client, connect);
ZEND_METHOD(Swoole_Client, recv);
ZEND_METHOD(Swoole_Client, send);
ZEND_METHOD(Swoole_Client, sendto);
ZEND_METHOD(Swoole_Client, isConnected);
ZEND_METHOD(Swoole_Client, getsockname);
ZEND_METHOD(Swoole_Client, getpeername);
ZEND_METHOD(Swoole_Client, close);
ZEND_METHOD(Swoole_Client, shutdown);
ZEND_METHOD(Swoole_Atomic, __construct);
ZEND_METHOD(Swoole_Atomic, add);
ZEND_METHOD(Swoole_Atomic, sub);
ZEND_METHOD(Swoole_Atomic, get);
ZEND_METHOD(Swoole_Atomic, set);
ZEND_METHOD(Swoole_Atomic, cmpset);
ZEND_METHOD(Swoole_Atomic, wait);
ZEND_METHOD(Swoole_Atomic, wakeup);
ZEND_METHOD(Swoole_Coroutine, create);
ZEND_METHOD(Swoole_Coroutine, sleep);
ZEND_METHOD(Swoole_Coroutine, getCid);
ZEND_METHOD(Swoole_Event, defer);
ZEND_METHOD(Swoole_Event, wait);
ZEND_METHOD(Swoole_Timer, tick);
ZEND_METHOD(Swoole_Timer, after);
ZEND_METHOD(Swoole_Timer, exists);
ZEND_METHOD(Swoole_Timer, clear);
ZEND_METHOD(Swoole_Timer, clearAll);
ZEND_METHOD(Swoole_Atomic_Long, __construct);
ZEND_METHOD(Swoole_Atomic_Long, add);
ZEND_METHOD(Swoole_Atomic_Long, sub);
ZEND_METHOD(Swoole_Atomic_Long, get);
ZEND_METHOD(Swoole_Atomic_Long, set);
ZEND_METHOD(Swoole_Atomic_Long, cmpset);
ZEND_METHOD(Swoole_Connection_Iterator, __construct);
ZEND_METHOD(Swoole_Connection_Iterator, rewind);
ZEND_METHOD(Swoole_Connection_Iterator, next);
ZEND_METHOD(Swoole_Connection_Iterator, current);
ZEND_METHOD(Swoole_Connection_Iterator, key);
ZEND_METHOD(Swoole_Connection_Iterator, valid);
ZEND_METHOD(Swoole_Connection_Iterator, count);
ZEND_METHOD(Swoole_Connection_Iterator, offsetExists);
ZEND_METHOD(Swoole_Connection_Iterator, offsetGet);
ZEND_METHOD(Swoole_Connection_Iterator, offsetSet);
ZEND_METHOD(Swoole_Connection_Iterator, offsetUnset);
ZEND_METHOD(Swoole_Server_Port, __construct);
ZEND_METHOD(Swoole_Server_Port, set);
ZEND_METHOD(Swoole_Server_Port, on);
ZEND_METHOD(Swoole_Server_Port, getCallback);
ZEND_METHOD(Swoole_Server_Port, getSocket);
ZEND_METHOD(Swoole_Coroutine_Socket, __construct);
ZEND_METHOD(Swoole_Coroutine_Socket, recv);
ZEND_METHOD(Swoole_Coroutine_Socket, send);
ZEND_METHOD(Swoole_Coroutine_Socket, close);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(swoole_cpu_num, arginfo_swoole_cpu_num)
	ZEND_FE(swoole_last_error, arginfo_swoole_last_error)
	ZEND_FE(swoole_strerror, arginfo_swoole_strerror)
	ZEND_FE(swoole_errno, arginfo_swoole_errno)
	ZEND_FE(swoole_clear_error, arginfo_swoole_clear_error)
	ZEND_FE(swoole_set_process_name, arginfo_swoole_set_process_name)
	ZEND_FE(swoole_timer_tick, arginfo_swoole_timer_tick)
	ZEND_FE(swoole_timer_after, arginfo_swoole_timer_after)
	ZEND_FE(swoole_timer_exists, arginfo_swoole_timer_exists)
	ZEND_FE(swoole_timer_clear, arginfo_swoole_timer_clear)
	ZEND_FE(swoole_timer_clear_all, arginfo_swoole_timer_clear_all)
	ZEND_FE(swoole_event_defer, arginfo_swoole_event_defer)
	ZEND_FE(swoole_event_wait, arginfo_swoole_event_wait)
	ZEND_FE(go, arginfo_go)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Server_methods[] = {
	ZEND_ME(Swoole_Server, __construct, arginfo_class_Swoole_Server___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, set, arginfo_class_Swoole_Server_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, on, arginfo_class_Swoole_Server_on, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getCallback, arginfo_class_Swoole_Server_getCallback, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getSocket, arginfo_class_Swoole_Server_getSocket, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, addListener, arginfo_class_Swoole_Server_addListener, ZEND_ACC_PUBLIC)
	ZEND_MALIAS(Swoole_Server, listen, addListener, arginfo_class_Swoole_Server_listen, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, addProcess, arginfo_class_Swoole_Server_addProcess, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, addCommand, arginfo_class_Swoole_Server_addCommand, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, start, arginfo_class_Swoole_Server_start, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, sendto, arginfo_class_Swoole_Server_sendto, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, send, arginfo_class_Swoole_Server_send, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, close, arginfo_class_Swoole_Server_close, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, exist, arginfo_class_Swoole_Server_exist, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, pause, arginfo_class_Swoole_Server_pause, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, resume, arginfo_class_Swoole_Server_resume, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, protect, arginfo_class_Swoole_Server_protect, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, bind, arginfo_class_Swoole_Server_bind, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, confirm, arginfo_class_Swoole_Server_confirm, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, sendwait, arginfo_class_Swoole_Server_sendwait, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, sendfile, arginfo_class_Swoole_Server_sendfile, ZEND_ACC_PUBLIC)
	ZEND_MALIAS(Swoole_Server, exists, exist, arginfo_class_Swoole_Server_exists, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getClientInfo, arginfo_class_Swoole_Server_getClientInfo, ZEND_ACC_PUBLIC)
	ZEND_MALIAS(Swoole_Server, connection_info, getClientInfo, arginfo_class_Swoole_Server_connection_info, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getClientList, arginfo_class_Swoole_Server_getClientList, ZEND_ACC_PUBLIC)
	ZEND_MALIAS(Swoole_Server, connection_list, getClientList, arginfo_class_Swoole_Server_connection_list, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, heartbeat, arginfo_class_Swoole_Server_heartbeat, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, stats, arginfo_class_Swoole_Server_stats, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getWorkerId, arginfo_class_Swoole_Server_getWorkerId, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getWorkerPid, arginfo_class_Swoole_Server_getWorkerPid, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getWorkerStatus, arginfo_class_Swoole_Server_getWorkerStatus, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getMasterPid, arginfo_class_Swoole_Server_getMasterPid, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getManagerPid, arginfo_class_Swoole_Server_getManagerPid, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, getLastError, arginfo_class_Swoole_Server_getLastError, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, shutdown, arginfo_class_Swoole_Server_shutdown, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, reload, arginfo_class_Swoole_Server_reload, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, stop, arginfo_class_Swoole_Server_stop, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, task, arginfo_class_Swoole_Server_task, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, taskwait, arginfo_class_Swoole_Server_taskwait, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, taskCo, arginfo_class_Swoole_Server_taskCo, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, taskWaitMulti, arginfo_class_Swoole_Server_taskWaitMulti, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, finish, arginfo_class_Swoole_Server_finish, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, sendMessage, arginfo_class_Swoole_Server_sendMessage, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, command, arginfo_class_Swoole_Server_command, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, tick, arginfo_class_Swoole_Server_tick, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, after, arginfo_class_Swoole_Server_after, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, defer, arginfo_class_Swoole_Server_defer, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server, clearTimer, arginfo_class_Swoole_Server_clearTimer, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Process_methods[] = {
	ZEND_ME(Swoole_Process, __construct, arginfo_class_Swoole_Process___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, start, arginfo_class_Swoole_Process_start, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, write, arginfo_class_Swoole_Process_write, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, read, arginfo_class_Swoole_Process_read, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, exportSocket, arginfo_class_Swoole_Process_exportSocket, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, close, arginfo_class_Swoole_Process_close, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, name, arginfo_class_Swoole_Process_name, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, exit, arginfo_class_Swoole_Process_exit, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Process, kill, arginfo_class_Swoole_Process_kill, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Process, signal, arginfo_class_Swoole_Process_signal, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Process, wait, arginfo_class_Swoole_Process_wait, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Client_methods[] = {
	ZEND_ME(Swoole_Client, __construct, arginfo_class_Swoole_Client___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, set, arginfo_class_Swoole_Client_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, connect, arginfo_class_Swoole_Client_connect, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, recv, arginfo_class_Swoole_Client_recv, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, send, arginfo_class_Swoole_Client_send, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, sendto, arginfo_class_Swoole_Client_sendto, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, isConnected, arginfo_class_Swoole_Client_isConnected, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, getsockname, arginfo_class_Swoole_Client_getsockname, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, getpeername, arginfo_class_Swoole_Client_getpeername, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, close, arginfo_class_Swoole_Client_close, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Client, shutdown, arginfo_class_Swoole_Client_shutdown, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Atomic_methods[] = {
	ZEND_ME(Swoole_Atomic, __construct, arginfo_class_Swoole_Atomic___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, add, arginfo_class_Swoole_Atomic_add, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, sub, arginfo_class_Swoole_Atomic_sub, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, get, arginfo_class_Swoole_Atomic_get, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, set, arginfo_class_Swoole_Atomic_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, cmpset, arginfo_class_Swoole_Atomic_cmpset, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, wait, arginfo_class_Swoole_Atomic_wait, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic, wakeup, arginfo_class_Swoole_Atomic_wakeup, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Constant_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Coroutine_methods[] = {
	ZEND_ME(Swoole_Coroutine, create, arginfo_class_Swoole_Coroutine_create, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Coroutine, sleep, arginfo_class_Swoole_Coroutine_sleep, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Coroutine, getCid, arginfo_class_Swoole_Coroutine_getCid, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Event_methods[] = {
	ZEND_ME(Swoole_Event, defer, arginfo_class_Swoole_Event_defer, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Event, wait, arginfo_class_Swoole_Event_wait, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Timer_methods[] = {
	ZEND_ME(Swoole_Timer, tick, arginfo_class_Swoole_Timer_tick, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Timer, after, arginfo_class_Swoole_Timer_after, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Timer, exists, arginfo_class_Swoole_Timer_exists, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Timer, clear, arginfo_class_Swoole_Timer_clear, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Swoole_Timer, clearAll, arginfo_class_Swoole_Timer_clearAll, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Atomic_Long_methods[] = {
	ZEND_ME(Swoole_Atomic_Long, __construct, arginfo_class_Swoole_Atomic_Long___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic_Long, add, arginfo_class_Swoole_Atomic_Long_add, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic_Long, sub, arginfo_class_Swoole_Atomic_Long_sub, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic_Long, get, arginfo_class_Swoole_Atomic_Long_get, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic_Long, set, arginfo_class_Swoole_Atomic_Long_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Atomic_Long, cmpset, arginfo_class_Swoole_Atomic_Long_cmpset, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Connection_Iterator_methods[] = {
	ZEND_ME(Swoole_Connection_Iterator, __construct, arginfo_class_Swoole_Connection_Iterator___construct, ZEND_ACC_PRIVATE)
	ZEND_ME(Swoole_Connection_Iterator, rewind, arginfo_class_Swoole_Connection_Iterator_rewind, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, next, arginfo_class_Swoole_Connection_Iterator_next, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, current, arginfo_class_Swoole_Connection_Iterator_current, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, key, arginfo_class_Swoole_Connection_Iterator_key, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, valid, arginfo_class_Swoole_Connection_Iterator_valid, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, count, arginfo_class_Swoole_Connection_Iterator_count, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, offsetExists, arginfo_class_Swoole_Connection_Iterator_offsetExists, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, offsetGet, arginfo_class_Swoole_Connection_Iterator_offsetGet, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, offsetSet, arginfo_class_Swoole_Connection_Iterator_offsetSet, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Connection_Iterator, offsetUnset, arginfo_class_Swoole_Connection_Iterator_offsetUnset, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Server_Port_methods[] = {
	ZEND_ME(Swoole_Server_Port, __construct, arginfo_class_Swoole_Server_Port___construct, ZEND_ACC_PRIVATE)
	ZEND_ME(Swoole_Server_Port, set, arginfo_class_Swoole_Server_Port_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server_Port, on, arginfo_class_Swoole_Server_Port_on, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server_Port, getCallback, arginfo_class_Swoole_Server_Port_getCallback, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Server_Port, getSocket, arginfo_class_Swoole_Server_Port_getSocket, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Swoole_Coroutine_Socket_methods[] = {
	ZEND_ME(Swoole_Coroutine_Socket, __construct, arginfo_class_Swoole_Coroutine_Socket___construct, ZEND_ACC_PRIVATE)
	ZEND_ME(Swoole_Coroutine_Socket, recv, arginfo_class_Swoole_Coroutine_Socket_recv, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Coroutine_Socket, send, arginfo_class_Swoole_Coroutine_Socket_send, ZEND_ACC_PUBLIC)
	ZEND_ME(Swoole_Coroutine_Socket, close, arginfo_class_Swoole_Coroutine_Socket_close, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};

static zend_class_entry *register_class_Swoole_Server(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Server", class_Swoole_Server_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_ALLOW_DYNAMIC_PROPERTIES;

	zval property_setting_default_value;
	ZVAL_NULL(&property_setting_default_value);
	zend_string *property_setting_name = zend_string_init("setting", sizeof("setting") - 1, 1);
	zend_declare_typed_property(class_entry, property_setting_name, &property_setting_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_ARRAY|MAY_BE_NULL));
	zend_string_release(property_setting_name);

	zval property_host_default_value;
	ZVAL_EMPTY_STRING(&property_host_default_value);
	zend_string *property_host_name = zend_string_init("host", sizeof("host") - 1, 1);
	zend_declare_typed_property(class_entry, property_host_name, &property_host_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_host_name);

	zval property_port_default_value;
	ZVAL_LONG(&property_port_default_value, 0);
	zend_string *property_port_name = zend_string_init("port", sizeof("port") - 1, 1);
	zend_declare_typed_property(class_entry, property_port_name, &property_port_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_port_name);

	zval property_type_default_value;
	ZVAL_LONG(&property_type_default_value, 0);
	zend_string *property_type_name = zend_string_init("type", sizeof("type") - 1, 1);
	zend_declare_typed_property(class_entry, property_type_name, &property_type_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_type_name);

	zval property_mode_default_value;
	ZVAL_LONG(&property_mode_default_value, 0);
	zend_string *property_mode_name = zend_string_init("mode", sizeof("mode") - 1, 1);
	zend_declare_typed_property(class_entry, property_mode_name, &property_mode_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_mode_name);

	zval property_master_pid_default_value;
	ZVAL_LONG(&property_master_pid_default_value, 0);
	zend_string *property_master_pid_name = zend_string_init("master_pid", sizeof("master_pid") - 1, 1);
	zend_declare_typed_property(class_entry, property_master_pid_name, &property_master_pid_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_master_pid_name);

	zval property_manager_pid_default_value;
	ZVAL_LONG(&property_manager_pid_default_value, 0);
	zend_string *property_manager_pid_name = zend_string_init("manager_pid", sizeof("manager_pid") - 1, 1);
	zend_declare_typed_property(class_entry, property_manager_pid_name, &property_manager_pid_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_manager_pid_name);

	zval property_worker_id_default_value;
	ZVAL_LONG(&property_worker_id_default_value, -1);
	zend_string *property_worker_id_name = zend_string_init("worker_id", sizeof("worker_id") - 1, 1);
	zend_declare_typed_property(class_entry, property_worker_id_name, &property_worker_id_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_worker_id_name);

	zval property_taskworker_default_value;
	ZVAL_FALSE(&property_taskworker_default_value);
	zend_string *property_taskworker_name = zend_string_init("taskworker", sizeof("taskworker") - 1, 1);
	zend_declare_typed_property(class_entry, property_taskworker_name, &property_taskworker_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_BOOL));
	zend_string_release(property_taskworker_name);

	zval property_worker_pid_default_value;
	ZVAL_LONG(&property_worker_pid_default_value, 0);
	zend_string *property_worker_pid_name = zend_string_init("worker_pid", sizeof("worker_pid") - 1, 1);
	zend_declare_typed_property(class_entry, property_worker_pid_name, &property_worker_pid_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_worker_pid_name);

	zend_string *property_connections_class_Swoole_Connection_Iterator = zend_string_init("Swoole\\Connection\\Iterator", sizeof("Swoole\\Connection\\Iterator")-1, 1);
	zval property_connections_default_value;
	ZVAL_NULL(&property_connections_default_value);
	zend_string *property_connections_name = zend_string_init("connections", sizeof("connections") - 1, 1);
	zend_declare_typed_property(class_entry, property_connections_name, &property_connections_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_CLASS(property_connections_class_Swoole_Connection_Iterator, 0, MAY_BE_NULL));
	zend_string_release(property_connections_name);

	zval property_ports_default_value;
	ZVAL_EMPTY_ARRAY(&property_ports_default_value);
	zend_string *property_ports_name = zend_string_init("ports", sizeof("ports") - 1, 1);
	zend_declare_typed_property(class_entry, property_ports_name, &property_ports_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_ARRAY));
	zend_string_release(property_ports_name);

	zend_string *attribute_name_AllowDynamicProperties_class_Swoole_Server = zend_string_init_interned("AllowDynamicProperties", sizeof("AllowDynamicProperties") - 1, 1);
	zend_add_class_attribute(class_entry, attribute_name_AllowDynamicProperties_class_Swoole_Server, 0);
	zend_string_release(attribute_name_AllowDynamicProperties_class_Swoole_Server);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Process(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Process", class_Swoole_Process_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);

	zval property_pipe_default_value;
	ZVAL_LONG(&property_pipe_default_value, -1);
	zend_string *property_pipe_name = zend_string_init("pipe", sizeof("pipe") - 1, 1);
	zend_declare_typed_property(class_entry, property_pipe_name, &property_pipe_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_pipe_name);

	zval property_pid_default_value;
	ZVAL_LONG(&property_pid_default_value, 0);
	zend_string *property_pid_name = zend_string_init("pid", sizeof("pid") - 1, 1);
	zend_declare_typed_property(class_entry, property_pid_name, &property_pid_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_pid_name);

	zval property_id_default_value;
	ZVAL_LONG(&property_id_default_value, -1);
	zend_string *property_id_name = zend_string_init("id", sizeof("id") - 1, 1);
	zend_declare_typed_property(class_entry, property_id_name, &property_id_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_id_name);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Client(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Client", class_Swoole_Client_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);

	zval const_MSG_OOB_value;
	ZVAL_LONG(&const_MSG_OOB_value, 1);
	zend_string *const_MSG_OOB_name = zend_string_init_interned("MSG_OOB", sizeof("MSG_OOB") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_MSG_OOB_name, &const_MSG_OOB_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_MSG_OOB_name);

	zval const_MSG_PEEK_value;
	ZVAL_LONG(&const_MSG_PEEK_value, 2);
	zend_string *const_MSG_PEEK_name = zend_string_init_interned("MSG_PEEK", sizeof("MSG_PEEK") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_MSG_PEEK_name, &const_MSG_PEEK_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_MSG_PEEK_name);

	zval const_MSG_DONTWAIT_value;
	ZVAL_LONG(&const_MSG_DONTWAIT_value, 64);
	zend_string *const_MSG_DONTWAIT_name = zend_string_init_interned("MSG_DONTWAIT", sizeof("MSG_DONTWAIT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_MSG_DONTWAIT_name, &const_MSG_DONTWAIT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_MSG_DONTWAIT_name);

	zval const_MSG_WAITALL_value;
	ZVAL_LONG(&const_MSG_WAITALL_value, 256);
	zend_string *const_MSG_WAITALL_name = zend_string_init_interned("MSG_WAITALL", sizeof("MSG_WAITALL") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_MSG_WAITALL_name, &const_MSG_WAITALL_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_MSG_WAITALL_name);

	zval property_errCode_default_value;
	ZVAL_LONG(&property_errCode_default_value, 0);
	zend_string *property_errCode_name = zend_string_init("errCode", sizeof("errCode") - 1, 1);
	zend_declare_typed_property(class_entry, property_errCode_name, &property_errCode_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_errCode_name);

	zval property_errMsg_default_value;
	ZVAL_EMPTY_STRING(&property_errMsg_default_value);
	zend_string *property_errMsg_name = zend_string_init("errMsg", sizeof("errMsg") - 1, 1);
	zend_declare_typed_property(class_entry, property_errMsg_name, &property_errMsg_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_errMsg_name);

	zval property_type_default_value;
	ZVAL_LONG(&property_type_default_value, 0);
	zend_string *property_type_name = zend_string_init("type", sizeof("type") - 1, 1);
	zend_declare_typed_property(class_entry, property_type_name, &property_type_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_type_name);

	zval property_setting_default_value;
	ZVAL_NULL(&property_setting_default_value);
	zend_string *property_setting_name = zend_string_init("setting", sizeof("setting") - 1, 1);
	zend_declare_typed_property(class_entry, property_setting_name, &property_setting_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_ARRAY|MAY_BE_NULL));
	zend_string_release(property_setting_name);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Atomic(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Atomic", class_Swoole_Atomic_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Constant(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Constant", class_Swoole_Constant_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	zval const_EVENT_START_value;
	zend_string *const_EVENT_START_value_str = zend_string_init("start", strlen("start"), 1);
	ZVAL_STR(&const_EVENT_START_value, const_EVENT_START_value_str);
	zend_string *const_EVENT_START_name = zend_string_init_interned("EVENT_START", sizeof("EVENT_START") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_START_name, &const_EVENT_START_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_START_name);

	zval const_EVENT_SHUTDOWN_value;
	zend_string *const_EVENT_SHUTDOWN_value_str = zend_string_init("shutdown", strlen("shutdown"), 1);
	ZVAL_STR(&const_EVENT_SHUTDOWN_value, const_EVENT_SHUTDOWN_value_str);
	zend_string *const_EVENT_SHUTDOWN_name = zend_string_init_interned("EVENT_SHUTDOWN", sizeof("EVENT_SHUTDOWN") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_SHUTDOWN_name, &const_EVENT_SHUTDOWN_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_SHUTDOWN_name);

	zval const_EVENT_WORKER_START_value;
	zend_string *const_EVENT_WORKER_START_value_str = zend_string_init("workerStart", strlen("workerStart"), 1);
	ZVAL_STR(&const_EVENT_WORKER_START_value, const_EVENT_WORKER_START_value_str);
	zend_string *const_EVENT_WORKER_START_name = zend_string_init_interned("EVENT_WORKER_START", sizeof("EVENT_WORKER_START") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_WORKER_START_name, &const_EVENT_WORKER_START_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_WORKER_START_name);

	zval const_EVENT_WORKER_STOP_value;
	zend_string *const_EVENT_WORKER_STOP_value_str = zend_string_init("workerStop", strlen("workerStop"), 1);
	ZVAL_STR(&const_EVENT_WORKER_STOP_value, const_EVENT_WORKER_STOP_value_str);
	zend_string *const_EVENT_WORKER_STOP_name = zend_string_init_interned("EVENT_WORKER_STOP", sizeof("EVENT_WORKER_STOP") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_WORKER_STOP_name, &const_EVENT_WORKER_STOP_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_WORKER_STOP_name);

	zval const_EVENT_WORKER_EXIT_value;
	zend_string *const_EVENT_WORKER_EXIT_value_str = zend_string_init("workerExit", strlen("workerExit"), 1);
	ZVAL_STR(&const_EVENT_WORKER_EXIT_value, const_EVENT_WORKER_EXIT_value_str);
	zend_string *const_EVENT_WORKER_EXIT_name = zend_string_init_interned("EVENT_WORKER_EXIT", sizeof("EVENT_WORKER_EXIT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_WORKER_EXIT_name, &const_EVENT_WORKER_EXIT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_WORKER_EXIT_name);

	zval const_EVENT_WORKER_ERROR_value;
	zend_string *const_EVENT_WORKER_ERROR_value_str = zend_string_init("workerError", strlen("workerError"), 1);
	ZVAL_STR(&const_EVENT_WORKER_ERROR_value, const_EVENT_WORKER_ERROR_value_str);
	zend_string *const_EVENT_WORKER_ERROR_name = zend_string_init_interned("EVENT_WORKER_ERROR", sizeof("EVENT_WORKER_ERROR") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_WORKER_ERROR_name, &const_EVENT_WORKER_ERROR_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_WORKER_ERROR_name);

	zval const_EVENT_MANAGER_START_value;
	zend_string *const_EVENT_MANAGER_START_value_str = zend_string_init("managerStart", strlen("managerStart"), 1);
	ZVAL_STR(&const_EVENT_MANAGER_START_value, const_EVENT_MANAGER_START_value_str);
	zend_string *const_EVENT_MANAGER_START_name = zend_string_init_interned("EVENT_MANAGER_START", sizeof("EVENT_MANAGER_START") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_MANAGER_START_name, &const_EVENT_MANAGER_START_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_MANAGER_START_name);

	zval const_EVENT_MANAGER_STOP_value;
	zend_string *const_EVENT_MANAGER_STOP_value_str = zend_string_init("managerStop", strlen("managerStop"), 1);
	ZVAL_STR(&const_EVENT_MANAGER_STOP_value, const_EVENT_MANAGER_STOP_value_str);
	zend_string *const_EVENT_MANAGER_STOP_name = zend_string_init_interned("EVENT_MANAGER_STOP", sizeof("EVENT_MANAGER_STOP") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_MANAGER_STOP_name, &const_EVENT_MANAGER_STOP_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_MANAGER_STOP_name);

	zval const_EVENT_BEFORE_RELOAD_value;
	zend_string *const_EVENT_BEFORE_RELOAD_value_str = zend_string_init("beforeReload", strlen("beforeReload"), 1);
	ZVAL_STR(&const_EVENT_BEFORE_RELOAD_value, const_EVENT_BEFORE_RELOAD_value_str);
	zend_string *const_EVENT_BEFORE_RELOAD_name = zend_string_init_interned("EVENT_BEFORE_RELOAD", sizeof("EVENT_BEFORE_RELOAD") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_BEFORE_RELOAD_name, &const_EVENT_BEFORE_RELOAD_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_BEFORE_RELOAD_name);

	zval const_EVENT_AFTER_RELOAD_value;
	zend_string *const_EVENT_AFTER_RELOAD_value_str = zend_string_init("afterReload", strlen("afterReload"), 1);
	ZVAL_STR(&const_EVENT_AFTER_RELOAD_value, const_EVENT_AFTER_RELOAD_value_str);
	zend_string *const_EVENT_AFTER_RELOAD_name = zend_string_init_interned("EVENT_AFTER_RELOAD", sizeof("EVENT_AFTER_RELOAD") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_AFTER_RELOAD_name, &const_EVENT_AFTER_RELOAD_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_AFTER_RELOAD_name);

	zval const_EVENT_CONNECT_value;
	zend_string *const_EVENT_CONNECT_value_str = zend_string_init("connect", strlen("connect"), 1);
	ZVAL_STR(&const_EVENT_CONNECT_value, const_EVENT_CONNECT_value_str);
	zend_string *const_EVENT_CONNECT_name = zend_string_init_interned("EVENT_CONNECT", sizeof("EVENT_CONNECT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_CONNECT_name, &const_EVENT_CONNECT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_CONNECT_name);

	zval const_EVENT_RECEIVE_value;
	zend_string *const_EVENT_RECEIVE_value_str = zend_string_init("receive", strlen("receive"), 1);
	ZVAL_STR(&const_EVENT_RECEIVE_value, const_EVENT_RECEIVE_value_str);
	zend_string *const_EVENT_RECEIVE_name = zend_string_init_interned("EVENT_RECEIVE", sizeof("EVENT_RECEIVE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_RECEIVE_name, &const_EVENT_RECEIVE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_RECEIVE_name);

	zval const_EVENT_CLOSE_value;
	zend_string *const_EVENT_CLOSE_value_str = zend_string_init("close", strlen("close"), 1);
	ZVAL_STR(&const_EVENT_CLOSE_value, const_EVENT_CLOSE_value_str);
	zend_string *const_EVENT_CLOSE_name = zend_string_init_interned("EVENT_CLOSE", sizeof("EVENT_CLOSE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_CLOSE_name, &const_EVENT_CLOSE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_CLOSE_name);

	zval const_EVENT_TASK_value;
	zend_string *const_EVENT_TASK_value_str = zend_string_init("task", strlen("task"), 1);
	ZVAL_STR(&const_EVENT_TASK_value, const_EVENT_TASK_value_str);
	zend_string *const_EVENT_TASK_name = zend_string_init_interned("EVENT_TASK", sizeof("EVENT_TASK") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_TASK_name, &const_EVENT_TASK_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_TASK_name);

	zval const_EVENT_FINISH_value;
	zend_string *const_EVENT_FINISH_value_str = zend_string_init("finish", strlen("finish"), 1);
	ZVAL_STR(&const_EVENT_FINISH_value, const_EVENT_FINISH_value_str);
	zend_string *const_EVENT_FINISH_name = zend_string_init_interned("EVENT_FINISH", sizeof("EVENT_FINISH") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_FINISH_name, &const_EVENT_FINISH_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_FINISH_name);

	zval const_EVENT_PIPE_MESSAGE_value;
	zend_string *const_EVENT_PIPE_MESSAGE_value_str = zend_string_init("pipeMessage", strlen("pipeMessage"), 1);
	ZVAL_STR(&const_EVENT_PIPE_MESSAGE_value, const_EVENT_PIPE_MESSAGE_value_str);
	zend_string *const_EVENT_PIPE_MESSAGE_name = zend_string_init_interned("EVENT_PIPE_MESSAGE", sizeof("EVENT_PIPE_MESSAGE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_EVENT_PIPE_MESSAGE_name, &const_EVENT_PIPE_MESSAGE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_EVENT_PIPE_MESSAGE_name);

	zval const_OPTION_REACTOR_NUM_value;
	zend_string *const_OPTION_REACTOR_NUM_value_str = zend_string_init("reactor_num", strlen("reactor_num"), 1);
	ZVAL_STR(&const_OPTION_REACTOR_NUM_value, const_OPTION_REACTOR_NUM_value_str);
	zend_string *const_OPTION_REACTOR_NUM_name = zend_string_init_interned("OPTION_REACTOR_NUM", sizeof("OPTION_REACTOR_NUM") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_REACTOR_NUM_name, &const_OPTION_REACTOR_NUM_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_REACTOR_NUM_name);

	zval const_OPTION_WORKER_NUM_value;
	zend_string *const_OPTION_WORKER_NUM_value_str = zend_string_init("worker_num", strlen("worker_num"), 1);
	ZVAL_STR(&const_OPTION_WORKER_NUM_value, const_OPTION_WORKER_NUM_value_str);
	zend_string *const_OPTION_WORKER_NUM_name = zend_string_init_interned("OPTION_WORKER_NUM", sizeof("OPTION_WORKER_NUM") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_WORKER_NUM_name, &const_OPTION_WORKER_NUM_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_WORKER_NUM_name);

	zval const_OPTION_BACKLOG_value;
	zend_string *const_OPTION_BACKLOG_value_str = zend_string_init("backlog", strlen("backlog"), 1);
	ZVAL_STR(&const_OPTION_BACKLOG_value, const_OPTION_BACKLOG_value_str);
	zend_string *const_OPTION_BACKLOG_name = zend_string_init_interned("OPTION_BACKLOG", sizeof("OPTION_BACKLOG") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_BACKLOG_name, &const_OPTION_BACKLOG_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_BACKLOG_name);

	zval const_OPTION_MAX_CONNECTION_value;
	zend_string *const_OPTION_MAX_CONNECTION_value_str = zend_string_init("max_connection", strlen("max_connection"), 1);
	ZVAL_STR(&const_OPTION_MAX_CONNECTION_value, const_OPTION_MAX_CONNECTION_value_str);
	zend_string *const_OPTION_MAX_CONNECTION_name = zend_string_init_interned("OPTION_MAX_CONNECTION", sizeof("OPTION_MAX_CONNECTION") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_MAX_CONNECTION_name, &const_OPTION_MAX_CONNECTION_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_MAX_CONNECTION_name);

	zval const_OPTION_MAX_CONN_value;
	zend_string *const_OPTION_MAX_CONN_value_str = zend_string_init("max_conn", strlen("max_conn"), 1);
	ZVAL_STR(&const_OPTION_MAX_CONN_value, const_OPTION_MAX_CONN_value_str);
	zend_string *const_OPTION_MAX_CONN_name = zend_string_init_interned("OPTION_MAX_CONN", sizeof("OPTION_MAX_CONN") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_MAX_CONN_name, &const_OPTION_MAX_CONN_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_MAX_CONN_name);

	zval const_OPTION_DISPATCH_MODE_value;
	zend_string *const_OPTION_DISPATCH_MODE_value_str = zend_string_init("dispatch_mode", strlen("dispatch_mode"), 1);
	ZVAL_STR(&const_OPTION_DISPATCH_MODE_value, const_OPTION_DISPATCH_MODE_value_str);
	zend_string *const_OPTION_DISPATCH_MODE_name = zend_string_init_interned("OPTION_DISPATCH_MODE", sizeof("OPTION_DISPATCH_MODE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_DISPATCH_MODE_name, &const_OPTION_DISPATCH_MODE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_DISPATCH_MODE_name);

	zval const_OPTION_OPEN_TCP_NODELAY_value;
	zend_string *const_OPTION_OPEN_TCP_NODELAY_value_str = zend_string_init("open_tcp_nodelay", strlen("open_tcp_nodelay"), 1);
	ZVAL_STR(&const_OPTION_OPEN_TCP_NODELAY_value, const_OPTION_OPEN_TCP_NODELAY_value_str);
	zend_string *const_OPTION_OPEN_TCP_NODELAY_name = zend_string_init_interned("OPTION_OPEN_TCP_NODELAY", sizeof("OPTION_OPEN_TCP_NODELAY") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_OPEN_TCP_NODELAY_name, &const_OPTION_OPEN_TCP_NODELAY_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_OPEN_TCP_NODELAY_name);

	zval const_OPTION_LOG_FILE_value;
	zend_string *const_OPTION_LOG_FILE_value_str = zend_string_init("log_file", strlen("log_file"), 1);
	ZVAL_STR(&const_OPTION_LOG_FILE_value, const_OPTION_LOG_FILE_value_str);
	zend_string *const_OPTION_LOG_FILE_name = zend_string_init_interned("OPTION_LOG_FILE", sizeof("OPTION_LOG_FILE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_LOG_FILE_name, &const_OPTION_LOG_FILE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_LOG_FILE_name);

	zval const_OPTION_LOG_LEVEL_value;
	zend_string *const_OPTION_LOG_LEVEL_value_str = zend_string_init("log_level", strlen("log_level"), 1);
	ZVAL_STR(&const_OPTION_LOG_LEVEL_value, const_OPTION_LOG_LEVEL_value_str);
	zend_string *const_OPTION_LOG_LEVEL_name = zend_string_init_interned("OPTION_LOG_LEVEL", sizeof("OPTION_LOG_LEVEL") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_LOG_LEVEL_name, &const_OPTION_LOG_LEVEL_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_LOG_LEVEL_name);

	zval const_OPTION_PID_FILE_value;
	zend_string *const_OPTION_PID_FILE_value_str = zend_string_init("pid_file", strlen("pid_file"), 1);
	ZVAL_STR(&const_OPTION_PID_FILE_value, const_OPTION_PID_FILE_value_str);
	zend_string *const_OPTION_PID_FILE_name = zend_string_init_interned("OPTION_PID_FILE", sizeof("OPTION_PID_FILE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PID_FILE_name, &const_OPTION_PID_FILE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PID_FILE_name);

	zval const_OPTION_DAEMONIZE_value;
	zend_string *const_OPTION_DAEMONIZE_value_str = zend_string_init("daemonize", strlen("daemonize"), 1);
	ZVAL_STR(&const_OPTION_DAEMONIZE_value, const_OPTION_DAEMONIZE_value_str);
	zend_string *const_OPTION_DAEMONIZE_name = zend_string_init_interned("OPTION_DAEMONIZE", sizeof("OPTION_DAEMONIZE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_DAEMONIZE_name, &const_OPTION_DAEMONIZE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_DAEMONIZE_name);

	zval const_OPTION_PACKAGE_MAX_LENGTH_value;
	zend_string *const_OPTION_PACKAGE_MAX_LENGTH_value_str = zend_string_init("package_max_length", strlen("package_max_length"), 1);
	ZVAL_STR(&const_OPTION_PACKAGE_MAX_LENGTH_value, const_OPTION_PACKAGE_MAX_LENGTH_value_str);
	zend_string *const_OPTION_PACKAGE_MAX_LENGTH_name = zend_string_init_interned("OPTION_PACKAGE_MAX_LENGTH", sizeof("OPTION_PACKAGE_MAX_LENGTH") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PACKAGE_MAX_LENGTH_name, &const_OPTION_PACKAGE_MAX_LENGTH_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PACKAGE_MAX_LENGTH_name);

	zval const_OPTION_BUFFER_OUTPUT_SIZE_value;
	zend_string *const_OPTION_BUFFER_OUTPUT_SIZE_value_str = zend_string_init("buffer_output_size", strlen("buffer_output_size"), 1);
	ZVAL_STR(&const_OPTION_BUFFER_OUTPUT_SIZE_value, const_OPTION_BUFFER_OUTPUT_SIZE_value_str);
	zend_string *const_OPTION_BUFFER_OUTPUT_SIZE_name = zend_string_init_interned("OPTION_BUFFER_OUTPUT_SIZE", sizeof("OPTION_BUFFER_OUTPUT_SIZE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_BUFFER_OUTPUT_SIZE_name, &const_OPTION_BUFFER_OUTPUT_SIZE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_BUFFER_OUTPUT_SIZE_name);

	zval const_OPTION_SOCKET_BUFFER_SIZE_value;
	zend_string *const_OPTION_SOCKET_BUFFER_SIZE_value_str = zend_string_init("socket_buffer_size", strlen("socket_buffer_size"), 1);
	ZVAL_STR(&const_OPTION_SOCKET_BUFFER_SIZE_value, const_OPTION_SOCKET_BUFFER_SIZE_value_str);
	zend_string *const_OPTION_SOCKET_BUFFER_SIZE_name = zend_string_init_interned("OPTION_SOCKET_BUFFER_SIZE", sizeof("OPTION_SOCKET_BUFFER_SIZE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_SOCKET_BUFFER_SIZE_name, &const_OPTION_SOCKET_BUFFER_SIZE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_SOCKET_BUFFER_SIZE_name);

	zval const_OPTION_OPEN_LENGTH_CHECK_value;
	zend_string *const_OPTION_OPEN_LENGTH_CHECK_value_str = zend_string_init("open_length_check", strlen("open_length_check"), 1);
	ZVAL_STR(&const_OPTION_OPEN_LENGTH_CHECK_value, const_OPTION_OPEN_LENGTH_CHECK_value_str);
	zend_string *const_OPTION_OPEN_LENGTH_CHECK_name = zend_string_init_interned("OPTION_OPEN_LENGTH_CHECK", sizeof("OPTION_OPEN_LENGTH_CHECK") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_OPEN_LENGTH_CHECK_name, &const_OPTION_OPEN_LENGTH_CHECK_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_OPEN_LENGTH_CHECK_name);

	zval const_OPTION_PACKAGE_LENGTH_TYPE_value;
	zend_string *const_OPTION_PACKAGE_LENGTH_TYPE_value_str = zend_string_init("package_length_type", strlen("package_length_type"), 1);
	ZVAL_STR(&const_OPTION_PACKAGE_LENGTH_TYPE_value, const_OPTION_PACKAGE_LENGTH_TYPE_value_str);
	zend_string *const_OPTION_PACKAGE_LENGTH_TYPE_name = zend_string_init_interned("OPTION_PACKAGE_LENGTH_TYPE", sizeof("OPTION_PACKAGE_LENGTH_TYPE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PACKAGE_LENGTH_TYPE_name, &const_OPTION_PACKAGE_LENGTH_TYPE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PACKAGE_LENGTH_TYPE_name);

	zval const_OPTION_PACKAGE_LENGTH_OFFSET_value;
	zend_string *const_OPTION_PACKAGE_LENGTH_OFFSET_value_str = zend_string_init("package_length_offset", strlen("package_length_offset"), 1);
	ZVAL_STR(&const_OPTION_PACKAGE_LENGTH_OFFSET_value, const_OPTION_PACKAGE_LENGTH_OFFSET_value_str);
	zend_string *const_OPTION_PACKAGE_LENGTH_OFFSET_name = zend_string_init_interned("OPTION_PACKAGE_LENGTH_OFFSET", sizeof("OPTION_PACKAGE_LENGTH_OFFSET") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PACKAGE_LENGTH_OFFSET_name, &const_OPTION_PACKAGE_LENGTH_OFFSET_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PACKAGE_LENGTH_OFFSET_name);

	zval const_OPTION_PACKAGE_BODY_OFFSET_value;
	zend_string *const_OPTION_PACKAGE_BODY_OFFSET_value_str = zend_string_init("package_body_offset", strlen("package_body_offset"), 1);
	ZVAL_STR(&const_OPTION_PACKAGE_BODY_OFFSET_value, const_OPTION_PACKAGE_BODY_OFFSET_value_str);
	zend_string *const_OPTION_PACKAGE_BODY_OFFSET_name = zend_string_init_interned("OPTION_PACKAGE_BODY_OFFSET", sizeof("OPTION_PACKAGE_BODY_OFFSET") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PACKAGE_BODY_OFFSET_name, &const_OPTION_PACKAGE_BODY_OFFSET_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PACKAGE_BODY_OFFSET_name);

	zval const_OPTION_OPEN_EOF_CHECK_value;
	zend_string *const_OPTION_OPEN_EOF_CHECK_value_str = zend_string_init("open_eof_check", strlen("open_eof_check"), 1);
	ZVAL_STR(&const_OPTION_OPEN_EOF_CHECK_value, const_OPTION_OPEN_EOF_CHECK_value_str);
	zend_string *const_OPTION_OPEN_EOF_CHECK_name = zend_string_init_interned("OPTION_OPEN_EOF_CHECK", sizeof("OPTION_OPEN_EOF_CHECK") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_OPEN_EOF_CHECK_name, &const_OPTION_OPEN_EOF_CHECK_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_OPEN_EOF_CHECK_name);

	zval const_OPTION_OPEN_EOF_SPLIT_value;
	zend_string *const_OPTION_OPEN_EOF_SPLIT_value_str = zend_string_init("open_eof_split", strlen("open_eof_split"), 1);
	ZVAL_STR(&const_OPTION_OPEN_EOF_SPLIT_value, const_OPTION_OPEN_EOF_SPLIT_value_str);
	zend_string *const_OPTION_OPEN_EOF_SPLIT_name = zend_string_init_interned("OPTION_OPEN_EOF_SPLIT", sizeof("OPTION_OPEN_EOF_SPLIT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_OPEN_EOF_SPLIT_name, &const_OPTION_OPEN_EOF_SPLIT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_OPEN_EOF_SPLIT_name);

	zval const_OPTION_PACKAGE_EOF_value;
	zend_string *const_OPTION_PACKAGE_EOF_value_str = zend_string_init("package_eof", strlen("package_eof"), 1);
	ZVAL_STR(&const_OPTION_PACKAGE_EOF_value, const_OPTION_PACKAGE_EOF_value_str);
	zend_string *const_OPTION_PACKAGE_EOF_name = zend_string_init_interned("OPTION_PACKAGE_EOF", sizeof("OPTION_PACKAGE_EOF") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_PACKAGE_EOF_name, &const_OPTION_PACKAGE_EOF_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_PACKAGE_EOF_name);

	zval const_OPTION_ENABLE_UNSAFE_EVENT_value;
	zend_string *const_OPTION_ENABLE_UNSAFE_EVENT_value_str = zend_string_init("enable_unsafe_event", strlen("enable_unsafe_event"), 1);
	ZVAL_STR(&const_OPTION_ENABLE_UNSAFE_EVENT_value, const_OPTION_ENABLE_UNSAFE_EVENT_value_str);
	zend_string *const_OPTION_ENABLE_UNSAFE_EVENT_name = zend_string_init_interned("OPTION_ENABLE_UNSAFE_EVENT", sizeof("OPTION_ENABLE_UNSAFE_EVENT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_ENABLE_UNSAFE_EVENT_name, &const_OPTION_ENABLE_UNSAFE_EVENT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_ENABLE_UNSAFE_EVENT_name);

	zval const_OPTION_ENABLE_DELAY_RECEIVE_value;
	zend_string *const_OPTION_ENABLE_DELAY_RECEIVE_value_str = zend_string_init("enable_delay_receive", strlen("enable_delay_receive"), 1);
	ZVAL_STR(&const_OPTION_ENABLE_DELAY_RECEIVE_value, const_OPTION_ENABLE_DELAY_RECEIVE_value_str);
	zend_string *const_OPTION_ENABLE_DELAY_RECEIVE_name = zend_string_init_interned("OPTION_ENABLE_DELAY_RECEIVE", sizeof("OPTION_ENABLE_DELAY_RECEIVE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_ENABLE_DELAY_RECEIVE_name, &const_OPTION_ENABLE_DELAY_RECEIVE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_ENABLE_DELAY_RECEIVE_name);

	zval const_OPTION_MAX_WAIT_TIME_value;
	zend_string *const_OPTION_MAX_WAIT_TIME_value_str = zend_string_init("max_wait_time", strlen("max_wait_time"), 1);
	ZVAL_STR(&const_OPTION_MAX_WAIT_TIME_value, const_OPTION_MAX_WAIT_TIME_value_str);
	zend_string *const_OPTION_MAX_WAIT_TIME_name = zend_string_init_interned("OPTION_MAX_WAIT_TIME", sizeof("OPTION_MAX_WAIT_TIME") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_MAX_WAIT_TIME_name, &const_OPTION_MAX_WAIT_TIME_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_MAX_WAIT_TIME_name);

	zval const_OPTION_MAX_REQUEST_value;
	zend_string *const_OPTION_MAX_REQUEST_value_str = zend_string_init("max_request", strlen("max_request"), 1);
	ZVAL_STR(&const_OPTION_MAX_REQUEST_value, const_OPTION_MAX_REQUEST_value_str);
	zend_string *const_OPTION_MAX_REQUEST_name = zend_string_init_interned("OPTION_MAX_REQUEST", sizeof("OPTION_MAX_REQUEST") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_MAX_REQUEST_name, &const_OPTION_MAX_REQUEST_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_MAX_REQUEST_name);

	zval const_OPTION_MAX_REQUEST_GRACE_value;
	zend_string *const_OPTION_MAX_REQUEST_GRACE_value_str = zend_string_init("max_request_grace", strlen("max_request_grace"), 1);
	ZVAL_STR(&const_OPTION_MAX_REQUEST_GRACE_value, const_OPTION_MAX_REQUEST_GRACE_value_str);
	zend_string *const_OPTION_MAX_REQUEST_GRACE_name = zend_string_init_interned("OPTION_MAX_REQUEST_GRACE", sizeof("OPTION_MAX_REQUEST_GRACE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_MAX_REQUEST_GRACE_name, &const_OPTION_MAX_REQUEST_GRACE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_MAX_REQUEST_GRACE_name);

	zval const_OPTION_RELOAD_ASYNC_value;
	zend_string *const_OPTION_RELOAD_ASYNC_value_str = zend_string_init("reload_async", strlen("reload_async"), 1);
	ZVAL_STR(&const_OPTION_RELOAD_ASYNC_value, const_OPTION_RELOAD_ASYNC_value_str);
	zend_string *const_OPTION_RELOAD_ASYNC_name = zend_string_init_interned("OPTION_RELOAD_ASYNC", sizeof("OPTION_RELOAD_ASYNC") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_RELOAD_ASYNC_name, &const_OPTION_RELOAD_ASYNC_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_RELOAD_ASYNC_name);

	zval const_OPTION_TASK_WORKER_NUM_value;
	zend_string *const_OPTION_TASK_WORKER_NUM_value_str = zend_string_init("task_worker_num", strlen("task_worker_num"), 1);
	ZVAL_STR(&const_OPTION_TASK_WORKER_NUM_value, const_OPTION_TASK_WORKER_NUM_value_str);
	zend_string *const_OPTION_TASK_WORKER_NUM_name = zend_string_init_interned("OPTION_TASK_WORKER_NUM", sizeof("OPTION_TASK_WORKER_NUM") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TASK_WORKER_NUM_name, &const_OPTION_TASK_WORKER_NUM_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TASK_WORKER_NUM_name);

	zval const_OPTION_TASK_IPC_MODE_value;
	zend_string *const_OPTION_TASK_IPC_MODE_value_str = zend_string_init("task_ipc_mode", strlen("task_ipc_mode"), 1);
	ZVAL_STR(&const_OPTION_TASK_IPC_MODE_value, const_OPTION_TASK_IPC_MODE_value_str);
	zend_string *const_OPTION_TASK_IPC_MODE_name = zend_string_init_interned("OPTION_TASK_IPC_MODE", sizeof("OPTION_TASK_IPC_MODE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TASK_IPC_MODE_name, &const_OPTION_TASK_IPC_MODE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TASK_IPC_MODE_name);

	zval const_OPTION_TASK_TMPDIR_value;
	zend_string *const_OPTION_TASK_TMPDIR_value_str = zend_string_init("task_tmpdir", strlen("task_tmpdir"), 1);
	ZVAL_STR(&const_OPTION_TASK_TMPDIR_value, const_OPTION_TASK_TMPDIR_value_str);
	zend_string *const_OPTION_TASK_TMPDIR_name = zend_string_init_interned("OPTION_TASK_TMPDIR", sizeof("OPTION_TASK_TMPDIR") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TASK_TMPDIR_name, &const_OPTION_TASK_TMPDIR_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TASK_TMPDIR_name);

	zval const_OPTION_TASK_MAX_REQUEST_value;
	zend_string *const_OPTION_TASK_MAX_REQUEST_value_str = zend_string_init("task_max_request", strlen("task_max_request"), 1);
	ZVAL_STR(&const_OPTION_TASK_MAX_REQUEST_value, const_OPTION_TASK_MAX_REQUEST_value_str);
	zend_string *const_OPTION_TASK_MAX_REQUEST_name = zend_string_init_interned("OPTION_TASK_MAX_REQUEST", sizeof("OPTION_TASK_MAX_REQUEST") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TASK_MAX_REQUEST_name, &const_OPTION_TASK_MAX_REQUEST_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TASK_MAX_REQUEST_name);

	zval const_OPTION_TASK_MAX_REQUEST_GRACE_value;
	zend_string *const_OPTION_TASK_MAX_REQUEST_GRACE_value_str = zend_string_init("task_max_request_grace", strlen("task_max_request_grace"), 1);
	ZVAL_STR(&const_OPTION_TASK_MAX_REQUEST_GRACE_value, const_OPTION_TASK_MAX_REQUEST_GRACE_value_str);
	zend_string *const_OPTION_TASK_MAX_REQUEST_GRACE_name = zend_string_init_interned("OPTION_TASK_MAX_REQUEST_GRACE", sizeof("OPTION_TASK_MAX_REQUEST_GRACE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TASK_MAX_REQUEST_GRACE_name, &const_OPTION_TASK_MAX_REQUEST_GRACE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TASK_MAX_REQUEST_GRACE_name);

	zval const_OPTION_ENABLE_COROUTINE_value;
	zend_string *const_OPTION_ENABLE_COROUTINE_value_str = zend_string_init("enable_coroutine", strlen("enable_coroutine"), 1);
	ZVAL_STR(&const_OPTION_ENABLE_COROUTINE_value, const_OPTION_ENABLE_COROUTINE_value_str);
	zend_string *const_OPTION_ENABLE_COROUTINE_name = zend_string_init_interned("OPTION_ENABLE_COROUTINE", sizeof("OPTION_ENABLE_COROUTINE") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_ENABLE_COROUTINE_name, &const_OPTION_ENABLE_COROUTINE_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_ENABLE_COROUTINE_name);

	zval const_OPTION_TIMEOUT_value;
	zend_string *const_OPTION_TIMEOUT_value_str = zend_string_init("timeout", strlen("timeout"), 1);
	ZVAL_STR(&const_OPTION_TIMEOUT_value, const_OPTION_TIMEOUT_value_str);
	zend_string *const_OPTION_TIMEOUT_name = zend_string_init_interned("OPTION_TIMEOUT", sizeof("OPTION_TIMEOUT") - 1, 1);
	zend_declare_class_constant_ex(class_entry, const_OPTION_TIMEOUT_name, &const_OPTION_TIMEOUT_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(const_OPTION_TIMEOUT_name);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Coroutine(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Coroutine", class_Swoole_Coroutine_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Event(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Event", class_Swoole_Event_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Timer(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole", "Timer", class_Swoole_Timer_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Atomic_Long(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole\\Atomic", "Long", class_Swoole_Atomic_Long_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Connection_Iterator(zend_class_entry *class_entry_Iterator, zend_class_entry *class_entry_Countable, zend_class_entry *class_entry_ArrayAccess)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole\\Connection", "Iterator", class_Swoole_Connection_Iterator_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;
	zend_class_implements(class_entry, 3, class_entry_Iterator, class_entry_Countable, class_entry_ArrayAccess);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Server_Port(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole\\Server", "Port", class_Swoole_Server_Port_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	zval property_host_default_value;
	ZVAL_EMPTY_STRING(&property_host_default_value);
	zend_string *property_host_name = zend_string_init("host", sizeof("host") - 1, 1);
	zend_declare_typed_property(class_entry, property_host_name, &property_host_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_host_name);

	zval property_port_default_value;
	ZVAL_LONG(&property_port_default_value, 0);
	zend_string *property_port_name = zend_string_init("port", sizeof("port") - 1, 1);
	zend_declare_typed_property(class_entry, property_port_name, &property_port_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_port_name);

	zval property_type_default_value;
	ZVAL_LONG(&property_type_default_value, 0);
	zend_string *property_type_name = zend_string_init("type", sizeof("type") - 1, 1);
	zend_declare_typed_property(class_entry, property_type_name, &property_type_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_type_name);

	zval property_sock_default_value;
	ZVAL_LONG(&property_sock_default_value, -1);
	zend_string *property_sock_name = zend_string_init("sock", sizeof("sock") - 1, 1);
	zend_declare_typed_property(class_entry, property_sock_name, &property_sock_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_sock_name);

	zval property_setting_default_value;
	ZVAL_NULL(&property_setting_default_value);
	zend_string *property_setting_name = zend_string_init("setting", sizeof("setting") - 1, 1);
	zend_declare_typed_property(class_entry, property_setting_name, &property_setting_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_ARRAY|MAY_BE_NULL));
	zend_string_release(property_setting_name);

	return class_entry;
}

static zend_class_entry *register_class_Swoole_Coroutine_Socket(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Swoole\\Coroutine", "Socket", class_Swoole_Coroutine_Socket_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL;

	zval property_fd_default_value;
	ZVAL_LONG(&property_fd_default_value, -1);
	zend_string *property_fd_name = zend_string_init("fd", sizeof("fd") - 1, 1);
	zend_declare_typed_property(class_entry, property_fd_name, &property_fd_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_fd_name);

	zval property_domain_default_value;
	ZVAL_LONG(&property_domain_default_value, 0);
	zend_string *property_domain_name = zend_string_init("domain", sizeof("domain") - 1, 1);
	zend_declare_typed_property(class_entry, property_domain_name, &property_domain_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_domain_name);

	zval property_type_default_value;
	ZVAL_LONG(&property_type_default_value, 0);
	zend_string *property_type_name = zend_string_init("type", sizeof("type") - 1, 1);
	zend_declare_typed_property(class_entry, property_type_name, &property_type_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_type_name);

	zval property_protocol_default_value;
	ZVAL_LONG(&property_protocol_default_value, 0);
	zend_string *property_protocol_name = zend_string_init("protocol", sizeof("protocol") - 1, 1);
	zend_declare_typed_property(class_entry, property_protocol_name, &property_protocol_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_protocol_name);

	zval property_errCode_default_value;
	ZVAL_LONG(&property_errCode_default_value, 0);
	zend_string *property_errCode_name = zend_string_init("errCode", sizeof("errCode") - 1, 1);
	zend_declare_typed_property(class_entry, property_errCode_name, &property_errCode_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_LONG));
	zend_string_release(property_errCode_name);

	zval property_errMsg_default_value;
	ZVAL_EMPTY_STRING(&property_errMsg_default_value);
	zend_string *property_errMsg_name = zend_string_init("errMsg", sizeof("errMsg") - 1, 1);
	zend_declare_typed_property(class_entry, property_errMsg_name, &property_errMsg_default_value, ZEND_ACC_PUBLIC, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_errMsg_name);

	return class_entry;
}
