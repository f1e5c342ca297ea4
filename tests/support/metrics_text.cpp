#include "support/metrics_text.h"

#include <sstream>

namespace fsev::test {

CommandResult promtool_check_metrics(const std::string &text) {
    return run_command_with_input({"promtool", "check", "metrics"}, text);
}

std::optional<double> sample_value(const std::string &text, const std::string &name,
                                   const std::vector<std::pair<std::string, std::string>> &labels) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.compare(0, name.size(), name) != 0) continue;
        char after = line.size() > name.size() ? line[name.size()] : '\0';
        if (after != '{' && after != ' ') continue;
        size_t value_at = line.rfind(' ');
        std::string label_text = line.substr(name.size(), value_at - name.size());
        bool all = true;
        for (const auto &[label, value] : labels)
            all = all && label_text.find(label + "=\"" + value + "\"") != std::string::npos;
        if (all) return std::stod(line.substr(value_at + 1));
    }
    return std::nullopt;
}

}  // namespace fsev::test
