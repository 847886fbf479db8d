#include "transport/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "transport/http/error_map.h"

namespace memoryd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr uint32_t kHeaderLimit = 16 * 1024;

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now() - start).count();
}

}  // namespace

// Shared state of the server, visible to sessions.
struct ServerState {
  HttpServerOptions options;
  RequestHandler& handler;
  AccessLog& log;
  std::mutex mu;
  std::condition_variable idle_cv;
  std::unordered_set<class Session*> sessions;
  bool stopping = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& state) : stream_(std::move(socket)), state_(state) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "-" : ep.address().to_string();
  }

  void Start() {
    {
      std::lock_guard lock(state_.mu);
      if (state_.stopping) return;
      state_.sessions.insert(this);
    }
    registered_ = true;
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  ~Session() {
    if (!registered_) return;
    std::lock_guard lock(state_.mu);
    state_.sessions.erase(this);
    state_.idle_cv.notify_all();
  }

  // Called at shutdown: an idle connection closes now, a busy one after its answer.
  void RequestClose() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->Close();
    });
  }

 private:
  void DoRead() {
    if (closing_) return Close();
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(state_.options.max_body_bytes));
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(state_.options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || closing_) {
      return Close();
    }
    started_ = std::chrono::steady_clock::now();
    if (ec == bhttp::error::body_limit) {
      return Reply(
          ErrorResponse(Status::TooLarge("request body is larger than " +
                                         std::to_string(state_.options.max_body_bytes) + " bytes")),
          false);
    }
    if (ec)
      return Reply(
          ErrorResponse(Status::InvalidArgument("malformed HTTP request: " + ec.message())), false);
    auto req = parser_->release();
    HttpRequest request = Convert(req);
    keep_alive_ = req.keep_alive();
    busy_ = true;
    Status target = ParseTarget(request);
    if (!target.ok()) return Reply(ErrorResponse(target), false);
    log_method_ = request.method;
    log_path_ = request.target.substr(0, request.target.find('?'));
    auto done = [self = shared_from_this(),
                 guard = net::make_work_guard(stream_.get_executor())](HttpResponse response) {
      // Inline routes answer on the session's own strand, so dispatch runs the reply at once;
      // answers from the worker pool are queued to the strand.
      net::dispatch(self->stream_.get_executor(), [self, r = std::move(response)]() mutable {
        self->Reply(std::move(r), self->keep_alive_);
      });
    };
    state_.handler.Handle(std::move(request), std::move(done));
  }

  HttpRequest Convert(const bhttp::request<bhttp::string_body>& req) {
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    out.remote = remote_;
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = req.body();
    return out;
  }

  void Reply(HttpResponse response, bool keep_alive) {
    busy_ = true;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(bhttp::field::server, "memoryd");
    res_.set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res_.set(name, value);
    res_.body() = std::move(response.body);
    res_.keep_alive(keep_alive && !closing_);
    res_.prepare_payload();
    state_.log.Record(remote_, log_method_.empty() ? "-" : log_method_,
                      log_path_.empty() ? "-" : log_path_, response.status, res_.body().size(),
                      MicrosSince(started_));
    stream_.expires_after(state_.options.io_timeout);
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    busy_ = false;
    log_method_.clear();
    log_path_.clear();
    if (ec || !res_.keep_alive()) return Close();
    DoRead();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  std::string remote_;
  std::string log_method_;
  std::string log_path_;
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  bool registered_ = false;
};

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, RequestHandler& handler, AccessLog& log)
      : state_{std::move(options), handler, log, {}, {}, {}, false},
        ioc_(state_.options.threads),
        acceptor_(net::make_strand(ioc_)) {}

  Status Start() {
    beast::error_code ec;
    auto address = net::ip::make_address(state_.options.host, ec);
    if (ec) return Status::InvalidArgument("invalid listen address '" + state_.options.host + "'");
    tcp::endpoint endpoint(address, state_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + state_.options.host + ":" +
                                 std::to_string(state_.options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    DoAccept();
    for (int i = 0; i < std::max(1, state_.options.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    if (threads_.empty()) return;
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(state_.mu);
      state_.stopping = true;
      for (Session* s : state_.sessions) {
        if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
      }
    }
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    for (auto& s : live) s->RequestClose();
    live.clear();
    {
      std::unique_lock lock(state_.mu);
      state_.idle_cv.wait_for(lock, state_.options.shutdown_grace,
                              [this] { return state_.sessions.empty(); });
    }
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (!acceptor_.is_open()) return;
      } else {
        beast::error_code opt_ec;
        s.set_option(tcp::no_delay(true), opt_ec);
        std::make_shared<Session>(std::move(s), state_)->Start();
      }
      DoAccept();
    });
  }

  ServerState state_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler& handler, AccessLog& log)
    : impl_(std::make_unique<Impl>(std::move(options), handler, log)) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace memoryd::http
