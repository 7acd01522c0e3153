// The local API server against well-behaved, pipelining, hostile and
// unauthorised clients.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <functional>
#include <future>
#include <random>
#include <thread>

#include "cli/client.hpp"
#include "daemon/net/api/api_server.hpp"
#include "proto/frame.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

// Answers status queries at once with my_name = "x"; holds node queries until
// two are pending, then answers them in reverse order (tests reply ordering);
// answers group queries with `objects` objects of a big attribute; writes
// succeed except a DefineNodes of "missing" (NotFound); invitations fail
// with NoQuorum and no message.
class FakeHandler : public cc::net::ApiHandler {
  public:
    void handle(proto::ApiRequest request, cc::net::ApiReply reply) override {
        ++handled;
        if (std::holds_alternative<proto::ApiStatusQuery>(request)) {
            proto::ApiStatus s;
            s.my_name = "x";
            reply(s);
        } else if (auto* q = std::get_if<proto::ApiNodeQuery>(&request)) {
            held.emplace_back(q->noderange, std::move(reply));
            if (held.size() == 2) {
                for (auto it = held.rbegin(); it != held.rend(); ++it) {
                    proto::ApiObjects o;
                    o.objects.push_back({it->first, {}});
                    it->second(o);
                }
                held.clear();
            }
        } else if (std::holds_alternative<proto::ApiGroupQuery>(request)) {
            proto::ApiObjects o;
            for (int i = 0; i < objects; ++i)
                o.objects.push_back({"g" + std::to_string(i), {{"a", std::string(1000, 'v'), ""}}});
            reply(o);
        } else if (auto* w = std::get_if<proto::ApiWrite>(&request)) {
            // A write to node "missing" fails as applying it would; others pass.
            auto* def = std::get_if<proto::DefineNodes>(&w->command);
            if (def && def->noderange == "missing")
                reply(proto::ApiWriteDone{
                    0, {proto::ResultCode::NotFound, "Unknown node missing", {}}});
            else
                reply(proto::ApiWriteDone{3, {proto::ResultCode::Ok, "", {{"n1", "created"}}}});
        } else if (std::holds_alternative<proto::ApiInvite>(request)) {
            reply(proto::ApiError{proto::Outcome::NoQuorum, ""});  // the server fills the text
        } else {
            reply(proto::ApiError{proto::Outcome::BadRequest, "no such request here"});
        }
    }
    int handled = 0;
    int objects = 0;
    std::vector<std::pair<std::string, cc::net::ApiReply>> held;
};

class ApiServerTest : public ::testing::Test {
  protected:
    void start(uid_t allowed = 0) {
        server = std::make_unique<cc::net::ApiServer>(io, socket, handler, allowed);
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    void TearDown() override {
        boost::asio::post(io, [this] { server.reset(); });
        work.reset();
        if (thread.joinable()) thread.join();
    }
    // A raw connection for sending arbitrary bytes.
    int raw_connect() {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, socket.c_str(), sizeof a.sun_path - 1);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        return fd;
    }
    // Reads until the server closes; returns everything received.
    static std::string read_to_eof(int fd) {
        std::string out;
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        ::close(fd);
        return out;
    }
    static proto::ApiResponse first_response(const std::string& bytes) {
        proto::FrameReader fr;
        fr.feed(bytes);
        auto p = fr.next();
        if (!p)
            throw std::runtime_error("no whole frame in " + std::to_string(bytes.size()) +
                                     " bytes");
        return proto::from_bytes<proto::ApiResponse>(*p);
    }
    std::string status_name() {
        cc::cli::ApiClient c(socket);
        auto r = c.call(proto::ApiStatusQuery{});
        return std::get<proto::ApiStatus>(r).my_name;
    }

    boost::asio::io_context io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
        io.get_executor()};
    FakeHandler handler;
    std::unique_ptr<cc::net::ApiServer> server;
    std::thread thread;
    cc::test::TempDir tmp{"cc-api"};
    const fs::path dir = tmp.path();
    const fs::path socket = dir / "api.sock";
};

TEST_F(ApiServerTest, socket_isOwnerOnly) {
    start();
    struct stat st {};
    ASSERT_EQ(::stat(socket.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ApiServerTest, answersRequestsInOrderEvenWhenRepliesComeOutOfOrder) {
    start();
    int fd = raw_connect();
    std::string out =
        proto::encode_frame(proto::ApiRequest{proto::ApiNodeQuery{"first", {}, false, false}}) +
        proto::encode_frame(proto::ApiRequest{proto::ApiNodeQuery{"second", {}, false, false}});
    ASSERT_EQ(::write(fd, out.data(), out.size()), static_cast<ssize_t>(out.size()));
    ::shutdown(fd, SHUT_WR);
    auto bytes = read_to_eof(fd);
    proto::FrameReader fr;
    fr.feed(bytes);
    auto a = proto::from_bytes<proto::ApiResponse>(*fr.next());
    auto b = proto::from_bytes<proto::ApiResponse>(*fr.next());
    EXPECT_EQ(std::get<proto::ApiObjects>(a).objects.at(0).name, "first");
    EXPECT_EQ(std::get<proto::ApiObjects>(b).objects.at(0).name, "second");
}

TEST_F(ApiServerTest, garbageRequest_getsBadRequestAndTheServerCarriesOn) {
    start();
    int fd = raw_connect();
    std::string junk = proto::frame("\x07\xff\xff garbage");
    ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
    auto r = first_response(read_to_eof(fd));
    ASSERT_TRUE(std::holds_alternative<proto::ApiError>(r));
    EXPECT_EQ(std::get<proto::ApiError>(r).code, proto::Outcome::BadRequest);
    EXPECT_NE(std::get<proto::ApiError>(r).message.find("malformed request"), std::string::npos);
    EXPECT_EQ(status_name(), "x");
}

TEST_F(ApiServerTest, clientsPastTheConnectionLimit_areRefusedAndTheServerCarriesOn) {
    start();
    std::vector<int> idle;
    for (size_t i = 0; i < cc::net::ApiServer::kMaxConnections; ++i) idle.push_back(raw_connect());
    auto r = first_response(read_to_eof(raw_connect()));
    ASSERT_TRUE(std::holds_alternative<proto::ApiError>(r));
    EXPECT_EQ(std::get<proto::ApiError>(r).code, proto::Outcome::Refused);
    EXPECT_NE(std::get<proto::ApiError>(r).message.find("256 clients already"), std::string::npos);
    for (int fd : idle) ::close(fd);
    // Once the idle clients are gone, others are served again.
    std::string name;
    for (int k = 0; k < 100 && name.empty(); ++k) {
        try {
            name = status_name();
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    EXPECT_EQ(name, "x");
}

TEST_F(ApiServerTest, oversizedFrame_isRefusedBeforeReadingIt) {
    start();
    int fd = raw_connect();
    std::string header("\xff\xff\xff\x7f", 4);  // announces ~2 GiB
    ASSERT_EQ(::write(fd, header.data(), header.size()), 4);
    auto r = first_response(read_to_eof(fd));
    EXPECT_EQ(std::get<proto::ApiError>(r).code, proto::Outcome::BadRequest);
    EXPECT_EQ(status_name(), "x");
}

TEST_F(ApiServerTest, truncatedFrameThenHangUp_isHarmless) {
    start();
    int fd = raw_connect();
    std::string part = proto::encode_frame(proto::ApiRequest{proto::ApiStatusQuery{}}).substr(0, 3);
    ASSERT_EQ(::write(fd, part.data(), part.size()), 3);
    ::close(fd);
    EXPECT_EQ(status_name(), "x");
}

TEST_F(ApiServerTest, randomBytes_neverCrashTheServer) {
    start();
    std::mt19937 rng(1234);
    for (int i = 0; i < 200; ++i) {
        std::string payload(rng() % 64, '\0');
        for (auto& c : payload) c = static_cast<char>(rng());
        std::string bytes = (i % 2) ? proto::frame(payload) : payload;
        int fd = raw_connect();
        // The server may hang up first; that is fine.
        ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        (void)sent;
        ::shutdown(fd, SHUT_WR);
        read_to_eof(fd);
    }
    EXPECT_EQ(status_name(), "x");
}

TEST_F(ApiServerTest, unknownRequestType_isBadRequest) {
    start();
    int fd = raw_connect();
    proto::Writer w;
    w.varint(99);  // no such alternative
    w.varint(0);
    std::string bytes = proto::frame(w.data());
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    auto r = first_response(read_to_eof(fd));
    EXPECT_NE(std::get<proto::ApiError>(r).message.find("unknown message type 99"),
              std::string::npos);
}

TEST_F(ApiServerTest, callerWithAnotherUid_isRefusedAndClosed) {
    start(/*allowed=*/12345);
    int fd = raw_connect();
    auto r = first_response(read_to_eof(fd));
    ASSERT_TRUE(std::holds_alternative<proto::ApiError>(r));
    EXPECT_EQ(std::get<proto::ApiError>(r).code, proto::Outcome::PermissionDenied);
    EXPECT_EQ(handler.handled, 0);
}

TEST_F(ApiServerTest, bigAnswer_isSplitIntoFramesAndJoinedByTheClient) {
    handler.objects = 20000;  // ~20 MB encoded: more than the frame limit
    start();
    cc::cli::ApiClient c(socket);
    auto r = c.call(proto::ApiGroupQuery{});
    auto& objs = std::get<proto::ApiObjects>(r);
    ASSERT_EQ(objs.objects.size(), 20000u);
    EXPECT_EQ(objs.objects.back().name, "g19999");
    EXPECT_FALSE(objs.more);
}

TEST_F(ApiServerTest, anErrorWithoutAMessage_leavesWithTheOutcomesText) {
    start();
    cc::cli::ApiClient c(socket);
    auto r = c.call(proto::ApiInvite{"mgt2", false, 0});
    auto& e = std::get<proto::ApiError>(r);
    EXPECT_EQ(e.code, proto::Outcome::NoQuorum);
    EXPECT_EQ(e.message, "Collective does not have quorum");
}

// ---- the tools' side: outcomes to exit status (cli/client.hpp) ----

int exit_code_of(const std::function<void()>& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const cc::cli::CliError& e) {
        if (message) *message = e.what();
        return e.exit_code();
    }
    return 0;
}

TEST_F(ApiServerTest, cli_writeResultsExitWithTheirOutcome) {
    start();
    cc::cli::ApiClient c(socket);
    std::string message;
    EXPECT_EQ(exit_code_of([&] { cc::cli::run_write(c, proto::DefineNodes{"n1", {}}); }), 0);
    EXPECT_EQ(exit_code_of(
                  [&] {
                      cc::cli::run_write(c, proto::DefineNodes{"missing", {}});
                  },
                  &message),
              1);
    EXPECT_EQ(message, "Error: Not Found - Unknown node missing");
}

TEST(CliOutcome, errorRepliesKeepConfluentsFormatsAndTheirExitStatus) {
    using proto::Outcome;
    auto check = [](Outcome o, std::string message, const std::string& line, int code) {
        auto e = cc::cli::failure(proto::ApiError{o, std::move(message)});
        EXPECT_EQ(std::string(e.what()), line);
        EXPECT_EQ(e.exit_code(), code);
    };
    check(Outcome::BadRequest, "bad noderange", "Error: Bad Request - bad noderange", 1);
    check(Outcome::NotFound, "rack9 group does not exist",
          "Error: Not Found - rack9 group does not exist", 1);
    check(Outcome::NotInCollective, "Collective mode not enabled on this system",
          "Collective mode not enabled on this system", 2);
    check(Outcome::NoQuorum, "", "Error: Collective does not have quorum", 3);
    check(Outcome::NotLeader, "leader changing", "Error: leader changing", 2);
    check(Outcome::Unknown, "timed out", "Error: timed out", 4);
    check(Outcome::Done, "confused", "Error: confused", 2);  // never exit 0 on an error
}

TEST(CliOutcome, noDaemonAtTheSocket_isRefusedWithNothingSent) {
    std::string message;
    EXPECT_EQ(exit_code_of([] { cc::cli::ApiClient c("/nonexistent-cc-dir/api.sock"); }, &message),
              2);
    EXPECT_EQ(message.rfind("cannot reach confluentd at /nonexistent-cc-dir/api.sock", 0), 0u)
        << message;
}

// A "daemon" that reads one request and hangs up without answering.
class HangUpServer {
  public:
    explicit HangUpServer(const fs::path& socket) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, socket.c_str(), sizeof a.sun_path - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(fd_, 4), 0);
        thread_ = std::thread([this] {
            for (int i = 0; i < 2; ++i) {
                int c = ::accept(fd_, nullptr, nullptr);
                if (c < 0) return;
                proto::FrameReader fr;
                char buf[4096];
                while (!fr.next()) {
                    ssize_t n = ::read(c, buf, sizeof buf);
                    if (n <= 0) break;
                    fr.feed(std::string_view(buf, static_cast<size_t>(n)));
                }
                ::close(c);
            }
        });
    }
    ~HangUpServer() {
        thread_.join();
        ::close(fd_);
    }

  private:
    int fd_ = -1;
    std::thread thread_;
};

TEST_F(ApiServerTest, cli_aLostAnswerLeavesAWriteUnknownAndAQueryRefused) {
    HangUpServer hang_up(socket);
    std::string message;
    {
        cc::cli::ApiClient c(socket);
        EXPECT_EQ(exit_code_of(
                      [&] {
                          cc::cli::run_write(c, proto::DefineNodes{"n1", {}});
                      },
                      &message),
                  4);
        EXPECT_NE(message.find("may or may not have been applied"), std::string::npos) << message;
    }
    {
        cc::cli::ApiClient c(socket);
        EXPECT_EQ(exit_code_of([&] { c.call(proto::ApiStatusQuery{}); }, &message), 2);
        EXPECT_EQ(message.find("may or may not"), std::string::npos) << message;
    }
}

}  // namespace
