#include "domains/coinbase_ticker.hpp"

namespace flux::connectors {

namespace {

class coinbase_ticker : public source {
public:
  coinbase_ticker(std::shared_ptr<httpc::client> http, coinbase_options opts)
    : feed_(make_coinbase_feed(std::move(http), std::move(opts))) {
  }

  std::string name() const override { return "coinbase.ticker"; }
  std::vector<std::string> rooms() const override { return {"crypto.ticker"}; }
  bool streaming() const override { return true; }

  void fetch(std::function<void(fetch_result)> done) override {
    feed_->start(); // the first fetch opens the connection
    done(feed_->flush(name()));
  }

private:
  std::shared_ptr<coinbase_feed> feed_;
};

} // namespace

std::shared_ptr<source> make_coinbase_ticker(std::shared_ptr<httpc::client> http,
                                             coinbase_options opts) {
  return std::make_shared<coinbase_ticker>(std::move(http), std::move(opts));
}

} // namespace flux::connectors
