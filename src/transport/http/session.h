// Session: one HTTP/1.1 connection of HttpServer. It reads a request (RequestParser), hands it
// to the RequestHandler, writes the answer (head written by AppendResponseHead, body as is,
// one gathered write) and loops while the connection is kept alive.
//
// Timeouts are deadlines, not timers: each phase (reading a request, writing an answer) stores
// when it must be over, and the owning lane's sweep closes sessions whose deadline has passed.
// That keeps timer operations off the per-request path.
//
// Thread-safety: a session belongs to one lane (an io_context run by exactly one thread). Every
// member function runs on that thread, except the `done` callback the handler may call from a
// worker thread, which only moves the answer over to the lane.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "transport/http/access_log.h"
#include "transport/http/http_types.h"
#include "transport/http/request_parser.h"
#include "transport/http/server.h"

namespace memoryd::http {

class Session;

// The sessions of one lane; touched only on the lane's thread.
using SessionSet = std::unordered_set<Session*>;

// Counts a server's open sessions, so that shutdown can wait for them, and turns new ones away
// once shutdown has begun. Thread-safe.
class SessionCount {
 public:
  // false once BeginStop has been called: the new session must close at once.
  bool Add();
  void Remove();
  void BeginStop();
  int64_t open();
  // Waits until no session is open or `limit` has passed; true when none is open.
  bool WaitForNone(std::chrono::steady_clock::duration limit);

 private:
  std::mutex mu_;
  std::condition_variable none_cv_;
  int64_t open_ = 0;
  bool stopping_ = false;
};

// What a server shares with its sessions; outlives them.
struct SessionEnv {
  const HttpServerOptions& options;
  RequestHandler& handler;
  AccessLog& log;
  SessionCount& count;
  RequestObserver* observer;  // may be null
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;
  // A socket bound to its lane's io_context directly: no type-erased executor per operation.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                  boost::asio::io_context::executor_type>;

  Session(Socket socket, const SessionEnv& env, SessionSet& lane_sessions);
  ~Session();

  // Registers with the lane and starts reading. Call on the lane's thread.
  void Start();
  // At shutdown: an idle connection closes now, a busy one after its answer.
  void RequestClose();
  // Closes the connection if its current phase has run past its deadline.
  void CloseIfExpired(Clock::time_point now);

 private:
  void DoRead();
  void ReadSome();
  void OnReadSome(boost::system::error_code ec, std::size_t bytes);
  // Feeds buffered bytes to the parser; true when a whole request is in, or refused at its head.
  bool ParseBuffered(boost::system::error_code& ec);
  // Runs the handler's CheckHead once the headers are in; true when the request is refused.
  bool RefusedAtHead();
  void OnRequest(boost::system::error_code ec);
  void Dispatch(HttpRequest request);
  // Called exactly once per dispatched request, on any thread.
  void Done(HttpResponse response);
  void Reply(HttpResponse response, bool keep_alive);
  void OnWrite(boost::system::error_code ec);
  // After refusing a request at its head: stop sending, then read and discard what the client
  // still sends (up to 64 KiB, at most a second) before closing, so the client reads the answer
  // instead of a reset.
  void Drain();
  void Close();

  Socket socket_;
  const SessionEnv& env_;
  SessionSet& lane_sessions_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  bool head_checked_ = false;  // CheckHead ran for the request being read
  bool drain_ = false;         // refused at its head: drain before closing
  size_t drained_ = 0;
  std::optional<HttpResponse> refusal_;  // its answer when it refused the request
  std::string head_;                     // the answer being written: head, then body_
  std::string body_;
  std::shared_ptr<Session> self_;  // keeps the session alive while the handler has the request
  std::string remote_;
  std::string log_method_;
  std::string log_path_;
  Clock::time_point started_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool keep_alive_ = true;
  bool reply_keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  bool registered_ = false;
};

}  // namespace memoryd::http
