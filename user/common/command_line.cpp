#include "common/command_line.h"

#include <charconv>

namespace fsev {

std::string parse_options(const std::vector<std::string> &arguments, const OptionTable &table) {
    for (size_t i = 0; i < arguments.size(); ++i) {
        const std::string &argument = arguments[i];
        if (auto flag = table.flags.find(argument); flag != table.flags.end()) {
            flag->second();
            continue;
        }
        std::string name = argument, value;
        bool inline_value = false;
        if (size_t equals = argument.find('=');
            argument.rfind("--", 0) == 0 && equals != std::string::npos) {
            name = argument.substr(0, equals);
            value = argument.substr(equals + 1);
            inline_value = true;
        }
        auto option = table.with_value.find(name);
        if (option == table.with_value.end()) return "unknown option '" + argument + "'";
        if (!inline_value) {
            if (i + 1 >= arguments.size()) return name + " needs a value";
            value = arguments[++i];
        }
        if (std::string error = option->second(value); !error.empty()) return error;
    }
    return "";
}

std::optional<uint64_t> parse_number_in_range(const std::string &text, uint64_t low,
                                              uint64_t high) {
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
        return std::nullopt;
    return value;
}

}  // namespace fsev
