#include "connection_iterator.h"

#include <cstring>
#include <vector>

#include "server_object.h"
#include "state_object.h"

namespace swkit::php {

zend_class_entry* connection_iterator_ce = nullptr;

namespace {

constexpr int kPage = 100;  // getClientList's largest page

struct IteratorState {
  IteratorState() { ZVAL_UNDEF(&server); }
  zval server;  // a reference on the Swoole\Server
  std::vector<swkit::SessionId> page;
  size_t pos = 0;
  zend_long index = 0;
};

using IteratorObject = StateObject<IteratorState>;

IteratorObject* iterator_from(zend_object* obj) {
  return IteratorObject::from(obj);
}

IteratorState* state_of(zval* self) {
  return iterator_from(Z_OBJ_P(self))->state;
}

// The server, once start() has run in this process lineage; nullptr before.
swkit::Server* server_of(IteratorState* it) {
  if (Z_TYPE(it->server) != IS_OBJECT) return nullptr;
  ServerState* s = server_from(Z_OBJ(it->server))->state;
  return s && s->started && !s->finished ? s->server.get() : nullptr;
}

void load_page(IteratorState* it, swkit::SessionId after) {
  it->page.clear();
  it->pos = 0;
  if (swkit::Server* srv = server_of(it)) srv->getClientList(after, kPage, it->page);
}

void iterator_free(zend_object* obj) {
  IteratorObject* o = iterator_from(obj);
  zval_ptr_dtor(&o->state->server);
  release_state_object<IteratorState>(obj);
}

HashTable* iterator_get_gc(zend_object* obj, zval** table, int* n) {
  IteratorObject* o = iterator_from(obj);
  *table = &o->state->server;
  *n = 1;
  return zend_std_get_properties(obj);
}

}  // namespace

void connection_iterator_minit(zend_class_entry* ce) {
  connection_iterator_ce = ce;
  register_state_class<IteratorState>(ce, iterator_free, iterator_get_gc);
}

void connection_iterator_create(zend_object* server, zval* out) {
  object_init_ex(out, connection_iterator_ce);
  IteratorState* it = iterator_from(Z_OBJ_P(out))->state;
  GC_ADDREF(server);
  ZVAL_OBJ(&it->server, server);
}

}  // namespace swkit::php

using swkit::php::IteratorState;

ZEND_METHOD(Swoole_Connection_Iterator, __construct) {
  ZEND_PARSE_PARAMETERS_NONE();
}

ZEND_METHOD(Swoole_Connection_Iterator, rewind) {
  ZEND_PARSE_PARAMETERS_NONE();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  it->index = 0;
  swkit::php::load_page(it, 0);
}

ZEND_METHOD(Swoole_Connection_Iterator, next) {
  ZEND_PARSE_PARAMETERS_NONE();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  if (it->pos >= it->page.size()) return;
  it->index++;
  if (++it->pos == it->page.size() && it->page.size() == swkit::php::kPage) {
    swkit::php::load_page(it, it->page.back());
  }
}

ZEND_METHOD(Swoole_Connection_Iterator, current) {
  ZEND_PARSE_PARAMETERS_NONE();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  if (it->pos >= it->page.size()) RETURN_NULL();
  RETURN_LONG(it->page[it->pos]);
}

ZEND_METHOD(Swoole_Connection_Iterator, key) {
  ZEND_PARSE_PARAMETERS_NONE();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  if (it->pos >= it->page.size()) RETURN_NULL();
  RETURN_LONG(it->index);
}

ZEND_METHOD(Swoole_Connection_Iterator, valid) {
  ZEND_PARSE_PARAMETERS_NONE();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  RETURN_BOOL(it->pos < it->page.size());
}

// The number of connections (stats()'s connection_num).
ZEND_METHOD(Swoole_Connection_Iterator, count) {
  ZEND_PARSE_PARAMETERS_NONE();
  swkit::Server* srv = swkit::php::server_of(swkit::php::state_of(ZEND_THIS));
  RETURN_LONG(srv ? srv->stats().connection_num : 0);
}

ZEND_METHOD(Swoole_Connection_Iterator, offsetExists) {
  zend_long fd;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(fd)
  ZEND_PARSE_PARAMETERS_END();
  swkit::Server* srv = swkit::php::server_of(swkit::php::state_of(ZEND_THIS));
  RETURN_BOOL(srv && srv->exist(fd));
}

// $server->connections[$fd]: getClientInfo($fd).
ZEND_METHOD(Swoole_Connection_Iterator, offsetGet) {
  zend_long fd;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(fd)
  ZEND_PARSE_PARAMETERS_END();
  IteratorState* it = swkit::php::state_of(ZEND_THIS);
  if (!swkit::php::server_of(it)) RETURN_FALSE;
  zval arg;
  ZVAL_LONG(&arg, fd);
  zend_call_method_with_1_params(Z_OBJ(it->server), Z_OBJCE(it->server), nullptr, "getclientinfo",
                                 return_value, &arg);
}

ZEND_METHOD(Swoole_Connection_Iterator, offsetSet) {
  zval* fd;
  zval* value;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_ZVAL(fd)
  Z_PARAM_ZVAL(value)
  ZEND_PARSE_PARAMETERS_END();
  zend_throw_error(nullptr, "Swoole\\Connection\\Iterator is read-only");
}

ZEND_METHOD(Swoole_Connection_Iterator, offsetUnset) {
  zval* fd;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_ZVAL(fd)
  ZEND_PARSE_PARAMETERS_END();
  zend_throw_error(nullptr, "Swoole\\Connection\\Iterator is read-only");
}
