#include "store/s3/conditional_puts.h"

#include <random>

#include <fmt/format.h>

#include "store/s3/s3_protocol.h"

namespace basin::s3 {

std::string_view Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Status ConditionalPuts::Put(const std::string& full_key, std::string_view data, PutMode mode) {
  Params headers;
  if (mode == PutMode::kCreateOnly) {
    BASIN_RETURN_IF_ERROR(Decide(create_only_, [&](const std::string& key, Status* verdict) {
      return ProbeCreateOnly(key, verdict);
    }));
    headers.emplace_back("If-None-Match", "*");
  }
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(client_->Call("PUT", full_key, {}, std::move(headers), data, &r));
  if (r.status != 200) return client_->Failure(fmt::format("put '{}'", full_key), r);
  return Status::OK();
}

Status ConditionalPuts::CheckIfMatch() {
  return Decide(if_match_, [&](const std::string& key, Status* verdict) {
    return ProbeIfMatch(key, verdict);
  });
}

std::string ConditionalPuts::IfMatchForm(std::string_view etag) const {
  return std::string(if_match_bare_ ? Unquoted(etag) : etag);
}

Status ConditionalPuts::Decide(Verdict& v,
                               const std::function<Status(const std::string&, Status*)>& probe) {
  std::lock_guard lock(v.mu);
  if (v.known) return v.status;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string key = client_->FullKey(fmt::format(".basin-probe-{:016x}", rng()));
  Status verdict;
  Status s = probe(key, &verdict);
  HttpResponse d;
  client_->Call("DELETE", key, {}, {}, {}, &d).IgnoreError();  // best effort
  if (!s.ok()) return s.WithContext("probing what the server honours");
  v.known = true;
  v.status = std::move(verdict);
  return v.status;
}

// A second create-only PUT of one key must be refused (412).
Status ConditionalPuts::ProbeCreateOnly(const std::string& key, Status* verdict) {
  HttpResponse r;
  auto put = [&] { return client_->Call("PUT", key, {}, {{"If-None-Match", "*"}}, "probe", &r); };
  BASIN_RETURN_IF_ERROR(put());
  if (r.status != 200) return client_->Failure("create-only put of a new object", r);
  BASIN_RETURN_IF_ERROR(put());
  if (r.status == 412) {
    *verdict = Status::OK();
  } else if (r.status == 200) {
    *verdict = Status::NotSupported(fmt::format(
        "{} accepts If-None-Match but overwrites: create-only writes would not be atomic",
        client_->url()));
  } else {
    return client_->Failure("create-only put of an existing object", r);
  }
  return Status::OK();
}

// A PUT naming another version must be refused (412), one naming the object's own ETag
// accepted: quoted, or else bare.
Status ConditionalPuts::ProbeIfMatch(const std::string& key, Status* verdict) {
  HttpResponse r;
  auto put = [&](std::string_view if_match) {
    Params h;
    if (!if_match.empty()) h.emplace_back("If-Match", std::string(if_match));
    return client_->Call("PUT", key, {}, std::move(h), "probe", &r);
  };
  BASIN_RETURN_IF_ERROR(put(""));
  if (r.status != 200) return client_->Failure("put of a new object", r);
  const std::string etag = r.headers["etag"];
  if (!ValidEtag(etag)) {
    return Status::IOError(fmt::format("the server's ETag '{}' for a put is missing or malformed",
                                       Printable(etag, 40)));
  }
  BASIN_RETURN_IF_ERROR(put("\"basin-no-such-version\""));
  if (r.status == 200) {
    *verdict = Status::NotSupported(fmt::format(
        "{} ignores If-Match on PUT: compare-and-swap writes would not be atomic", client_->url()));
    return Status::OK();
  }
  if (r.status != 412) return client_->Failure("if-match put naming another version", r);
  BASIN_RETURN_IF_ERROR(put(etag));
  bool bare = false;
  if (r.status == 412) {
    BASIN_RETURN_IF_ERROR(put(Unquoted(etag)));
    bare = true;
  }
  if (r.status == 200) {
    if_match_bare_ = bare;
    *verdict = Status::OK();
  } else if (r.status == 412) {
    *verdict = Status::NotSupported(fmt::format(
        "{} refuses If-Match with an object's own ETag: compare-and-swap writes are not possible",
        client_->url()));
  } else {
    return client_->Failure("if-match put naming the object's version", r);
  }
  return Status::OK();
}

}  // namespace basin::s3
