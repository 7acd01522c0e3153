// main() of the fault tests: enter a private mount namespace before any
// thread exists (unshare(CLONE_NEWNS) needs a single-threaded process), so
// that tmpfs mounts made by tests vanish with the process whatever happens.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/faults/disk.hpp"

int main(int argc, char** argv) {
    if (!cc::faults::private_mount_namespace())
        std::cerr << "faults: no private mount namespace (not root?); disk tests will skip "
                     "(fail under CI=true)\n";
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
