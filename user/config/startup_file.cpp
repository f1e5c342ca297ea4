#include "config/startup_file.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fsev {

namespace {

std::string_view without_comment(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i)
        if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return line.substr(0, i);
    return line;
}

}  // namespace

ParsedWrite parse_startup_file(std::string_view text) {
    ParsedWrite parsed;
    size_t start = 0;
    for (size_t number = 1; start < text.size(); ++number) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = without_comment(text.substr(start, end - start));
        std::string label = "line " + std::to_string(number);
        if (line.find(';') != std::string_view::npos)
            throw RequestError(EINVAL, label + ": one request per line (no ';')");
        if (auto request = parse_request(line, label)) parsed.requests.push_back(*request);
        start = end + 1;
    }
    return parsed;
}

void apply_startup_file(const std::string &path, TraceTable &table, PathResolver &resolver) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("config file " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << file.rdbuf();
    try {
        table.apply(parse_startup_file(text.str()), resolver);
    } catch (const RequestError &error) {
        throw std::runtime_error("config file " + path + ": " + error.what() + " (" +
                                 std::strerror(error.error_number()) + ")");
    }
}

}  // namespace fsev
