#include "embed/openai_embedder.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <exception>
#include <thread>

#include "core/ascii.h"

namespace memoryd {
namespace {

namespace json = boost::json;

constexpr size_t kMaxBatchSize = 2048;  // the largest batch OpenAI accepts
constexpr int kMaxRetries = 20;
constexpr int kMaxDimension = 65536;
constexpr size_t kMaxErrorText = 300;  // bytes of a server's error text kept in a Status

// A short, printable excerpt of an error answer: the server's own message when the body is JSON
// in one of the usual shapes, else the start of the body.
std::string ErrorText(const std::string& body) {
  std::string text = body;
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (const json::object* obj = ec ? nullptr : root.if_object()) {
    const json::value* err = obj->if_contains("error");
    const json::value* msg = err && err->is_object() ? err->as_object().if_contains("message")
                             : err                   ? err
                                                     : obj->if_contains("message");
    if (msg == nullptr) msg = obj->if_contains("detail");
    if (msg != nullptr && msg->is_string()) text = std::string(msg->as_string());
  }
  if (text.size() > kMaxErrorText) text = text.substr(0, kMaxErrorText) + "...";
  for (char& c : text) {
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  return text.empty() ? "(empty body)" : text;
}

// Scales `v` to unit length in place. Returns false for a zero or non-finite vector.
bool NormalizeInPlace(Vector* v) {
  double norm2 = 0;
  for (float x : *v) {
    if (!std::isfinite(x)) return false;
    norm2 += static_cast<double>(x) * x;
  }
  if (norm2 == 0 || !std::isfinite(norm2)) return false;
  const double inv = 1.0 / std::sqrt(norm2);
  for (float& x : *v) x = static_cast<float>(x * inv);
  return true;
}

// The vector of one "data" item. An empty message means success; otherwise it says what is wrong.
std::string ReadEmbedding(const json::object& item, Vector* out) {
  const json::value* embedding = item.if_contains("embedding");
  if (embedding == nullptr) return "an item has no \"embedding\"";
  if (embedding->is_string()) return "embeddings came base64-encoded, not as numbers";
  const json::array* numbers = embedding->if_array();
  if (numbers == nullptr) return "an \"embedding\" is not an array";
  out->reserve(numbers->size());
  for (const json::value& x : *numbers) {
    json::error_code ec;
    const double d = x.to_number<double>(ec);
    if (ec) return "an \"embedding\" holds a non-number";
    out->push_back(static_cast<float>(d));
  }
  return "";
}

// Position of a "data" item in the input: its "index", or its place in the array without one.
// Returns `expected` (out of range) when the index is not an integer in [0, expected).
size_t ReadIndex(const json::object& item, size_t position, size_t expected) {
  const json::value* index = item.if_contains("index");
  if (index == nullptr) return position;
  if (const int64_t* i = index->if_int64()) {
    return *i >= 0 && static_cast<uint64_t>(*i) < expected ? static_cast<size_t>(*i) : expected;
  }
  if (const uint64_t* u = index->if_uint64()) return *u < expected ? *u : expected;
  return expected;
}

Status CheckOptions(const OpenAiEmbedderOptions& o) {
  if (o.batch_size == 0 || o.batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("embedding batch_size must be in [1, 2048]");
  }
  if (o.dimension < 0 || o.dimension > kMaxDimension) {
    return Status::InvalidArgument("embedding dimension must be in [0, 65536]");
  }
  if (o.send_dimensions && o.dimension == 0) {
    return Status::InvalidArgument("send_dimensions needs a dimension");
  }
  if (o.timeout.count() <= 0) return Status::InvalidArgument("embedding timeout must be > 0");
  if (o.max_retries < 0 || o.max_retries > kMaxRetries) {
    return Status::InvalidArgument("embedding max_retries must be in [0, 20]");
  }
  if (o.initial_backoff.count() < 0 || o.max_backoff < o.initial_backoff) {
    return Status::InvalidArgument("embedding backoffs must satisfy 0 <= initial <= max");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ResolveEmbeddingsUrl(const std::string& url) {
  std::string_view u = url;
  while (!u.empty() && std::isspace(static_cast<unsigned char>(u.front()))) u.remove_prefix(1);
  while (!u.empty() && std::isspace(static_cast<unsigned char>(u.back()))) u.remove_suffix(1);
  size_t scheme_end = 0;
  if (StartsWithNoCase(u, "http://")) scheme_end = 7;
  if (StartsWithNoCase(u, "https://")) scheme_end = 8;
  if (scheme_end == 0) {
    return Status::InvalidArgument("embedding URL must start with http:// or https://: " + url);
  }
  const size_t query_start = std::min(u.find('?'), u.size());
  std::string_view query = u.substr(query_start);
  std::string_view base = u.substr(0, query_start);
  while (base.size() > scheme_end && base.back() == '/') base.remove_suffix(1);
  const size_t path_start = std::min(base.find('/', scheme_end), base.size());
  if (path_start == scheme_end) return Status::InvalidArgument("embedding URL has no host: " + url);
  std::string out(base);
  if (path_start == base.size()) {
    out += "/v1/embeddings";
  } else if (!base.ends_with("/embeddings")) {
    out += "/embeddings";
  }
  return out + std::string(query);
}

OpenAiEmbedder::OpenAiEmbedder(PassKey, OpenAiEmbedderOptions options, std::string endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      dimension_(options_.dimension),
      rng_(std::random_device()()) {
  headers_ = {"Content-Type: application/json", "Accept: application/json",
              "Expect:"};  // no "100-continue" round trip for large batches
  if (!options_.api_key.empty()) headers_.push_back("Authorization: Bearer " + options_.api_key);
}

Result<std::unique_ptr<OpenAiEmbedder>> OpenAiEmbedder::Create(OpenAiEmbedderOptions options) {
  MEMORYD_RETURN_IF_ERROR(CheckOptions(options));
  MEMORYD_ASSIGN_OR_RETURN(std::string endpoint, ResolveEmbeddingsUrl(options.url));
  return std::make_unique<OpenAiEmbedder>(PassKey(), std::move(options), std::move(endpoint));
}

std::string OpenAiEmbedder::Name() const {
  std::string name = "openai:" + (options_.model.empty() ? endpoint_ : options_.model);
  if (options_.send_dimensions) name += ":" + std::to_string(options_.dimension);
  return name;
}

int OpenAiEmbedder::Dimension() const { return dimension_.load(); }

Result<std::vector<Vector>> OpenAiEmbedder::Embed(const std::vector<std::string>& texts) {
  return EmbedWithin(texts, EmbedBudget{});
}

Result<std::vector<Vector>> OpenAiEmbedder::EmbedWithin(const std::vector<std::string>& texts,
                                                        const EmbedBudget& budget) {
  try {
    std::vector<Vector> out;
    out.reserve(texts.size());
    std::span<const std::string> rest(texts);
    while (!rest.empty()) {
      const size_t n = std::min(rest.size(), options_.batch_size);
      MEMORYD_ASSIGN_OR_RETURN(std::vector<Vector> batch, EmbedBatch(rest.first(n), budget));
      for (Vector& v : batch) out.push_back(std::move(v));
      rest = rest.subspan(n);
    }
    return out;
  } catch (const std::exception& e) {  // std::bad_alloc from JSON encoding or decoding
    return Status::Internal("embedding via " + endpoint_ + " failed: " + e.what());
  }
}

void OpenAiEmbedder::Cancel() {
  {
    std::lock_guard lock(sleep_mu_);
    cancelled_ = true;
  }
  sleep_cv_.notify_all();
}

bool OpenAiEmbedder::SleepUnlessCancelled(std::chrono::milliseconds delay) {
  std::unique_lock lock(sleep_mu_);
  return !sleep_cv_.wait_for(lock, delay, [&] { return cancelled_.load(); });
}

Result<std::vector<Vector>> OpenAiEmbedder::EmbedBatch(std::span<const std::string> texts,
                                                       const EmbedBudget& budget) {
  MEMORYD_ASSIGN_OR_RETURN(HttpResponse response, PostWithRetries(RequestBody(texts), budget));
  return ParseAnswer(response.body, texts.size());
}

std::string OpenAiEmbedder::RequestBody(std::span<const std::string> texts) const {
  json::object request;
  if (!options_.model.empty()) request["model"] = options_.model;
  json::array input;
  input.reserve(texts.size());
  for (const std::string& t : texts) input.emplace_back(json::string_view(t));
  request["input"] = std::move(input);
  request["encoding_format"] = "float";
  if (options_.send_dimensions) request["dimensions"] = options_.dimension;
  return json::serialize(request);
}

// One request, its timeout cut to what is left of the budget. On a failure, `retryable` says
// whether another attempt may succeed.
Result<HttpResponse> OpenAiEmbedder::PostOnce(const std::string& body, const EmbedBudget& budget,
                                              std::optional<int64_t>* retry_after,
                                              bool* retryable) {
  using std::chrono::milliseconds;
  *retryable = false;
  if (cancelled_.load()) return Status::Unavailable("embedding cancelled: memoryd is stopping");
  milliseconds timeout = options_.timeout;
  if (budget.deadline != std::chrono::steady_clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<milliseconds>(budget.deadline -
                                                               std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::DeadlineExceeded("embedding endpoint " + endpoint_ +
                                      " did not answer within the time allowed");
    }
    timeout = std::min(timeout, left);
  }
  Result<HttpResponse> answer = http_.Post(endpoint_, headers_, body, timeout, &cancelled_);
  if (!answer.ok()) {
    const StatusCode code = answer.status().code();
    if (code == StatusCode::kDeadlineExceeded) {
      *retryable = true;
      return Status::DeadlineExceeded("embedding endpoint " + endpoint_ +
                                      " did not answer within " + std::to_string(timeout.count()) +
                                      " ms");
    }
    if (code != StatusCode::kUnavailable) {
      return Status::Internal("embedding endpoint " + endpoint_ +
                              " answered badly: " + answer.status().message());
    }
    *retryable = !cancelled_.load();
    return Status::Unavailable("embedding endpoint " + endpoint_ +
                               " unreachable: " + answer.status().message());
  }
  if (answer->status >= 200 && answer->status < 300) return answer;
  const long code = answer->status;
  std::string message = "embedding endpoint " + endpoint_ + " answered " + std::to_string(code) +
                        ": " + ErrorText(answer->body);
  // 400, 413 and 422 are how endpoints refuse an input (too long for the model, empty, ...).
  if (code == 400 || code == 413 || code == 422) return Status::TooLarge(std::move(message));
  if (code != 408 && code != 429 && code < 500) return Status::Internal(std::move(message));
  *retryable = true;
  *retry_after = answer->retry_after_seconds;
  return Status::Unavailable(std::move(message));
}

Result<HttpResponse> OpenAiEmbedder::PostWithRetries(const std::string& body,
                                                     const EmbedBudget& budget) {
  const int max_retries = budget.max_retries >= 0 ? budget.max_retries : options_.max_retries;
  for (int retry = 0;; ++retry) {
    std::optional<int64_t> retry_after;
    bool retryable = false;
    Result<HttpResponse> answer = PostOnce(body, budget, &retry_after, &retryable);
    if (answer.ok() || !retryable || retry >= max_retries) return answer;
    const auto delay = BackoffDelay(retry, retry_after);
    // A retry that could not start before the deadline is not made.
    if (std::chrono::steady_clock::now() + delay >= budget.deadline) return answer;
    if (!SleepUnlessCancelled(delay)) return answer;
  }
}

std::chrono::milliseconds OpenAiEmbedder::BackoffDelay(int retry,
                                                       std::optional<int64_t> retry_after_seconds) {
  const int64_t max_ms = options_.max_backoff.count();
  int64_t base = options_.initial_backoff.count();
  for (int i = 0; i < retry && base < max_ms; ++i) base *= 2;
  base = std::min(base, max_ms);
  int64_t delay = base;
  {
    std::lock_guard lock(rng_mu_);
    delay = base / 2 + std::uniform_int_distribution<int64_t>(0, base - base / 2)(rng_);
  }
  if (retry_after_seconds.has_value()) {
    delay = std::max(delay, std::min(*retry_after_seconds * 1000, max_ms));
  }
  return std::chrono::milliseconds(delay);
}

Status OpenAiEmbedder::CheckDimension(size_t dimension) {
  int expected = dimension_.load();
  if (expected == 0 && dimension > 0 && dimension <= static_cast<size_t>(kMaxDimension)) {
    // Learn it; if another answer set it first, compare with that one.
    if (dimension_.compare_exchange_strong(expected, static_cast<int>(dimension))) {
      return Status::Ok();
    }
  }
  if (dimension == static_cast<size_t>(expected)) return Status::Ok();
  return Status::InvalidArgument("embedding endpoint " + endpoint_ +
                                 " returned a vector of dimension " + std::to_string(dimension) +
                                 ", expected " + std::to_string(expected));
}

Result<std::vector<Vector>> OpenAiEmbedder::ParseAnswer(const std::string& body, size_t expected) {
  const std::string where = "embedding endpoint " + endpoint_ + " ";
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return Status::Internal(where + "answered with malformed JSON: " + ec.message());
  const json::object* obj = root.if_object();
  const json::value* data = obj != nullptr ? obj->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) {
    return Status::Internal(where + "answered without a \"data\" array");
  }
  const json::array& items = data->as_array();
  if (items.size() != expected) {
    return Status::Internal(where + "returned " + std::to_string(items.size()) +
                            " embeddings for " + std::to_string(expected) + " texts");
  }
  std::vector<Vector> out(expected);
  std::vector<bool> seen(expected, false);
  for (size_t pos = 0; pos < items.size(); ++pos) {
    const json::object* item = items[pos].if_object();
    if (item == nullptr) return Status::Internal(where + "returned a non-object in \"data\"");
    const size_t index = ReadIndex(*item, pos, expected);
    if (index >= expected || seen[index]) {
      return Status::Internal(where + "returned a missing, repeated or out-of-range index");
    }
    seen[index] = true;
    if (std::string bad = ReadEmbedding(*item, &out[index]); !bad.empty()) {
      return Status::Internal(where + "answered badly: " + std::move(bad));
    }
    MEMORYD_RETURN_IF_ERROR(CheckDimension(out[index].size()));
    if (!NormalizeInPlace(&out[index])) {
      return Status::Internal(where + "returned a zero or non-finite vector");
    }
  }
  return out;
}

}  // namespace memoryd
