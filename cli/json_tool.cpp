#include "cli/json_tool.hpp"

#include <iostream>
#include <sstream>
#include <string_view>

#include "cli/json_output.hpp"

namespace cc::cli {

namespace {

// Points std::cerr at a buffer for its lifetime.
class CerrCapture {
  public:
    CerrCapture() : old_(std::cerr.rdbuf(buffer_.rdbuf())) {}
    ~CerrCapture() { std::cerr.rdbuf(old_); }
    CerrCapture(const CerrCapture&) = delete;
    CerrCapture& operator=(const CerrCapture&) = delete;
    std::string text() const { return buffer_.str(); }

  private:
    std::ostringstream buffer_;
    std::streambuf* old_;
};

}  // namespace

bool asks_json(int argc, char** argv) {
    constexpr std::string_view kOption = "--json";
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") return false;  // the rest are positional arguments
        if (a.size() >= 3 && kOption.starts_with(a)) return true;
    }
    return false;
}

int run_json_tool(const char* name, int argc, char** argv, po::options_description opts,
                  const std::string& usage, const std::function<int(const CommandLine&)>& body) {
    opts.add_options()("json", "print the answer as JSON (errors too, on stderr)");
    return run_tool_json_errors(name, argc, argv, std::move(opts), usage, body);
}

int run_tool_json_errors(const char* name, int argc, char** argv, po::options_description opts,
                         const std::string& usage,
                         const std::function<int(const CommandLine&)>& body) {
    if (!asks_json(argc, argv)) return run_tool(name, argc, argv, std::move(opts), usage, body);
    int status = 0;
    std::string err;
    {
        CerrCapture capture;
        status = run_tool(name, argc, argv, std::move(opts), usage, body);
        err = capture.text();
    }
    if (status == 0) {
        std::cerr << err;
        return 0;
    }
    while (!err.empty() && err.back() == '\n') err.pop_back();
    std::cout.flush();
    std::cerr << json_error(err, status);
    return status;
}

}  // namespace cc::cli
