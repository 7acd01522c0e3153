// The local API server: a Unix stream socket (mode 0600) that accepts only
// the allowed uid (root) by SO_PEERCRED, reads proto::ApiRequest frames and
// answers each with proto::ApiResponse frames, in request order.
//
// Hostile or garbled input never reaches the daemon: an oversized frame or a
// request that does not decode is answered with ApiError{BadRequest} and the
// connection is closed; the server keeps serving everyone else.
//
// A large ApiObjects answer is split into several frames, each with
// more = true except the last, so no frame exceeds the frame limit.
//
// Threading: construct, use and destroy on the thread that runs the
// io_context (the daemon thread). The handler is called on that thread too.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include "daemon/util/log_throttle.hpp"
#include "proto/api.hpp"

namespace cc::net {

// Sends the one answer to a request. Callable once, on the daemon thread, at
// any later time; a no-op if the client has gone.
using ApiReply = std::function<void(proto::ApiResponse)>;

// What the daemon does with a decoded request.
class ApiHandler {
  public:
    virtual ~ApiHandler() = default;
    virtual void handle(proto::ApiRequest request, ApiReply reply) = 0;
};

class ApiConnection;

class ApiServer {
  public:
    // Largest request accepted; requests are small, this bounds a hostile one.
    static constexpr uint32_t kMaxRequestBytes = 1u << 20;
    // Requests a client may have outstanding on one connection before the
    // server stops reading from it.
    static constexpr size_t kMaxPipelined = 256;
    // Clients connected at once; one more is answered Refused and closed.
    static constexpr size_t kMaxConnections = 256;

    // Binds socket_path (a stale socket file is replaced; a live one, another
    // daemon's, is not) with mode 0600. Throws cc::fs::FsError naming the path
    // if it cannot.
    ApiServer(boost::asio::io_context& io, std::filesystem::path socket_path, ApiHandler& handler,
              uid_t allowed_uid = 0);
    // Closes every connection and removes the socket file.
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    void start();
    // Stops accepting and closes every connection (pending replies are dropped).
    void stop();

    const std::filesystem::path& socket_path() const { return path_; }
    size_t connection_count() const { return connections_.size(); }

  private:
    friend class ApiConnection;
    void accept_next();
    void refuse(boost::asio::local::stream_protocol::socket& socket);
    void forget(ApiConnection* c) { connections_.erase(c); }

    boost::asio::io_context& io_;
    std::filesystem::path path_;
    ApiHandler& handler_;
    uid_t allowed_uid_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    boost::asio::steady_timer retry_;  // accept again after a failure
    cc::log::Throttle accept_failures_, refusals_;
    std::set<ApiConnection*> connections_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::net
