// Implementation of the test-only FakeEmbeddingServer (see openai_embedder_fake_server.h). The
// "_test.cc" suffix keeps it out of the library: CMake compiles it into the unit-test binary only.
#include "embed/openai_embedder_fake_server.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace memoryd::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

}  // namespace

struct FakeEmbeddingServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
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
  void Handle(tcp::socket& socket);
  Request Record(const http::request<http::string_body>& req);
  std::string DefaultBody(const std::vector<std::string>& inputs);
  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }
};

FakeEmbeddingServer::FakeEmbeddingServer(int dimension) : impl_(std::make_unique<Impl>()) {
  impl_->dimension = dimension;
  beast::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return;
  impl_->port = impl_->acceptor.local_endpoint(ec).port();
  impl_->thread = std::thread([impl = impl_.get()] { impl->Serve(); });
}

FakeEmbeddingServer::~FakeEmbeddingServer() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  // Wake a blocking accept() with a throwaway connection.
  asio::io_context io;
  tcp::socket poke(io);
  beast::error_code ec;
  poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  impl_->thread.join();
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
    tcp::socket socket(io);
    beast::error_code ec;
    acceptor.accept(socket, ec);
    if (Stopping()) break;
    if (!ec) Handle(socket);
  }
}

void FakeEmbeddingServer::Impl::Handle(tcp::socket& socket) {
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  beast::error_code ec;
  http::read(socket, buffer, req, ec);
  if (ec) return;
  Request recorded = Record(req);
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
  http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::connection, "close");
  if (!reply.retry_after.empty()) res.set(http::field::retry_after, reply.retry_after);
  res.body() = reply.body;
  res.prepare_payload();
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

FakeEmbeddingServer::Request FakeEmbeddingServer::Impl::Record(
    const http::request<http::string_body>& req) {
  Request r;
  r.target = std::string(req.target());
  r.authorization = std::string(req[http::field::authorization]);
  json::error_code ec;
  json::value body = json::parse(req.body(), ec);
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
