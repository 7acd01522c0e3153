#include "tests/faults/random_run.hpp"

#include <iostream>
#include <random>
#include <thread>

#include "tests/faults/cluster.hpp"
#include "tests/faults/disk.hpp"
#include "tests/faults/workload.hpp"

namespace cc::faults {

namespace {

using namespace std::chrono_literals;

class Rounds {
  public:
    Rounds(Cluster& c, Workload& w, uint64_t seed) : c_(c), w_(w), rng_(seed) {}

    std::string one() {
        size_t l = c_.wait_all_follow();
        size_t f = pick_other(l);
        auto hold = std::chrono::milliseconds(500 + rng_() % 2500);
        switch (rng_() % 10) {
            case 0:
                c_.at(l).kill9();
                std::this_thread::sleep_for(hold);
                c_.at(l).start();
                return "kill -9 leader";
            case 1:
                c_.at(f).kill9();
                std::this_thread::sleep_for(hold);
                c_.at(f).start();
                return "kill -9 follower";
            case 2: {
                if (c_.size() < 5) return one_isolate(f, hold, "isolate follower");
                size_t g = pick_other(l, f);
                c_.at(l).kill9();
                c_.at(g).kill9();
                std::this_thread::sleep_for(hold);
                c_.at(l).start();
                c_.at(g).start();
                return "kill -9 leader and a follower";
            }
            case 3:
                c_.at(l).pause();
                std::this_thread::sleep_for(hold + 1s);
                c_.at(l).resume();
                return "SIGSTOP/SIGCONT leader";
            case 4:
                return one_isolate(l, hold + 1s, "isolate leader");
            case 5:
                return one_isolate(f, hold, "isolate follower");
            case 6:
                c_.net().block(l, f);
                std::this_thread::sleep_for(hold);
                c_.net().heal();
                return "asymmetric: leader cannot send to a follower";
            case 7:
                for (size_t i = 0; i < c_.size(); ++i) c_.net().block(i, l);
                std::this_thread::sleep_for(hold);
                c_.net().heal();
                return "asymmetric: leader hears nobody";
            case 8:
                w_.set_enabled(f, false);
                c_.at(f).kill9();
                if (rng_() % 2)
                    truncate_log_tail(c_.at(f).log_dir(), 50 + rng_() % 500);
                else
                    flip_log_bit(c_.at(f).log_dir(), 1 + rng_() % 60);
                c_.at(f).start();
                c_.wait_all_follow();
                w_.set_enabled(f, true);
                return "damaged log tail on a follower";
            default:
                w_.set_enabled(f, false);
                c_.at(f).kill9();
                c_.wipe_to_four_files(f);
                c_.at(f).start();
                c_.wait_all_follow();
                w_.set_enabled(f, true);
                return "follower restored from the four files";
        }
    }

  private:
    std::string one_isolate(size_t m, std::chrono::milliseconds hold, const char* name) {
        c_.net().isolate(m);
        std::this_thread::sleep_for(hold);
        c_.net().heal();
        return name;
    }
    size_t pick_other(size_t a, size_t b = static_cast<size_t>(-1)) {
        for (;;) {
            size_t x = rng_() % c_.size();
            if (x != a && x != b) return x;
        }
    }

    Cluster& c_;
    Workload& w_;
    std::mt19937_64 rng_;
};

}  // namespace

RandomRunResult run_random(const RandomRunOptions& options) {
    RandomRunResult result;
    Cluster c(options.members);
    try {
        c.start_all();
        c.form();
        WorkloadOptions wo;
        wo.seed = options.seed;
        Workload w(c, wo);
        w.start();
        Rounds rounds(c, w, options.seed);
        for (size_t r = 0; r < options.rounds; ++r) {
            std::this_thread::sleep_for(500ms);
            ++result.faults[rounds.one()];
        }
        c.wait_all_follow();
        std::this_thread::sleep_for(500ms);
        w.stop();
        result.verdict = verify_after_heal(c, w);
    } catch (const NetUnavailable&) {
        throw;
    } catch (const std::exception& e) {
        result.error = e.what();
    }
    if (!result.ok()) result.logs = c.logs();
    return result;
}

}  // namespace cc::faults
