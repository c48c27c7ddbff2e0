// PHP objects whose C++ state lives behind a pointer (Swoole\Server, Server\Port, Process,
// Client, Connection\Iterator): the state is made with the object and deleted with it. One
// class per State type.
#pragma once

#include <cstring>

#include "php_swkit.h"

namespace swkit::php {

template <typename State>
struct StateObject {
  State* state;
  zend_object std;

  static StateObject* from(zend_object* obj) {
    return reinterpret_cast<StateObject*>(reinterpret_cast<char*>(obj) -
                                          XtOffsetOf(StateObject, std));
  }
};

template <typename State>
inline zend_object_handlers state_handlers;

template <typename State>
zend_object* create_state_object(zend_class_entry* ce) {
  auto* o = static_cast<StateObject<State>*>(zend_object_alloc(sizeof(StateObject<State>), ce));
  zend_object_std_init(&o->std, ce);
  object_properties_init(&o->std, ce);
  o->std.handlers = &state_handlers<State>;
  o->state = new State();
  return &o->std;
}

// The end of a class's free_obj handler, after its own clean-up of the state.
template <typename State>
void release_state_object(zend_object* obj) {
  StateObject<State>* o = StateObject<State>::from(obj);
  delete o->state;
  o->state = nullptr;
  zend_object_std_dtor(obj);
}

// MINIT: objects of ce carry a State; free_obj must end with release_state_object<State>;
// get_gc (optional) reports what the state references. Such objects cannot be cloned.
template <typename State>
void register_state_class(zend_class_entry* ce, zend_object_free_obj_t free_obj,
                          zend_object_get_gc_t get_gc = nullptr) {
  ce->create_object = create_state_object<State>;
  zend_object_handlers& h = state_handlers<State>;
  std::memcpy(&h, zend_get_std_object_handlers(), sizeof h);
  h.offset = XtOffsetOf(StateObject<State>, std);
  h.free_obj = free_obj;
  if (get_gc) h.get_gc = get_gc;
  h.clone_obj = nullptr;
}

}  // namespace swkit::php
