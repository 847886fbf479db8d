#include "embed/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <string_view>

namespace memoryd {
namespace {

// libcurl needs one curl_global_init per process before other calls, and that call is not
// thread-safe on every build; a function-local static runs it exactly once, thread-safely. It is
// never undone with curl_global_cleanup, since other threads may use curl until the process exits.
bool CurlGlobalInitOnce() {
  static const bool kOk = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return kOk;
}

struct BodySink {
  std::string* body;
  size_t limit;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->too_large = true;
    return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
  }
  try {
    sink->body->append(data, n);
  } catch (const std::exception&) {  // std::bad_alloc must not unwind through libcurl's C frames
    sink->too_large = true;
    return 0;
  }
  return n;
}

// Picks "Retry-After: <seconds>" out of the response headers (the HTTP-date form is ignored).
size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* retry_after = static_cast<std::optional<int64_t>*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && seconds >= 0) *retry_after = seconds;
  }
  return n;
}

// Progress callback: a non-zero answer aborts the transfer (CURLE_ABORTED_BY_CALLBACK). libcurl
// calls it often during a transfer and about once a second while nothing moves.
int CheckCancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

void HttpClient::CurlDeleter::operator()(void* handle) const { curl_easy_cleanup(handle); }

HttpClient::HttpClient(HttpClientOptions options)
    : options_(options), curl_ready_(CurlGlobalInitOnce()) {}

HttpClient::~HttpClient() = default;

HttpClient::Handle HttpClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Handle handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return Handle(curl_easy_init());
}

void HttpClient::Release(Handle handle) {
  curl_easy_reset(handle.get());  // drops the options, keeps the connection and session caches
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

Result<HttpResponse> HttpClient::Post(const std::string& url,
                                      const std::vector<std::string>& headers,
                                      const std::string& body, std::chrono::milliseconds timeout,
                                      const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load()) return Status::Unavailable("cancelled");
  if (!curl_ready_) return Status::Internal("libcurl failed to initialise");
  Handle handle = Acquire();
  if (!handle) return Status::Internal("libcurl failed to create a handle");
  CURL* curl = handle.get();
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const std::string& h : headers) {
    curl_slist* next = curl_slist_append(header_list.get(), h.c_str());
    if (next == nullptr) return Status::Internal("out of memory building HTTP headers");
    (void)header_list.release();  // now owned by `next`
    header_list.reset(next);
  }
  HttpResponse response;
  BodySink sink{&response.body, options_.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(std::max<int64_t>(timeout.count(), 1));
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      std::min<long>(timeout_ms, static_cast<long>(options_.max_connect_timeout.count())));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);         // signals are unsafe in a threaded server
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.retry_after_seconds);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  if (cancel != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, CheckCancel);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  Release(std::move(handle));
  if (sink.too_large) {
    return Status::TooLarge("response larger than " + std::to_string(options_.max_response_bytes) +
                            " bytes");
  }
  if (rc != CURLE_OK) {
    if (rc == CURLE_ABORTED_BY_CALLBACK) return Status::Unavailable("cancelled");
    std::string message = curl_easy_strerror(rc);
    if (error[0] != '\0') message += std::string(" (") + error + ")";
    if (rc == CURLE_OPERATION_TIMEDOUT) return Status::DeadlineExceeded(message);
    return Status::Unavailable(message);
  }
  return response;
}

}  // namespace memoryd
