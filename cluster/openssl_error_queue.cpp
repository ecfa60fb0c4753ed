#include "cluster/openssl_error_queue.hpp"

#include <dlfcn.h>

#include <openssl/err.h>

#include <caf/openssl/session.hpp>

namespace {

using caf::openssl::native_socket;
using caf::openssl::rw_state;
using caf::openssl::session;
using ssl_io = int (*)(SSL*, void*, int);

// Itanium C++ ABI names of the wrapped members (`this` comes first).
constexpr const char* do_some_name =
  "_ZN3caf7openssl7session7do_someEPFiP6ssl_stPviERmS4_mPKc";
constexpr const char* try_connect_name =
  "_ZN3caf7openssl7session11try_connectEi";
constexpr const char* try_accept_name =
  "_ZN3caf7openssl7session10try_acceptEi";

using do_some_fn = rw_state (*)(session*, ssl_io, size_t&, void*, size_t,
                                const char*);
using try_fn = bool (*)(session*, native_socket);

// libcaf_openssl's own definition of `name` (the next one after ours).
template <class Fn>
Fn original(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

// Ours is the one every caller (libcaf_openssl too) binds to.
bool in_front(const char* name) {
  void* next = dlsym(RTLD_NEXT, name);
  return next != nullptr && dlsym(RTLD_DEFAULT, name) != next;
}

} // namespace

namespace caf::openssl {

rw_state session::do_some(ssl_io f, size_t& result, void* buf, size_t len,
                          const char* debug_name) {
  static const auto next = original<do_some_fn>(do_some_name);
  ERR_clear_error();
  return next(this, f, result, buf, len, debug_name);
}

bool session::try_connect(native_socket fd) {
  static const auto next = original<try_fn>(try_connect_name);
  ERR_clear_error();
  return next(this, fd);
}

bool session::try_accept(native_socket fd) {
  static const auto next = original<try_fn>(try_accept_name);
  ERR_clear_error();
  return next(this, fd);
}

} // namespace caf::openssl

namespace flux {

bool openssl_error_queue_fix_active() {
  return in_front(do_some_name) && in_front(try_connect_name)
         && in_front(try_accept_name);
}

} // namespace flux
