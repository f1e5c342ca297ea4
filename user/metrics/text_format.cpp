#include "metrics/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace fsev::metrics {

namespace {

std::string escape(const std::string &text, bool quotes) {
    std::string escaped;
    escaped.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '\n') {
            escaped += "\\n";
        } else if (c == '"' && quotes) {
            escaped += "\\\"";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

const char *type_name(MetricType type) {
    return type == MetricType::counter ? "counter" : "gauge";
}

// Integers print without exponent or fraction (byte and block counts stay
// exact up to 2^53); everything else with enough digits to round-trip.
std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.17g", value);
    }
    return buffer;
}

}  // namespace

std::string escape_label_value(const std::string &value) {
    return escape(value, true);
}

std::string escape_help(const std::string &help) {
    return escape(help, false);
}

std::string render(std::vector<Family> families) {
    std::map<std::string, Family> by_name;
    for (Family &family : families) {
        auto [slot, inserted] = by_name.try_emplace(family.name, family);
        if (!inserted) {
            for (Sample &sample : family.samples) slot->second.samples.push_back(std::move(sample));
        }
    }
    std::string text;
    for (auto &[name, family] : by_name) {
        if (family.samples.empty()) continue;
        std::sort(family.samples.begin(), family.samples.end(),
                  [](const Sample &a, const Sample &b) { return a.labels < b.labels; });
        text += "# HELP " + name + " " + escape_help(family.help) + "\n";
        text += "# TYPE " + name + " " + type_name(family.type) + "\n";
        for (const Sample &sample : family.samples) {
            text += name;
            if (!sample.labels.empty()) {
                text += '{';
                bool first = true;
                for (const auto &[label, value] : sample.labels) {
                    if (!first) text += ',';
                    first = false;
                    text += label + "=\"" + escape_label_value(value) + "\"";
                }
                text += '}';
            }
            text += ' ' + format_value(sample.value) + '\n';
        }
    }
    return text;
}

}  // namespace fsev::metrics
