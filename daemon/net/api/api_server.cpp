#include "daemon/net/api/api_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/write.hpp>
#include <deque>
#include <optional>

#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"
#include "proto/frame.hpp"

namespace cc::net {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

namespace {

// Encoded size budget of one ApiObjects frame, well under the frame limit.
constexpr size_t kChunkBytes = 4u << 20;

// Frames for one response; a big ApiObjects is split into chunks.
std::string encode_response(const proto::ApiResponse& r) {
    auto* objs = std::get_if<proto::ApiObjects>(&r);
    if (!objs) return proto::encode_frame(r);
    std::string out;
    proto::ApiObjects chunk;
    size_t chunk_bytes = 0;
    for (const auto& o : objs->objects) {
        size_t n = proto::to_bytes(o).size();
        if (!chunk.objects.empty() && chunk_bytes + n > kChunkBytes) {
            chunk.more = true;
            out += proto::encode_frame(proto::ApiResponse{std::move(chunk)});
            chunk = {};
            chunk_bytes = 0;
        }
        chunk.objects.push_back(o);
        chunk_bytes += n;
    }
    chunk.more = false;
    out += proto::encode_frame(proto::ApiResponse{std::move(chunk)});
    return out;
}

std::string error_frame(proto::Outcome code, std::string message) {
    return proto::encode_frame(proto::ApiResponse{proto::ApiError{code, std::move(message)}});
}

// Every ApiError leaves with a line for the user: the outcome's standard
// text (proto::default_text) when the daemon had nothing more specific.
void fill_message(proto::ApiResponse& r) {
    if (auto* e = std::get_if<proto::ApiError>(&r))
        e->message = proto::text_or_default(e->code, e->message);
}

}  // namespace

// One client. Owned by a shared_ptr that its pending async operations and
// outstanding replies hold; the server keeps a plain pointer to close it, which
// the connection removes when it closes or dies.
class ApiConnection : public std::enable_shared_from_this<ApiConnection> {
  public:
    ApiConnection(ApiServer& server, stream::socket socket)
        : server_(server),
          server_alive_(server.alive_),
          socket_(std::move(socket)),
          frames_(ApiServer::kMaxRequestBytes) {}

    ~ApiConnection() {
        if (!closed_ && *server_alive_) server_.forget(this);
    }

    void start() {
        if (!peer_allowed()) return;
        read_more();
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ec;
        socket_.close(ec);
        if (*server_alive_) server_.forget(this);
    }

  private:
    bool peer_allowed() {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
            cc::log::warn("API: cannot read the credentials of a local client; closing it");
            close();
            return false;
        }
        if (cred.uid == server_.allowed_uid_) return true;
        cc::log::warn("API: refused a client running as uid ", cred.uid, " (pid ", cred.pid,
                      "); only uid ", server_.allowed_uid_, " may use confluentd");
        fail_and_close(proto::Outcome::PermissionDenied,
                       "permission denied: only root may use confluentd; run this command as root");
        return false;
    }

    void read_more() {
        if (closed_ || reading_ || stop_reading_) return;
        if (slots_.size() >= ApiServer::kMaxPipelined) return;  // resumes when replies drain
        reading_ = true;
        socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](
                                                        boost::system::error_code ec, size_t n) {
            self->reading_ = false;
            if (self->closed_) return;
            if (ec) {
                // EOF or reset: let queued replies go out, then close.
                self->stop_reading_ = true;
                self->close_when_drained();
                return;
            }
            self->frames_.feed(std::string_view(self->buf_.data(), n));
            self->dispatch_frames();
            self->read_more();
        });
    }

    void dispatch_frames() {
        while (!closed_ && !stop_reading_) {
            std::optional<std::string> payload;
            proto::ApiRequest request;
            try {
                payload = frames_.next();
                if (!payload) return;
                request = proto::from_bytes<proto::ApiRequest>(*payload);
            } catch (const proto::DecodeError& e) {
                cc::log::warn("API: malformed request from a local client (", e.what(),
                              "); closing the connection");
                fail_and_close(proto::Outcome::BadRequest,
                               std::string("malformed request: ") + e.what());
                return;
            }
            slots_.emplace_back();
            uint64_t seq = first_seq_ + slots_.size() - 1;
            // The reply keeps the connection alive until the daemon answers.
            try {
                server_.handler_.handle(std::move(request),
                                        [self = shared_from_this(), seq](proto::ApiResponse r) {
                                            self->answer(seq, std::move(r));
                                        });
            } catch (const std::exception& e) {
                // A request the daemon could not handle fails alone.
                cc::log::error("API: a request failed: ", e.what());
                answer(seq, proto::ApiError{proto::Outcome::Internal,
                                            std::string("internal error: ") + e.what()});
            }
        }
    }

    void answer(uint64_t seq, proto::ApiResponse r) {
        if (closed_ || seq < first_seq_) return;
        fill_message(r);
        std::string bytes;
        try {
            bytes = encode_response(r);
        } catch (const proto::DecodeError& e) {
            bytes = error_frame(proto::Outcome::Internal,
                                std::string("answer too large to send: ") + e.what());
        }
        slots_[seq - first_seq_] = std::move(bytes);
        flush();
    }

    // Queues an error after the replies already owed, then closes.
    void fail_and_close(proto::Outcome code, std::string message) {
        stop_reading_ = true;
        slots_.emplace_back(error_frame(code, std::move(message)));
        flush();
    }

    void flush() {
        if (writing_ || closed_) return;
        std::string out;
        while (!slots_.empty() && slots_.front()) {
            out += *slots_.front();
            slots_.pop_front();
            ++first_seq_;
        }
        if (out.empty()) {
            close_when_drained();
            return;
        }
        writing_ = true;
        out_ = std::move(out);
        asio::async_write(socket_, asio::buffer(out_),
                          [self = shared_from_this()](boost::system::error_code ec, size_t) {
                              self->writing_ = false;
                              if (ec) {
                                  self->close();
                                  return;
                              }
                              self->flush();
                              self->read_more();
                          });
    }

    void close_when_drained() {
        if (stop_reading_ && slots_.empty() && !writing_) close();
    }

    ApiServer& server_;
    std::shared_ptr<bool> server_alive_;
    stream::socket socket_;
    proto::FrameReader frames_;
    std::array<char, 64 * 1024> buf_{};
    std::deque<std::optional<std::string>> slots_;  // one per request, in order
    uint64_t first_seq_ = 0;                        // sequence number of slots_.front()
    std::string out_;
    bool reading_ = false, writing_ = false, stop_reading_ = false, closed_ = false;
};

ApiServer::ApiServer(asio::io_context& io, std::filesystem::path socket_path, ApiHandler& handler,
                     uid_t allowed_uid)
    : io_(io),
      path_(std::move(socket_path)),
      handler_(handler),
      allowed_uid_(allowed_uid),
      acceptor_(io),
      retry_(io) {
    cc::fs::ensure_dir(path_.parent_path(), 0755);
    std::error_code fec;
    boost::system::error_code ec;
    if (std::filesystem::is_socket(path_, fec)) {
        // Someone still answering on it is another daemon: never steal its socket.
        stream::socket probe(io);
        probe.connect(stream::endpoint(path_.string()), ec);
        if (!ec)
            throw cc::fs::FsError("another confluentd is serving " + path_.string() +
                                  "; stop it or use another run dir");
        std::filesystem::remove(path_, fec);
    }
    acceptor_.open(stream(), ec);
    // Created 0600 from the start: no window where another user could connect.
    mode_t old = ::umask(0177);
    if (!ec) acceptor_.bind(stream::endpoint(path_.string()), ec);
    ::umask(old);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw cc::fs::FsError("cannot listen on " + path_.string() + ": " + ec.message());
    ::chmod(path_.c_str(), 0600);
}

ApiServer::~ApiServer() {
    stop();
    *alive_ = false;
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

void ApiServer::start() {
    accept_next();
}

void ApiServer::stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
    auto open = connections_;
    for (auto* c : open) c->close();
    connections_.clear();
}

void ApiServer::refuse(stream::socket& socket) {
    uint64_t n = 0;
    if (refusals_.due(n))
        cc::log::warn("API: refused ", n, " client(s): ", kMaxConnections,
                      " connections are open already");
    // One answer, without waiting: a client that does not read it just sees the close.
    std::string bytes = error_frame(proto::Outcome::Refused,
                                    "confluentd is serving " + std::to_string(kMaxConnections) +
                                        " clients already; retry when some have finished");
    [[maybe_unused]] auto sent =
        ::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    boost::system::error_code ec;
    socket.close(ec);
}

void ApiServer::accept_next() {
    acceptor_.async_accept(
        [this, alive = alive_](boost::system::error_code ec, stream::socket socket) {
            if (!*alive || !acceptor_.is_open()) return;
            if (ec) {
                // Out of descriptors or memory: wait before the next try, never spin.
                uint64_t n = 0;
                if (accept_failures_.due(n))
                    cc::log::warn("API: accept failed (", n, " time(s)): ", ec.message(),
                                  "; retrying every 100 ms");
                retry_.expires_after(std::chrono::milliseconds(100));
                retry_.async_wait([this, alive](boost::system::error_code wait_ec) {
                    if (!wait_ec && *alive && acceptor_.is_open()) accept_next();
                });
                return;
            }
            if (connections_.size() >= kMaxConnections) {
                refuse(socket);
            } else {
                auto c = std::make_shared<ApiConnection>(*this, std::move(socket));
                connections_.insert(c.get());
                c->start();
            }
            accept_next();
        });
}

}  // namespace cc::net
