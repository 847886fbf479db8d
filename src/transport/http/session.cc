#include "transport/http/session.h"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include "transport/http/error_map.h"
#include "transport/http/response_head.h"

namespace memoryd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr uint32_t kHeaderLimit = 16 * 1024;
// Reads ask for at least this much room and at most the second figure, as Beast's reads do.
constexpr std::size_t kMinReadBytes = 512;
constexpr std::size_t kMaxReadBytes = 64 * 1024;

int64_t MicrosBetween(Session::Clock::time_point start, Session::Clock::time_point end) {
  return std::chrono::duration_cast<std::chrono::microseconds>(end - start).count();
}

}  // namespace

bool SessionCount::Add() {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  ++open_;
  return true;
}

void SessionCount::Remove() {
  std::lock_guard lock(mu_);
  if (--open_ == 0) none_cv_.notify_all();
}

int64_t SessionCount::open() {
  std::lock_guard lock(mu_);
  return open_;
}

void SessionCount::BeginStop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
}

bool SessionCount::WaitForNone(std::chrono::steady_clock::duration limit) {
  std::unique_lock lock(mu_);
  return none_cv_.wait_for(lock, limit, [this] { return open_ == 0; });
}

Session::Session(Socket socket, const SessionEnv& env, SessionSet& lane_sessions)
    : socket_(std::move(socket)), env_(env), lane_sessions_(lane_sessions) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? "-" : endpoint.address().to_string();
}

Session::~Session() {
  if (!registered_) return;
  lane_sessions_.erase(this);
  env_.count.Remove();
}

void Session::Start() {
  if (!env_.count.Add()) return;  // shutting down: the socket closes with the session
  registered_ = true;
  lane_sessions_.insert(this);
  DoRead();
}

void Session::RequestClose() {
  closing_ = true;
  if (!busy_) Close();
}

void Session::CloseIfExpired(Clock::time_point now) {
  if (now >= deadline_) Close();
}

void Session::DoRead() {
  if (closing_) return Close();
  parser_.emplace();
  // Not eager until the head has been checked: the parser stops after the headers, so a request
  // the handler refuses (no valid key, a forbidden Origin, ...) never has its body buffered.
  parser_->eager(false);
  head_checked_ = false;
  refusal_.reset();
  parser_->body_limit(static_cast<uint64_t>(env_.options.max_body_bytes));
  parser_->header_limit(kHeaderLimit);
  deadline_ = Clock::now() + env_.options.idle_timeout;
  // A pipelining client may already have sent the next request.
  boost::system::error_code ec;
  if (buffer_.size() > 0 && ParseBuffered(ec)) return OnRequest(ec);
  ReadSome();
}

void Session::ReadSome() {
  const std::size_t room =
      std::clamp(buffer_.capacity() - buffer_.size(), kMinReadBytes, kMaxReadBytes);
  socket_.async_read_some(
      buffer_.prepare(room),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
        self->OnReadSome(ec, bytes);
      });
}

void Session::OnReadSome(boost::system::error_code ec, std::size_t bytes) {
  if (closing_ || ec == net::error::operation_aborted) return Close();
  if (ec == net::error::eof) {
    // As Beast's read: EOF before any byte of a request ends the connection quietly; EOF
    // inside one is a partial message.
    if (!parser_->got_some()) return Close();
    ec = {};
    parser_->put_eof(ec);
    return OnRequest(ec);
  }
  if (ec) return OnRequest(ec);  // e.g. a reset: answered (and logged) like a bad request
  buffer_.commit(bytes);
  if (ParseBuffered(ec)) return OnRequest(ec);
  ReadSome();
}

bool Session::ParseBuffered(boost::system::error_code& ec) {
  while (buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
    if (!head_checked_ && parser_->is_header_done()) {
      if (RefusedAtHead()) return true;
      parser_->eager(true);
    }
    if (parser_->is_done()) return true;
    if (used == 0) return false;
  }
  return false;
}

bool Session::RefusedAtHead() {
  head_checked_ = true;
  HttpRequest& head = parser_->request();
  head.remote = remote_;
  log_method_.assign(head.method);
  log_path_.assign(head.target, 0, head.target.find('?'));
  if (Status target = ParseTarget(head); !target.ok()) {
    refusal_ = ErrorResponse(target);
  } else {
    refusal_ = env_.handler.CheckHead(head);
  }
  return refusal_.has_value();
}

void Session::OnRequest(boost::system::error_code ec) {
  deadline_ = Clock::time_point::max();  // the handler's time is not the client's
  started_ = Clock::now();
  busy_ = true;
  if (ec == bhttp::error::body_limit) {
    return Reply(
        ErrorResponse(Status::TooLarge("request body is larger than " +
                                       std::to_string(env_.options.max_body_bytes) + " bytes")),
        false);
  }
  if (refusal_) {  // the body was never read
    drain_ = true;
    return Reply(std::move(*refusal_), false);
  }
  if (ec) {
    return Reply(ErrorResponse(Status::InvalidArgument("malformed HTTP request: " + ec.message())),
                 false);
  }
  keep_alive_ = parser_->keep_alive();
  HttpRequest request = std::move(parser_->request());
  request.remote = remote_;
  Dispatch(std::move(request));
}

void Session::Dispatch(HttpRequest request) {
  // Path, query and the access log's fields were set when the head was checked.
  // The callback carries only a raw pointer, which std::function stores without allocating;
  // self_ keeps the session alive until the answer is in.
  self_ = shared_from_this();
  env_.handler.Handle(std::move(request),
                      [this](HttpResponse response) { Done(std::move(response)); });
}

void Session::Done(HttpResponse response) {
  if (socket_.get_executor().running_in_this_thread()) {
    return Reply(std::move(response), keep_alive_);
  }
  // From a worker thread: hand the answer to the lane. The lane does not touch self_ while the
  // handler has the request, so moving it here is safe.
  net::post(socket_.get_executor(),
            [self = std::move(self_), response = std::move(response)]() mutable {
              self->Reply(std::move(response), self->keep_alive_);
            });
}

void Session::Reply(HttpResponse response, bool keep_alive) {
  busy_ = true;
  reply_keep_alive_ = keep_alive && !closing_;
  head_.clear();
  AppendResponseHead(response, reply_keep_alive_, head_);
  body_ = std::move(response.body);
  const Clock::time_point now = Clock::now();
  const int64_t micros = MicrosBetween(started_, now);
  env_.log.Record(remote_, log_method_.empty() ? "-" : log_method_,
                  log_path_.empty() ? "-" : log_path_, response.log_detail, response.status,
                  body_.size(), micros);
  if (env_.observer != nullptr) {
    env_.observer->Observe(log_method_, response.route, response.status, micros);
  }
  deadline_ = now + env_.options.io_timeout;
  std::shared_ptr<Session> self = self_ ? std::move(self_) : shared_from_this();
  const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
  net::async_write(
      socket_, buffers,
      [self = std::move(self)](boost::system::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(boost::system::error_code ec) {
  busy_ = false;
  log_method_.clear();
  log_path_.clear();
  if (!ec && drain_) return Drain();
  if (ec || !reply_keep_alive_) return Close();
  DoRead();
}

void Session::Drain() {
  constexpr size_t kDrainLimit = 64 * 1024;
  if (drained_ == 0) {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
    deadline_ = Clock::now() + std::chrono::seconds(1);  // the lane's sweep closes it then
    buffer_.clear();
  }
  if (closing_ || drained_ >= kDrainLimit) return Close();
  socket_.async_read_some(buffer_.prepare(kMinReadBytes),
                          [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                            if (ec) return self->Close();
                            self->drained_ += n + 1;  // +1: a zero-byte read still progresses
                            self->Drain();
                          });
}

void Session::Close() {
  deadline_ = Clock::time_point::max();
  boost::system::error_code ec;
  socket_.shutdown(Socket::shutdown_send, ec);
  socket_.close(ec);
}

}  // namespace memoryd::http
