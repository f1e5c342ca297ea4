#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fsev::metrics {

// Label name and value pairs, in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    Labels labels;
    double value = 0;
};

enum class MetricType { counter, gauge };

// All samples of one metric name, with its HELP and TYPE.
struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::gauge;
    std::vector<Sample> samples;
};

// A label value as the text format wants it: backslash, double quote and
// newline escaped.
std::string escape_label_value(const std::string &value);
// HELP text escaping: backslash and newline.
std::string escape_help(const std::string &help);

// The Prometheus text exposition format (version 0.0.4). Families with the
// same name are merged so HELP and TYPE appear once; families are sorted by
// name and samples by their labels, so two renders of the same state are
// byte-identical. Families without samples are left out.
std::string render(std::vector<Family> families);

}  // namespace fsev::metrics
