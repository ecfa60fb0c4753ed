#include "flux_bench/validate.hpp"

#include <string_view>

#include <rapidjson/document.h>

namespace flux_bench {

void validate_message(const char* p, size_t size, const scan_result& r,
                      const options& o, worker_stats& st) {
  std::string_view text{p, size};
  size_t events = 0;
  size_t snapshots = 0;
  if (o.protocol == "socketio") {
    if (text.rfind("42", 0) != 0)
      return;
    auto lb = text.find('[');
    if (lb == std::string_view::npos)
      return;
    text.remove_prefix(lb);
  }
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError()) {
    ++st.validate_bad_json;
    return;
  }
  ++st.validated;
  auto count = [&](const rapidjson::Value& f) {
    if (!f.IsObject() || !f.HasMember("type") || !f["type"].IsString())
      return;
    std::string_view type{f["type"].GetString(), f["type"].GetStringLength()};
    if (type == "event")
      ++events;
    else if (type == "snapshot")
      ++snapshots;
  };
  if (o.protocol == "native") {
    if (d.IsArray())
      for (auto& f : d.GetArray())
        count(f);
    else
      count(d);
  } else if (d.IsArray() && d.Size() >= 1 && d[0].IsString()) {
    std::string_view name{d[0].GetString(), d[0].GetStringLength()};
    if (name == o.sio_event) {
      events = r.events; // payload shape is the server's business
    } else if (name == o.sio_snapshot) {
      snapshots = 1;
    }
  }
  if (events != r.events || snapshots != r.snapshots)
    ++st.validate_mismatch;
}

} // namespace flux_bench
