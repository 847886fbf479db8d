#include "transport/http/server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "transport/http/session.h"

namespace memoryd::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using std::chrono::milliseconds;

// How often a lane looks for sessions past their deadline: a quarter of the shortest timeout,
// at most once a second, so a timeout fires at most that much late.
milliseconds SweepInterval(const HttpServerOptions& options) {
  const auto shortest = std::min(options.idle_timeout, options.io_timeout);
  return std::clamp(std::chrono::duration_cast<milliseconds>(shortest) / 4, milliseconds(10),
                    milliseconds(1000));
}

}  // namespace

// One I/O thread with its own io_context. A session lives on one lane, so its handlers never run
// concurrently and need no strand; the lane's timer sweeps its sessions' deadlines.
class Lane {
 public:
  explicit Lane(milliseconds sweep_interval)
      : ioc_(1), sweep_(ioc_), sweep_interval_(sweep_interval) {}

  net::io_context::executor_type executor() { return ioc_.get_executor(); }
  SessionSet& sessions() { return sessions_; }

  void Run() {
    Sweep();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  // Asks every session of the lane to close (idle ones now, busy ones after their answer).
  void RequestCloseAll() {
    net::post(ioc_, [this] {
      const std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
      for (Session* s : sessions) s->RequestClose();
    });
  }
  void Stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Sweep() {
    sweep_.expires_after(sweep_interval_);
    sweep_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const auto now = Session::Clock::now();
      for (Session* s : sessions_) s->CloseIfExpired(now);
      Sweep();
    });
  }

  // Declared before ioc_: sessions destroyed along with the io_context's pending handlers still
  // remove themselves from it.
  SessionSet sessions_;
  net::io_context ioc_;
  net::steady_timer sweep_;
  const milliseconds sweep_interval_;
  std::thread thread_;
};

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, RequestHandler& handler, AccessLog& log)
      : options_(std::move(options)), env_{options_, handler, log, count_} {
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      lanes_.push_back(std::make_unique<Lane>(SweepInterval(options_)));
    }
    acceptor_.emplace(lanes_[0]->executor());
  }

  Status Start() {
    boost::system::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("invalid listen address '" + options_.host + "'");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint().port();
    DoAccept();
    for (auto& lane : lanes_) lane->Run();
    started_ = true;
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    if (!started_) return;
    started_ = false;
    count_.BeginStop();
    net::post(lanes_[0]->executor(), [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
    });
    for (auto& lane : lanes_) lane->RequestCloseAll();
    (void)count_.WaitForNone(options_.shutdown_grace);
    for (auto& lane : lanes_) lane->Stop();
  }

 private:
  void DoAccept() {
    Lane& lane = *lanes_[next_lane_];
    next_lane_ = (next_lane_ + 1) % lanes_.size();
    acceptor_->async_accept(
        lane.executor(), [this, &lane](boost::system::error_code ec, Session::Socket socket) {
          if (ec) {
            if (!acceptor_->is_open()) return;
          } else {
            boost::system::error_code opt_ec;
            socket.set_option(tcp::no_delay(true), opt_ec);
            auto session = std::make_shared<Session>(std::move(socket), env_, lane.sessions());
            net::post(lane.executor(), [session = std::move(session)] { session->Start(); });
          }
          DoAccept();
        });
  }

  const HttpServerOptions options_;
  SessionCount count_;
  const SessionEnv env_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  // Declared after lanes_, so destroyed before the io_context it uses.
  std::optional<net::basic_socket_acceptor<tcp, net::io_context::executor_type>> acceptor_;
  size_t next_lane_ = 0;
  uint16_t port_ = 0;
  bool started_ = false;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler& handler, AccessLog& log)
    : impl_(std::make_unique<Impl>(std::move(options), handler, log)) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace memoryd::http
