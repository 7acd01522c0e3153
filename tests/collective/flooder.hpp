// A connection flood against given TCP endpoints, for the flood test: keeps
// up to `concurrent` connections open, each bound to a source address drawn
// from 127.0.0.<first_source> .. +<sources>, opens at most `per_second` new
// ones a second (reopening those the server closed), and sends garbage on
// every other one (the rest stay idle). It only ever connects to `targets`.
//
// Threading: one internal thread; construct, stats() and stop() on one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace cc::ct {

struct FloodStats {
    uint64_t connected = 0;         // connections the kernel completed
    uint64_t closed_by_server = 0;  // ... that the server then closed
    uint64_t refused = 0;           // connects that failed (reset, refused)
    double longest_life_s = 0;      // longest connected..closed-by-server time
    double oldest_open_s = 0;       // age of the oldest still open at stop()
    std::string oldest_open;        // it: "target ip <- source ip, idle|garbage, bytes received"
    size_t open_now = 0;
};

class Flooder {
  public:
    struct Target {
        std::string ip;
        uint16_t port;
    };
    Flooder(std::vector<Target> targets, unsigned first_source, unsigned sources, size_t concurrent,
            size_t per_second);
    ~Flooder();
    Flooder(const Flooder&) = delete;
    Flooder& operator=(const Flooder&) = delete;

    // Stops the flood, closes every socket; the final figures.
    FloodStats stop();

  private:
    void loop();

    const std::vector<Target> targets_;
    const unsigned first_source_, sources_;
    const size_t concurrent_, per_second_;
    std::atomic<bool> stop_{false};
    FloodStats stats_;  // owned by the thread until it is joined
    std::thread thread_;
};

// Raises this process's soft RLIMIT_NOFILE towards `want` (at most the hard
// limit); the soft limit now in force.
size_t raise_nofile(size_t want);

}  // namespace cc::ct
