#include "common/command_line.h"

#include <charconv>
#include <exception>
#include <iostream>

namespace fsev {

void OptionTable::flag(std::initializer_list<std::string> names, std::function<void()> set) {
    for (const std::string &name : names) flags_[name] = set;
}

void OptionTable::value(const std::string &name, Handler handler) {
    with_value_[name] = std::move(handler);
}

void OptionTable::number(const std::string &name, uint64_t low, uint64_t high,
                         const std::string &expected, std::function<void(uint64_t)> store) {
    value(name, [=](const std::string &text) {
        auto number = parse_number_in_range(text, low, high);
        if (!number) return name + " '" + text + "' is not " + expected;
        store(*number);
        return std::string();
    });
}

std::string OptionTable::parse(const std::vector<std::string> &arguments) const {
    for (size_t i = 0; i < arguments.size(); ++i) {
        const std::string &argument = arguments[i];
        if (auto flag = flags_.find(argument); flag != flags_.end()) {
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
        auto option = with_value_.find(name);
        if (option == with_value_.end()) return "unknown option '" + argument + "'";
        if (!inline_value) {
            if (i + 1 >= arguments.size()) return name + " needs a value";
            value = arguments[++i];
        }
        if (std::string error = option->second(value); !error.empty()) return error;
    }
    return "";
}

void CommandRequest::parse(const std::vector<std::string> &arguments, OptionTable table) {
    table.flag({"-h", "--help"}, [this] { action = Action::help; });
    table.flag({"-V", "--version"}, [this] { action = Action::version; });
    if (std::string message = table.parse(arguments); !message.empty()) fail(message);
}

std::string version_line(const std::string &program) {
    return program + " " + FSEV_VERSION + "\n";
}

int run_command(const CommandRequest &request, const std::string &program, const std::string &usage,
                const std::function<int()> &run) {
    switch (request.action) {
        case CommandAction::help:
            std::cout << usage;
            return 0;
        case CommandAction::version:
            std::cout << version_line(program);
            return 0;
        case CommandAction::error:
            std::cerr << program << ": " << request.error << "\n" << usage;
            return 2;
        case CommandAction::run:
            break;
    }
    try {
        return run();
    } catch (const std::exception &error) {
        std::cerr << program << ": " << error.what() << std::endl;
        return 1;
    }
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
