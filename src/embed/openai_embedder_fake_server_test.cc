// Implementation of the test-only FakeEmbeddingServer (see openai_embedder_fake_server.h). The
// "_test.cc" suffix keeps it out of the library: CMake compiles it into the unit-test binary only.
// Plain POSIX sockets and a minimal HTTP/1.1 parser keep it small and sanitizer-friendly.
#include "embed/openai_embedder_fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace memoryd::testing {
namespace {

namespace json = boost::json;

struct HttpRequest {
  std::string target;
  std::string authorization;
  std::string body;
};

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::string HeaderValue(std::string_view line, size_t name_size) {
  std::string_view v = line.substr(name_size + 1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return std::string(v);
}

// Reads one request (headers, then Content-Length bytes of body). nullopt on a broken request.
std::optional<HttpRequest> ReadRequest(int fd) {
  std::string data;
  char buf[4096];
  size_t header_end;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return std::nullopt;
    data.append(buf, static_cast<size_t>(n));
  }
  HttpRequest req;
  size_t content_length = 0;
  size_t line_start = 0;
  for (size_t line_end; (line_end = data.find("\r\n", line_start)) <= header_end;
       line_start = line_end + 2) {
    std::string_view line(data.data() + line_start, line_end - line_start);
    if (line_start == 0) {
      const size_t sp = line.find(' ');
      req.target = std::string(line.substr(sp + 1, line.find(' ', sp + 1) - sp - 1));
    } else if (HeaderIs(line, "content-length")) {
      content_length = std::stoul(HeaderValue(line, 14));
    } else if (HeaderIs(line, "authorization")) {
      req.authorization = HeaderValue(line, 13);
    }
  }
  const size_t body_start = header_end + 4;
  while (data.size() < body_start + content_length) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return std::nullopt;
    data.append(buf, static_cast<size_t>(n));
  }
  req.body = data.substr(body_start, content_length);
  return req;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    // MSG_NOSIGNAL: a client that already gave up must not kill the test with SIGPIPE.
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

struct FakeEmbeddingServer::Impl {
  int listen_fd = -1;
  uint16_t port = 0;
  std::thread thread;

  mutable std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  int dimension;
  bool reverse = false;
  std::deque<Reply> replies;
  std::vector<Request> requests;

  void Serve();
  void Handle(int fd);
  Request Record(const HttpRequest& req);
  std::string DefaultBody(const std::vector<std::string>& inputs);
  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }
};

FakeEmbeddingServer::FakeEmbeddingServer(int dimension) : impl_(std::make_unique<Impl>()) {
  impl_->dimension = dimension;
  impl_->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl_->listen_fd < 0) return;
  sockaddr_in addr = Loopback(0);  // port 0: the OS picks a free one
  socklen_t len = sizeof(addr);
  if (::bind(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(impl_->listen_fd, 16) != 0 ||
      ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;
  }
  impl_->port = ntohs(addr.sin_port);
  impl_->thread = std::thread([impl = impl_.get()] { impl->Serve(); });
}

FakeEmbeddingServer::~FakeEmbeddingServer() {
  if (impl_->thread.joinable()) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->stopping = true;
    }
    impl_->stop_cv.notify_all();
    // Wake a blocking accept() with a throwaway connection.
    const int poke = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(impl_->port);
    if (poke >= 0) (void)::connect(poke, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    impl_->thread.join();
    if (poke >= 0) ::close(poke);
  }
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
}

bool FakeEmbeddingServer::ok() const { return impl_->port != 0; }

std::string FakeEmbeddingServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FakeEmbeddingServer::Enqueue(Reply reply) {
  std::lock_guard lock(impl_->mu);
  impl_->replies.push_back(std::move(reply));
}

void FakeEmbeddingServer::SetDimension(int dimension) {
  std::lock_guard lock(impl_->mu);
  impl_->dimension = dimension;
}

void FakeEmbeddingServer::SetReverseOrder(bool reverse) {
  std::lock_guard lock(impl_->mu);
  impl_->reverse = reverse;
}

std::vector<FakeEmbeddingServer::Request> FakeEmbeddingServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

Vector FakeEmbeddingServer::FakeEmbedding(const std::string& text, int dimension) {
  const size_t h = std::hash<std::string>()(text);
  Vector v(dimension);
  for (int i = 0; i < dimension; ++i) {
    v[i] = static_cast<float>((h >> (i % 48)) % 97) - 40.0f + 0.5f * static_cast<float>(i);
  }
  return v;
}

void FakeEmbeddingServer::Impl::Serve() {
  while (!Stopping()) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EINTR and friends; the loop re-checks Stopping()
    if (!Stopping()) Handle(fd);
    ::close(fd);
  }
}

void FakeEmbeddingServer::Impl::Handle(int fd) {
  timeval recv_timeout{5, 0};  // a silent client must not wedge the server
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof(recv_timeout));
  std::optional<HttpRequest> req = ReadRequest(fd);
  if (!req) return;
  Request recorded = Record(*req);
  Reply reply;
  {
    std::unique_lock lock(mu);
    requests.push_back(recorded);
    if (!replies.empty()) {
      reply = std::move(replies.front());
      replies.pop_front();
    } else {
      lock.unlock();
      reply.body = DefaultBody(recorded.inputs);
      lock.lock();
    }
    stop_cv.wait_for(lock, reply.delay, [this] { return stopping; });
  }
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) +
                     (reply.status == 200 ? " OK" : " Status") +
                     "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     "Content-Length: " +
                     std::to_string(reply.body.size()) + "\r\n";
  if (!reply.retry_after.empty()) head += "Retry-After: " + reply.retry_after + "\r\n";
  SendAll(fd, head + "\r\n" + reply.body);
  ::shutdown(fd, SHUT_RDWR);
}

FakeEmbeddingServer::Request FakeEmbeddingServer::Impl::Record(const HttpRequest& req) {
  Request r;
  r.target = req.target;
  r.authorization = req.authorization;
  json::error_code ec;
  json::value body = json::parse(req.body, ec);
  const json::object* obj = ec ? nullptr : body.if_object();
  if (obj == nullptr) return r;
  if (auto* m = obj->if_contains("model"); m && m->is_string()) r.model = m->as_string();
  if (auto* d = obj->if_contains("dimensions"); d && d->is_int64()) {
    r.dimensions = static_cast<int>(d->as_int64());
  }
  if (auto* in = obj->if_contains("input"); in && in->is_array()) {
    for (const json::value& t : in->as_array()) {
      if (t.is_string()) r.inputs.emplace_back(t.as_string());
    }
  }
  return r;
}

std::string FakeEmbeddingServer::Impl::DefaultBody(const std::vector<std::string>& inputs) {
  int dim;
  bool reversed;
  {
    std::lock_guard lock(mu);
    dim = dimension;
    reversed = reverse;
  }
  json::array data;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const size_t i = reversed ? inputs.size() - 1 - k : k;
    json::array embedding;
    for (float x : FakeEmbedding(inputs[i], dim)) embedding.emplace_back(x);
    data.emplace_back(
        json::object{{"object", "embedding"}, {"index", i}, {"embedding", embedding}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", data}, {"model", "fake"}});
}

}  // namespace memoryd::testing
