#include "cli/attr_tools.hpp"

#include <iostream>
#include <span>

#include "cli/attr_args.hpp"
#include "cli/json_output.hpp"

namespace cc::cli {

int run_define(const CommandLine& cl, const std::string& missing_target,
               const std::function<proto::Command(const std::string& target,
                                                  AttributeValues attributes)>& define) {
    if (cl.args.empty()) throw CliError(missing_target);
    auto command = define(cl.args.front(), parse_assignments(std::span(cl.args).subspan(1)));
    ApiClient client(resolve_paths(cl.vm).api_socket());
    run_write(client, std::move(command));
    return 0;
}

int run_attrib(const AttribTool& tool, const CommandLine& cl) {
    if (cl.args.empty()) throw CliError(tool.missing_target);
    const std::string& target = cl.args.front();
    auto rest = std::span(cl.args).subspan(1);
    auto action = attrib_action(rest, cl.vm.count("clear") > 0);
    // The paths are resolved before the attribute arguments are checked, so a
    // configuration error is the one reported when both are wrong.
    auto socket = resolve_paths(cl.vm).api_socket();
    bool json = cl.vm.count("json") > 0;
    if (json && action != AttribAction::Show)
        throw CliError(tool.name + ": --json is for reading attributes; drop it to " +
                       (action == AttribAction::Clear ? "clear" : "set") +
                       " them (nothing was changed)");
    switch (action) {
        case AttribAction::Clear: {
            if (rest.empty()) throw CliError(tool.name + ": -c needs the attributes to clear");
            auto command = tool.clear(target, check_attribute_names(rest));
            ApiClient client(socket);
            run_write(client, std::move(command));
            break;
        }
        case AttribAction::Set: {
            auto command = tool.set(target, parse_assignments(rest));
            ApiClient client(socket);
            run_write(client, std::move(command));
            break;
        }
        case AttribAction::Show: {
            bool blame = cl.vm.count("blame") > 0;
            auto query = tool.show(target, check_attribute_names(rest), blame);
            ApiClient client(socket);
            auto objects = expect_objects(client.call(query));
            if (json) {
                std::cout << json_attributes(objects, blame);
                break;
            }
            for (const auto& l : attribute_lines(objects, blame)) std::cout << l << "\n";
            break;
        }
    }
    return 0;
}

}  // namespace cc::cli
