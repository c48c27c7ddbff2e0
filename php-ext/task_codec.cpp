#include "task_codec.h"

extern "C" {  // php_var.h has no C++ guards
#include <zend_smart_str.h>
#include <ext/standard/php_var.h>
}

namespace swkit::php {

bool encode_value(zval* value, std::string& out) {
  ZVAL_DEREF(value);
  if (Z_TYPE_P(value) == IS_STRING) {
    out.reserve(Z_STRLEN_P(value) + 1);
    out.assign(1, 'S');
    out.append(Z_STRVAL_P(value), Z_STRLEN_P(value));
    return true;
  }
  smart_str buf = {};
  php_serialize_data_t var_hash;
  PHP_VAR_SERIALIZE_INIT(var_hash);
  php_var_serialize(&buf, value, &var_hash);
  PHP_VAR_SERIALIZE_DESTROY(var_hash);
  if (EG(exception) || !buf.s) {
    smart_str_free(&buf);
    return false;
  }
  out.reserve(ZSTR_LEN(buf.s) + 1);
  out.assign(1, 'P');
  out.append(ZSTR_VAL(buf.s), ZSTR_LEN(buf.s));
  smart_str_free(&buf);
  return true;
}

void decode_value(std::string_view payload, zval* out) {
  if (payload.empty() || (payload[0] != 'S' && payload[0] != 'P')) {
    ZVAL_STRINGL(out, payload.data(), payload.size());
    return;
  }
  if (payload[0] == 'S') {
    ZVAL_STRINGL(out, payload.data() + 1, payload.size() - 1);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data() + 1);
  const auto* end = reinterpret_cast<const unsigned char*>(payload.data() + payload.size());
  php_unserialize_data_t var_hash;
  PHP_VAR_UNSERIALIZE_INIT(var_hash);
  ZVAL_UNDEF(out);
  const bool ok = php_var_unserialize(out, &p, end, &var_hash);
  PHP_VAR_UNSERIALIZE_DESTROY(var_hash);
  if (!ok) {
    zval_ptr_dtor(out);
    php_error_docref(nullptr, E_WARNING, "cannot unserialize a task or message of %zu bytes",
                     payload.size() - 1);
    ZVAL_FALSE(out);
  }
}

}  // namespace swkit::php
