#include "domains/http_client.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ssl.hpp>

#include "domains/http_exchange.hpp"

namespace flux::httpc {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

client::client(client_options opts)
  : opts_(std::move(opts)),
    ioc_(static_cast<int>(std::max<size_t>(opts_.threads, 1))),
    tls_(ssl::context::tls_client),
    work_(nullptr, [](void* p) {
      delete static_cast<
        asio::executor_work_guard<asio::io_context::executor_type>*>(p);
    }) {
  tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                   | ssl::context::no_tlsv1_1);
  tls_.set_default_verify_paths();
  if (!opts_.extra_ca_file.empty()) {
    boost::system::error_code ec;
    tls_.load_verify_file(opts_.extra_ca_file, ec);
    if (ec)
      throw std::runtime_error("cannot load CA file '" + opts_.extra_ca_file
                               + "': " + ec.message());
  }
  tls_.set_verify_mode(ssl::verify_peer);
  work_.reset(new asio::executor_work_guard<asio::io_context::executor_type>(
    ioc_.get_executor()));
  for (size_t i = 0; i < std::max<size_t>(opts_.threads, 1); ++i)
    threads_.emplace_back([this] { ioc_.run(); });
}

client::~client() {
  stop();
}

void client::fetch(request req, std::function<void(response)> done) {
  start_exchange(*this, std::move(req), std::move(done));
}

void client::stop() {
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach(); // the last owner let go on an I/O thread
    else if (t.joinable())
      t.join();
  }
  threads_.clear();
}

} // namespace flux::httpc
