#include "daemon/net/ssh/connection.hpp"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "daemon/net/ssh/connection_impl.hpp"
#include "daemon/util/log.hpp"

namespace cc::ssh {

namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms.count()) / 1000.0);
    return buf;
}

// The connection's wake-up eventfd, or -errno.
int open_wake_fd() {
    int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

}  // namespace

// ---- Connection::Impl ----

Connection::Impl::Impl(detail::SessionPtr session, detail::ChannelPtr channel, PeerInfo peer,
                       Limits limits, Watchdog& watchdog, uint64_t ticket,
                       std::shared_ptr<void> keep)
    : info(std::move(peer)),
      keep_(std::move(keep)),
      session_(std::move(session)),
      channel_(std::move(channel)),
      limits_(limits),
      watchdog_(watchdog),
      ticket_(ticket),
      fd_(ssh_get_fd(session_.get())),
      wake_fd_(open_wake_fd()),
      reader_(limits.max_frame_bytes) {
    if (wake_fd_ < 0) {
        // Not our bug: out of file descriptors (EMFILE) under load. The caller
        // drops this connection; the members free the channel and the session.
        watchdog_.disarm(ticket_);  // before the session (and its socket) is freed
        throw std::system_error(-wake_fd_, std::generic_category(),
                                "cannot create the connection's wake-up eventfd");
    }
    // Member traffic is small messages, each answered: with Nagle's
    // algorithm on, one sent behind an unacknowledged one waits for the
    // peer's delayed ACK (40 ms on Linux).
    int one = 1;
    if (::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        log::warn("SSH link with ", info.remote_address, ": cannot set TCP_NODELAY (",
                  std::strerror(errno), "); its messages may wait up to 40 ms");
    ssh_set_counters(session_.get(), &socket_counter_, nullptr);
    last_rx_ = last_tx_ = last_rearm_ = Clock::now();
    static std::atomic<uint64_t> next_id{1};
    info.id = next_id.fetch_add(1);
}

Connection::Impl::~Impl() {
    // A polite end (queued frames, then EOF and close) unless the connection
    // failed or was aborted; bounded by the watchdog.
    std::lock_guard io(io_mu_);
    bool polite = !failed_ && write_error_.empty() && !closed();
    if (polite) {
        watchdog_.rearm(ticket_, Clock::now() + limits_.keepalive_interval * 2);
        try {
            flush_queue();
        } catch (const ConnectionClosed&) {
        }
        if (!failed_) {
            ssh_channel_send_eof(channel_.get());
            ssh_channel_close(channel_.get());
        }
    }
    channel_.reset();  // ssh_disconnect frees the session's channels itself
    ssh_disconnect(session_.get());
    watchdog_.disarm(ticket_);  // before the session (and its socket) is freed
    ::close(wake_fd_);
}

void Connection::Impl::fail(const std::string& reason) {
    failed_ = true;
    bool closed_locally = false;
    {
        std::lock_guard lock(mu_);
        closed_locally = closed_;  // close() shut the socket: that is the real cause
        closed_ = true;
        queue_.clear();
        queued_bytes_ = 0;
    }
    throw ConnectionClosed(closed_locally ? "connection to " + info.name + " closed locally"
                                          : reason);
}

bool Connection::Impl::send(std::string payload, SendMode mode) {
    if (payload.size() > limits_.max_frame_bytes) return false;
    // Nobody drives libssh and nothing waits in the queue: write it now,
    // rather than wake the connection's thread to write it.
    std::unique_lock io(io_mu_, std::defer_lock);
    if (mode == SendMode::WriteNow && io.try_lock()) {
        bool idle = false;
        {
            std::lock_guard lock(mu_);
            if (closed_) return false;
            idle = queue_.empty();
        }
        if (idle && try_write_now(payload)) return true;
    }
    {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        queued_bytes_ += payload.size();
        queue_.push_back(std::move(payload));
        // Drop the oldest: consensus retransmits, a stale message is worth less.
        while (queue_.size() > 1 &&
               (queue_.size() > limits_.queue_frames || queued_bytes_ > limits_.queue_bytes)) {
            queued_bytes_ -= queue_.front().size();
            queue_.pop_front();
            dropped_.fetch_add(1);
        }
    }
    wake();
    return true;
}

bool Connection::Impl::room_to_write_now(size_t bytes) {
    // A write the socket cannot take at once would block the sender (the
    // socket is blocking once connected): leave it to the connection's thread.
    if (ssh_channel_window_size(channel_.get()) < bytes) return false;
    int unsent = 0;
    if (::ioctl(fd_, SIOCOUTQ, &unsent) != 0) return false;
    // Half the buffer: the kernel counts its own overhead against it too.
    auto fits = [&] { return static_cast<size_t>(unsent) + bytes + 1024 <= size_t(sndbuf_) / 2; };
    if (fits()) return true;
    socklen_t len = sizeof sndbuf_;  // it grows with the connection's window
    if (::getsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf_, &len) != 0) return false;
    return fits();
}

bool Connection::Impl::try_write_now(const std::string& payload) {
    // A large frame (a batch for a member that was paced or behind) is
    // encrypted on the connection's thread: the sender (the daemon's one
    // thread) has better things to do than that, and nobody waits for it.
    constexpr size_t kLargeFrame = 16 * 1024;
    if (failed_ || !write_error_.empty() || payload.size() > kLargeFrame) return false;
    std::string bytes = proto::frame(payload);
    if (!room_to_write_now(bytes.size())) return false;
    uint64_t read_before = socket_counter_.in_bytes;
    // Non-blocking: during a key re-exchange libssh writes nothing (0)
    // instead of waiting for the peer's part of it, which a stalled peer
    // would never send; the frame then waits in the queue.
    ssh_set_blocking(session_.get(), 0);
    int n = ssh_channel_write(channel_.get(), bytes.data(), static_cast<uint32_t>(bytes.size()));
    bool all_out = n > 0 && ssh_blocking_flush(session_.get(), 0) == SSH_OK;
    ssh_set_blocking(session_.get(), 1);
    // libssh read what the peer sent meanwhile: the connection's thread,
    // waiting in poll(), would not see it arrive.
    bool wake_thread = socket_counter_.in_bytes != read_before;
    if (n == 0) return false;  // queued by the caller, which wakes the thread
    if (n != static_cast<int>(bytes.size())) {
        // The connection is lost (or, never with the window checked, half a
        // frame went out); its thread reports why and ends it.
        write_error_ = "cannot send to " + info.name + ": " + detail::error_text(session_.get());
        ::shutdown(fd_, SHUT_RDWR);
        wake();
        return true;
    }
    last_tx_ = Clock::now();
    if (!all_out) output_pending_ = true;  // the connection's thread finishes the write
    if (wake_thread || !all_out) wake();
    return true;
}

void Connection::Impl::wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void Connection::Impl::close() {
    {
        std::lock_guard lock(mu_);
        if (closed_) return;
        closed_ = true;
        queue_.clear();
        queued_bytes_ = 0;
    }
    // Unblocks a driving thread stuck in a libssh write to a stalled peer.
    ::shutdown(fd_, SHUT_RDWR);
    wake();
}

bool Connection::Impl::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

void Connection::Impl::check_open() {
    if (failed_) throw ConnectionClosed("connection to " + info.name + " already failed");
    if (!write_error_.empty()) fail(write_error_);
    if (closed()) fail("closed");
}

void Connection::Impl::write_frame(std::string_view payload) {
    std::string bytes = proto::frame(payload);
    int n = ssh_channel_write(channel_.get(), bytes.data(), static_cast<uint32_t>(bytes.size()));
    if (n != static_cast<int>(bytes.size())) {
        fail("cannot send to " + info.name + ": " + detail::error_text(session_.get()));
    }
    last_tx_ = Clock::now();
}

void Connection::Impl::flush_queue() {
    std::deque<std::string> batch;
    {
        std::lock_guard lock(mu_);
        batch.swap(queue_);
        queued_bytes_ = 0;
    }
    for (const auto& payload : batch) write_frame(payload);
    if (Clock::now() - last_tx_ >= keepalive_interval()) write_frame({});
    if (output_pending_) {
        output_pending_ = false;
        auto limit = static_cast<int>(limits_.dead_after.count());  // the watchdog's bound too
        int rc = ssh_blocking_flush(session_.get(), limit);
        if (rc == SSH_AGAIN)
            fail("could not send to " + info.name + " for " + seconds_text(limits_.dead_after) +
                 "; disconnecting it");
        if (rc != SSH_OK)
            fail("cannot send to " + info.name + ": " + detail::error_text(session_.get()));
    }
}

void Connection::Impl::note_received() {
    auto now = Clock::now();
    last_rx_ = now;
    // The watchdog backs up our own checks while a libssh write blocks.
    if (now - last_rearm_ >= std::chrono::seconds(1)) {
        watchdog_.rearm(ticket_, now + limits_.dead_after + limits_.keepalive_interval);
        last_rearm_ = now;
    }
}

void Connection::Impl::take_buffered() {
    // One payload at a time, so a bad frame is reported when it is reached
    // (after the good ones before it were handled).
    try {
        while (inbox_.empty()) {
            auto payload = reader_.next();
            if (!payload) return;
            // Empty = keepalive: passed on only to run()'s caller.
            if (!payload->empty() || surface_keepalives_) inbox_.push_back(std::move(*payload));
        }
    } catch (const proto::DecodeError& e) {
        fail("bad frame from " + info.name + " (" + info.remote_address + "): " + e.what() +
             "; disconnecting it");
    }
}

void Connection::Impl::read_available() {
    char buf[64 * 1024];
    for (;;) {
        take_buffered();
        if (!inbox_.empty()) return;
        int avail = ssh_channel_poll(channel_.get(), 0);
        if (avail == SSH_ERROR) {
            fail("connection to " + info.name + " lost: " + detail::error_text(session_.get()));
        }
        if (avail == SSH_EOF) fail(info.name + " closed the connection");
        if (avail == 0) {
            if (ssh_channel_is_closed(channel_.get())) fail(info.name + " closed the connection");
            return;
        }
        int n = ssh_channel_read_nonblocking(
            channel_.get(), buf, static_cast<uint32_t>(std::min<size_t>(avail, sizeof buf)), 0);
        if (n < 0) {
            fail("connection to " + info.name + " lost: " + detail::error_text(session_.get()));
        }
        if (n == 0) return;
        note_received();
        reader_.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
}

void Connection::Impl::wait_io(std::unique_lock<std::mutex>& io, Clock::time_point until) {
    auto now = Clock::now();
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    int timeout = static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    io.unlock();  // senders may write their frames themselves meanwhile
    int rc = ::poll(fds, 2, timeout);
    io.lock();
    if (rc < 0 && errno != EINTR) fail("poll failed on the connection to " + info.name);
    if (rc > 0 && (fds[1].revents & POLLIN)) {
        uint64_t count;
        [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
    }
}

std::optional<std::string> Connection::Impl::receive(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::unique_lock io(io_mu_);
    for (;;) {
        if (!inbox_.empty()) {
            std::string payload = std::move(inbox_.front());
            inbox_.pop_front();
            return payload;
        }
        check_open();
        flush_queue();
        read_available();
        if (!inbox_.empty()) continue;
        auto now = Clock::now();
        if (now - last_rx_ >= limits_.dead_after) {
            fail("no data from " + info.name + " for " + seconds_text(limits_.dead_after) +
                 "; disconnecting it");
        }
        if (now >= deadline) return std::nullopt;
        wait_io(io, std::min({deadline, last_tx_ + keepalive_interval(),
                              last_rx_ + limits_.dead_after}));
    }
}

std::string Connection::Impl::run(const std::function<void(std::string)>& on_frame) {
    surface_keepalives_ = true;
    try {
        for (;;) {
            if (auto payload = receive(std::chrono::hours(1))) on_frame(std::move(*payload));
        }
    } catch (const ConnectionClosed& e) {
        return e.what();
    }
}

proto::Hello Connection::Impl::exchange_hello(const proto::Hello& ours,
                                              Clock::time_point deadline) {
    send(proto::to_bytes(ours), SendMode::Queue);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto payload = receive(std::max(left, std::chrono::milliseconds(0)));
    if (!payload) fail("no Hello from " + info.remote_address + " in time");
    try {
        return proto::from_bytes<proto::Hello>(*payload);
    } catch (const proto::DecodeError& e) {
        fail("malformed Hello from " + info.remote_address + ": " + e.what());
    }
}

// ---- Connection ----

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;
const PeerInfo& Connection::peer() const {
    return impl_->info;
}
bool Connection::send(std::string payload, SendMode mode) {
    return impl_->send(std::move(payload), mode);
}
void Connection::close() {
    impl_->close();
}
bool Connection::closed() const {
    return impl_->closed();
}
std::optional<std::string> Connection::receive(std::chrono::milliseconds timeout) {
    return impl_->receive(timeout);
}
std::string Connection::run(const std::function<void(std::string)>& on_frame) {
    return impl_->run(on_frame);
}
uint64_t Connection::dropped() const {
    return impl_->dropped();
}

}  // namespace cc::ssh
