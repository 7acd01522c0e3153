// An OpenSSH server of the test's own, for the reference page's `ssh mgt1
// collective ...`: /usr/sbin/sshd -D with its own sshd_config, host key and
// authorized_keys (all in `dir`), listening on `address` at a free port. A
// client key allowed to log in as the test's user, and an ssh_config that
// names the server (`ssh -F <config> mgt1`) with its host key pre-seeded and
// StrictHostKeyChecking yes: neither the machine's sshd nor its ssh or hosts
// configuration plays a part.
//
// Every session gets `session_env` (sshd_config SetEnv), e.g. PATH and the
// CONFLUENT_*_DIR variables of the member the server stands for.
//
// sshd runs in its own process group, is stopped by its PID (group) when the
// object goes (also when the test fails) and gets SIGKILL when the test
// process dies (PR_SET_PDEATHSIG).
//
// Threading: one test thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace cc::ct {

class Sshd {
  public:
    // Where sshd must be (Debian's openssh-server).
    static constexpr const char* kBinary = "/usr/sbin/sshd";

    // Generates the keys, writes the configuration and starts sshd; returns
    // once it accepts connections. std::runtime_error (with sshd's log) when
    // it cannot.
    Sshd(std::filesystem::path dir, std::string address,
         const std::vector<std::string>& session_env);
    ~Sshd();
    Sshd(const Sshd&) = delete;
    Sshd& operator=(const Sshd&) = delete;

    // Writes an ssh_config in which `host` is this server and returns its
    // path (for ssh -F).
    std::filesystem::path client_config(const std::string& host) const;
    // What sshd logged so far.
    std::string log() const;
    int port() const { return port_; }

  private:
    void start();
    void wait_listening();

    std::filesystem::path dir_;
    std::string address_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace cc::ct
