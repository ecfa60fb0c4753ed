#include "bus/kafka_config.hpp"

#include <cstdio>

#include <librdkafka/rdkafka.h>
#include <rapidjson/document.h>

#include "core/json.hpp"
#include "core/process.hpp"

namespace flux::bus {

bool split_property(const std::string& kv, std::string& key,
                    std::string& value) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    return false;
  key = kv.substr(0, eq);
  value = kv.substr(eq + 1);
  // Tolerate spaces around the key ("a = b" in an INI list).
  while (!key.empty() && key.back() == ' ')
    key.pop_back();
  while (!key.empty() && key.front() == ' ')
    key.erase(key.begin());
  while (!value.empty() && value.front() == ' ')
    value.erase(value.begin());
  return !key.empty();
}

std::vector<std::string>
check_kafka_properties(const std::vector<std::string>& properties) {
  std::vector<std::string> problems;
  auto* conf = rd_kafka_conf_new();
  char errstr[512];
  for (auto& kv : properties) {
    std::string key;
    std::string value;
    if (!split_property(kv, key, value)) {
      problems.push_back("bus.kafka-properties: '" + kv
                         + "' is not of the form key=value");
      continue;
    }
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr,
                          sizeof(errstr))
        != RD_KAFKA_CONF_OK)
      problems.push_back("bus.kafka-properties: " + key + ": " + errstr);
  }
  rd_kafka_conf_destroy(conf);
  return problems;
}

rd_kafka_conf_s*
make_kafka_conf(const kafka_options& opts, const std::string& client_suffix,
                const std::vector<std::pair<std::string, std::string>>& defaults,
                std::string& err) {
  auto* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr,
                          sizeof(errstr))
        != RD_KAFKA_CONF_OK) {
      err = key + ": " + errstr;
      return false;
    }
    return true;
  };
  bool ok = set("bootstrap.servers", opts.brokers)
            && set("client.id", opts.client_id + client_suffix);
  for (auto& [k, v] : defaults)
    ok = ok && set(k, v);
  for (auto& kv : opts.properties) {
    std::string key;
    std::string value;
    if (!ok)
      break;
    if (!split_property(kv, key, value)) {
      err = "'" + kv + "' is not of the form key=value";
      ok = false;
      break;
    }
    ok = set(key, value);
  }
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  return conf;
}

std::string kafka_epoch(const std::string& cluster_id,
                        const std::string& topic, int32_t partition) {
  // FNV-1a 64, folded to 32 bits: short, stable across runs and builds.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(cluster_id);
  mix("/");
  mix(topic);
  auto folded = static_cast<uint32_t>(h ^ (h >> 32));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "k%08x-%d", folded, partition);
  return buf;
}

bool kafka_stats::any_broker_up() const {
  for (auto& b : brokers)
    if (b.nodeid >= 0 && b.state == "UP")
      return true;
  return false;
}

namespace {

int64_t get_i64(const rapidjson::Value& obj, const char* name,
                int64_t fallback = -1) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64())
    return fallback;
  return it->value.GetInt64();
}

std::string get_str(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

} // namespace

bool parse_kafka_stats(const char* json, size_t size, const std::string& topic,
                       kafka_stats& out) {
  rapidjson::Document doc;
  if (!json::parse(doc, {json, size}) || !doc.IsObject())
    return false;
  out = kafka_stats{};
  out.valid = true;
  out.ts_ms = now_ms();
  out.msg_cnt = get_i64(doc, "msg_cnt", 0);
  out.tx_errs = get_i64(doc, "txerrs", 0);
  if (auto b = doc.FindMember("brokers");
      b != doc.MemberEnd() && b->value.IsObject()) {
    for (auto& m : b->value.GetObject()) {
      if (!m.value.IsObject())
        continue;
      kafka_broker_stats bs;
      bs.name = get_str(m.value, "name");
      bs.nodeid = static_cast<int32_t>(get_i64(m.value, "nodeid", -1));
      bs.state = get_str(m.value, "state");
      if (auto rtt = m.value.FindMember("rtt");
          rtt != m.value.MemberEnd() && rtt->value.IsObject())
        bs.rtt_avg_us = get_i64(rtt->value, "avg", 0);
      out.brokers.push_back(std::move(bs));
    }
  }
  if (auto t = doc.FindMember("topics");
      t != doc.MemberEnd() && t->value.IsObject()) {
    auto ti = t->value.FindMember(topic.c_str());
    if (ti != t->value.MemberEnd() && ti->value.IsObject()) {
      auto parts = ti->value.FindMember("partitions");
      if (parts != ti->value.MemberEnd() && parts->value.IsObject()) {
        for (auto& m : parts->value.GetObject()) {
          if (!m.value.IsObject())
            continue;
          auto p = get_i64(m.value, "partition", -1);
          if (p < 0)
            continue; // the internal "unassigned" partition
          kafka_partition_stats ps;
          ps.hi_offset = get_i64(m.value, "hi_offset");
          ps.ls_offset = get_i64(m.value, "ls_offset");
          ps.committed_offset = get_i64(m.value, "committed_offset");
          ps.stored_offset = get_i64(m.value, "stored_offset");
          ps.consumer_lag = get_i64(m.value, "consumer_lag");
          ps.fetch_state = get_str(m.value, "fetch_state");
          ps.msgq_cnt = get_i64(m.value, "msgq_cnt", 0)
                        + get_i64(m.value, "xmit_msgq_cnt", 0);
          out.partitions[static_cast<int32_t>(p)] = ps;
        }
      }
    }
  }
  if (auto c = doc.FindMember("cgrp");
      c != doc.MemberEnd() && c->value.IsObject()) {
    out.cgrp_state = get_str(c->value, "state");
    out.cgrp_join_state = get_str(c->value, "join_state");
    out.rebalance_cnt = get_i64(c->value, "rebalance_cnt", 0);
  }
  return true;
}

bool broker_health::mark_up(int64_t now) {
  if (st == state::up)
    return false;
  if (st == state::down)
    last_outage_ms = now - since_ms;
  st = state::up;
  reason.clear();
  since_ms = now;
  return true;
}

bool broker_health::mark_down(int64_t now, std::string why) {
  if (st == state::down) {
    reason = std::move(why);
    return false;
  }
  st = state::down;
  reason = std::move(why);
  since_ms = now;
  ++outages;
  return true;
}

const char* broker_health::name() const {
  switch (st) {
    case state::connecting: return "connecting";
    case state::up: return "up";
    case state::down: return "down";
  }
  return "connecting";
}

} // namespace flux::bus
