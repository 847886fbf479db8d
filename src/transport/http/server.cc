#include "transport/http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "core/repeat_limiter.h"
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
  Impl(HttpServerOptions options, RequestHandler& handler, AccessLog& log,
       RequestObserver* observer)
      : options_(std::move(options)), env_{options_, handler, log, count_, observer} {
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      lanes_.push_back(std::make_unique<Lane>(SweepInterval(options_)));
    }
    acceptor_.emplace(lanes_[0]->executor());
    accept_timer_.emplace(lanes_[0]->executor());
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
      accept_timer_->cancel();
    });
    for (auto& lane : lanes_) lane->RequestCloseAll();
    (void)count_.WaitForNone(options_.shutdown_grace);
    for (auto& lane : lanes_) lane->Stop();
  }

 private:
  // Accepts the next connection, unless max_connections are open (then it looks again shortly,
  // leaving new ones in the listen queue). Out of descriptors or memory, it backs off (10 ms
  // doubling to 1 s) instead of spinning on the failing accept; open connections are served
  // meanwhile, and accepting resumes once descriptors are free again.
  void DoAccept() {
    if (count_.open() + starting_.load() >= options_.max_connections) {
      return AcceptLater(kFullRetry);
    }
    Lane& lane = *lanes_[next_lane_];
    next_lane_ = (next_lane_ + 1) % lanes_.size();
    acceptor_->async_accept(
        lane.executor(), [this, &lane](boost::system::error_code ec, Session::Socket socket) {
          if (ec) {
            if (!acceptor_->is_open()) return;
            if (OutOfResources(ec)) {
              backoff_ = std::min(std::max(backoff_ * 2, kFirstBackoff), kMaxBackoff);
              const std::string line = accept_errors_.Filter(
                  "memoryd: cannot accept connections: " + ec.message() +
                      "; backing off (raise the descriptor limit, ulimit -n, or lower "
                      "--max-connections)",
                  NowMillis());
              if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
              return AcceptLater(backoff_);
            }
          } else {
            backoff_ = milliseconds(0);
            boost::system::error_code opt_ec;
            socket.set_option(tcp::no_delay(true), opt_ec);
            auto session = std::make_shared<Session>(std::move(socket), env_, lane.sessions());
            ++starting_;  // counted until the session registers on its lane
            net::post(lane.executor(), [this, session = std::move(session)] {
              session->Start();
              --starting_;
            });
          }
          DoAccept();
        });
  }

  void AcceptLater(milliseconds delay) {
    accept_timer_->expires_after(delay);
    accept_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec || !acceptor_->is_open()) return;
      DoAccept();
    });
  }

  static bool OutOfResources(const boost::system::error_code& ec) {
    return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
           ec == net::error::no_memory || ec.value() == ENFILE;
  }

  static int64_t NowMillis() {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  static constexpr milliseconds kFullRetry{20};
  static constexpr milliseconds kFirstBackoff{10};
  static constexpr milliseconds kMaxBackoff{1000};

  const HttpServerOptions options_;
  SessionCount count_;
  const SessionEnv env_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  // Declared after lanes_, so destroyed before the io_context it uses.
  std::optional<net::basic_socket_acceptor<tcp, net::io_context::executor_type>> acceptor_;
  std::optional<net::steady_timer> accept_timer_;  // on lane 0, as the acceptor
  milliseconds backoff_{0};
  std::atomic<int64_t> starting_{0};  // accepted sessions not yet started on their lane
  RepeatLimiter accept_errors_{60'000};
  size_t next_lane_ = 0;
  uint16_t port_ = 0;
  bool started_ = false;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler& handler, AccessLog& log,
                       RequestObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), handler, log, observer)) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace memoryd::http
