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

// The longest horizon `predict` takes: beyond it a fill rate says little.
constexpr uint64_t kMaxPredictSeconds = 30ull * 24 * 3600;

// `predict DURATION`: a positive whole number with s, m, h or d, or `off`.
uint64_t parse_predict(std::string_view text, const Request &request) {
    auto invalid = [&request, text]() {
        return RequestError(EINVAL, request.describe() + ": bad predict horizon '" +
                                        std::string(text) +
                                        "' (give a duration such as 90s, 30m, 2h, 1d, or off)");
    };
    if (text == "off") return 0;
    if (text.size() < 2) throw invalid();
    uint64_t unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            throw invalid();
    }
    std::string_view digits = text.substr(0, text.size() - 1);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos || digits.size() > 9)
        throw invalid();
    uint64_t seconds = std::stoull(std::string(digits)) * unit;
    if (seconds == 0) throw invalid();
    if (seconds > kMaxPredictSeconds)
        throw RequestError(EINVAL, request.describe() + ": predict horizon '" + std::string(text) +
                                       "' is over the limit of 30d");
    return seconds;
}

}  // namespace

std::string duration_text(uint64_t seconds) {
    if (seconds != 0 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
    if (seconds != 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
    if (seconds != 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
    return std::to_string(seconds) + "s";
}

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

    // `predict DURATION` may follow the other fields.
    for (size_t i = 1; i < fields.size(); i++) {
        if (fields[i] != "predict") continue;
        if (i + 2 != fields.size())
            throw invalid(
                "predict takes one duration and comes last (MOUNT TYPES [L1 [L2]] "
                "predict 30m)");
        request.predict_seconds = parse_predict(fields[i + 1], request);
        fields.resize(i);
        break;
    }
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

    if (request.predict_seconds && (request.remove || request.rule))
        throw invalid("predict is given when adding to a mount, not with ! or in a rule");
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
