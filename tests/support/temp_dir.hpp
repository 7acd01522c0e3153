// A fresh directory under the system temp dir for one test, removed with
// everything in it. Shared by every unit test area that needs scratch files.
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace cc::test {

class TempDir {
  public:
    // The directory is named <prefix>-XXXXXX, so a leftover one (a test that
    // crashed) shows which tests made it. Throws when it cannot be created:
    // the test fails instead of writing to a path that does not exist.
    explicit TempDir(const std::string& prefix = "cc-test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp " + pattern + ": " + ::strerror(errno));
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace cc::test
