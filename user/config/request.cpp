#include "config/request.h"

#include <cerrno>

#include "common/mount_escape.h"
#include "config/rule.h"
#include "model/trace_entry.h"

namespace fsev {

namespace {

constexpr std::string_view kBlanks = " \t\r\v\f";
constexpr std::string_view kSeparators = ";\n";

struct TypeName {
    std::string_view name;
    uint32_t bit;
};
constexpr TypeName kTypeNames[] = {
    {"info", TRACE_INFO}, {"warn", TRACE_WARN}, {"err", TRACE_ERR}, {"thr", TRACE_THRESH}};

std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    while ((start = text.find_first_not_of(kBlanks, start)) != std::string_view::npos) {
        size_t end = text.find_first_of(kBlanks, start);
        if (end == std::string_view::npos) end = text.size();
        fields.push_back(text.substr(start, end - start));
        start = end;
    }
    return fields;
}

Level parse_level(std::string_view text, const Request &request, const char *which) {
    std::string why;
    std::optional<Level> level = parse_level_text(text, why);
    if (!level)
        throw RequestError(
            EINVAL, request.describe() + ": " + which + " '" + std::string(text) + "': " + why);
    return *level;
}

// L1 >= L2 where both are in one unit; mixed units are checked once they are
// blocks of one filesystem.
bool levels_out_of_order(const Level &lower, const Level &upper) {
    if (lower.unit != upper.unit) return false;
    __extension__ typedef unsigned __int128 Wide;
    return Wide(lower.amount) * upper.scale < Wide(upper.amount) * lower.scale;
}

uint32_t parse_types(std::string_view text, const Request &request) {
    uint32_t types = 0;
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string_view name = text.substr(start, comma == text.npos ? text.npos : comma - start);
        uint32_t bit = 0;
        for (const auto &known : kTypeNames)
            if (known.name == name) bit = known.bit;
        if (bit == 0)
            throw RequestError(EINVAL, request.describe() + ": unknown event type '" +
                                           std::string(name) + "' (known: info,warn,err,thr)");
        types |= bit;
        if (comma == text.npos) break;
        start = comma + 1;
    }
    return types;
}

}  // namespace

std::string type_names(uint32_t types) {
    std::string names;
    for (const auto &known : kTypeNames) {
        if (!(types & known.bit)) continue;
        if (!names.empty()) names += ',';
        names += known.name;
    }
    return names;
}

std::optional<Request> parse_request(std::string_view text, const std::string &label) {
    std::vector<std::string_view> fields = split_fields(text);
    if (fields.empty()) return std::nullopt;

    Request request;
    request.label = label;
    size_t first = text.find_first_not_of(kBlanks);
    size_t last = text.find_last_not_of(kBlanks);
    request.text = std::string(text.substr(first, last - first + 1));
    auto invalid = [&request](const std::string &why) {
        return RequestError(EINVAL, request.describe() + ": " + why);
    };

    if (fields.size() > 4) throw invalid("too many fields (expected [!]MOUNT [TYPES [L1 [L2]]])");
    std::string_view mount = fields[0];
    if (mount.front() == '!') {
        request.remove = true;
        mount.remove_prefix(1);
    }
    if (!mount.empty() && mount.front() == '@') {
        request.rule = true;
        mount.remove_prefix(1);
        if (mount.empty()) throw invalid("no selector after '@'");
        if (request.remove && fields.size() > 1)
            throw invalid("a rule is removed whole: !@SELECTOR, without types");
    }
    if (mount.empty()) throw invalid("no mount path");
    // The listing escapes paths like /proc/self/mounts (`\040` for a
    // space), so a path copied from it is accepted back.
    request.mount = unescape_mount_field(mount);
    if (request.mount.find('\0') != std::string::npos) throw invalid("NUL byte in the mount path");
    if (request.rule) {
        std::string why;
        if (!parse_selector(request.mount, why)) throw invalid(why);
    }

    if (fields.size() >= 2) request.types = parse_types(fields[1], request);
    if (fields.size() >= 3) request.lower = parse_level(fields[2], request, "L1");
    if (fields.size() >= 4) request.upper = parse_level(fields[3], request, "L2");

    if (!request.remove && request.types == 0)
        throw invalid("no event types (give info,warn,err,thr, or !MOUNT to remove)");
    if (request.rule && !request.remove && (request.types & TRACE_THRESH) && !request.lower)
        throw invalid("a rule with thr needs L1 (and optionally L2)");
    if (request.lower && (request.remove || !(request.types & TRACE_THRESH)))
        throw invalid("threshold levels are only given when adding thr");
    if (request.lower && request.upper && levels_out_of_order(*request.lower, *request.upper))
        throw invalid("L1 (" + request.lower->text + ") is below L2 (" + request.upper->text +
                      "); both count available space, so L1 >= L2");
    return request;
}

ParsedWrite parse_write(std::string_view text) {
    if (text.size() > kMaxConfigWriteBytes)
        throw RequestError(EFBIG, "write of " + std::to_string(text.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(kMaxConfigWriteBytes));
    ParsedWrite parsed;
    if (text.find_first_not_of(std::string(kBlanks) + "\n") == std::string_view::npos) {
        parsed.remove_all = true;
        return parsed;
    }
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find_first_of(kSeparators, start);
        if (end == std::string_view::npos) end = text.size();
        std::string label = "request " + std::to_string(parsed.requests.size() + 1);
        if (auto request = parse_request(text.substr(start, end - start), label))
            parsed.requests.push_back(std::move(*request));
        start = end + 1;
    }
    return parsed;
}

}  // namespace fsev
