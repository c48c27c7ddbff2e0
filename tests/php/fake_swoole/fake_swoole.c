/* A stand-in for ext-swoole in tests: a module named "swoole" that registers a class
 * Swoole\Server, as the real one does. Used to check that swkit refuses to load beside it. */
#include <php.h>

static const zend_function_entry fake_server_methods[] = {ZEND_FE_END};

static PHP_MINIT_FUNCTION(swoole) {
  zend_class_entry ce;
  INIT_NS_CLASS_ENTRY(ce, "Swoole", "Server", fake_server_methods);
  zend_register_internal_class_ex(&ce, NULL);
  return SUCCESS;
}

zend_module_entry swoole_module_entry = {STANDARD_MODULE_HEADER,
                                         "swoole",
                                         NULL,
                                         PHP_MINIT(swoole),
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         "0.0.0-fake",
                                         STANDARD_MODULE_PROPERTIES};

ZEND_GET_MODULE(swoole)
