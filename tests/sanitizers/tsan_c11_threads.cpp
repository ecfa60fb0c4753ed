// Linked into every executable of the ThreadSanitizer build only.
// Debian's librdkafka runs on C11 threads (thrd_create, mtx_lock, cnd_wait),
// which GCC 12's TSan does not intercept: it never sees those threads start
// or their locks, reports races on everything librdkafka hands between its
// threads, and crashes building the report for a thread it never registered.
// These definitions take precedence over glibc's for librdkafka and do what
// glibc does (its mtx_t and cnd_t are pthread objects), through the pthread
// functions TSan does intercept.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <pthread.h>
#include <threads.h>

namespace {

struct start {
  thrd_start_t fn;
  void* arg;
};

void* run(void* p) {
  auto s = *static_cast<start*>(p);
  std::free(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(s.fn(s.arg)));
}

int result(int rc) {
  switch (rc) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
  }
}

pthread_mutex_t* native(mtx_t* m) {
  return reinterpret_cast<pthread_mutex_t*>(m);
}

pthread_cond_t* native(cnd_t* c) {
  return reinterpret_cast<pthread_cond_t*>(c);
}

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(thrd_t) == sizeof(pthread_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));

} // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  auto* s = static_cast<start*>(std::malloc(sizeof(start)));
  if (s == nullptr)
    return thrd_nomem;
  *s = start{fn, arg};
  int rc = pthread_create(reinterpret_cast<pthread_t*>(thr), nullptr, run, s);
  if (rc != 0)
    std::free(s);
  return result(rc);
}

int thrd_join(thrd_t thr, int* res) {
  void* out = nullptr;
  int rc = pthread_join(static_cast<pthread_t>(thr), &out);
  if (rc == 0 && res != nullptr)
    *res = static_cast<int>(reinterpret_cast<intptr_t>(out));
  return result(rc);
}

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive)
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(native(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return result(rc);
}

int mtx_lock(mtx_t* m) {
  return result(pthread_mutex_lock(native(m)));
}

int mtx_unlock(mtx_t* m) {
  return result(pthread_mutex_unlock(native(m)));
}

void mtx_destroy(mtx_t* m) {
  pthread_mutex_destroy(native(m));
}

int cnd_init(cnd_t* c) {
  return result(pthread_cond_init(native(c), nullptr));
}

int cnd_signal(cnd_t* c) {
  return result(pthread_cond_signal(native(c)));
}

int cnd_broadcast(cnd_t* c) {
  return result(pthread_cond_broadcast(native(c)));
}

int cnd_wait(cnd_t* c, mtx_t* m) {
  return result(pthread_cond_wait(native(c), native(m)));
}

int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* until) {
  return result(pthread_cond_timedwait(native(c), native(m), until));
}

void cnd_destroy(cnd_t* c) {
  pthread_cond_destroy(native(c));
}

void call_once(once_flag* flag, void (*fn)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), fn);
}

} // extern "C"
