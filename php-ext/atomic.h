// Swoole\Atomic and Swoole\Atomic\Long: counters in an anonymous MAP_SHARED mapping, so that a
// server's workers (forked after the counter was made) all see one value. Atomic also has
// wait/wakeup on a futex, as Swoole's.
#pragma once

#include "php_swkit.h"

namespace swkit::php {

void atomic_minit(zend_class_entry* atomic_ce, zend_class_entry* long_ce);

}  // namespace swkit::php
