#include "table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace fsev::bench {

void print_table(const Report &report, const std::string &heading) {
    const std::vector<std::string> titles = {"#", "figure", "measured", "target", "verdict"};
    std::vector<size_t> widths;
    for (const auto &title : titles) widths.push_back(title.size());
    for (const Row &row : report.rows) {
        const std::string *cells[] = {&row.key, &row.figure, &row.measured, &row.target,
                                      &row.verdict};
        for (size_t i = 0; i < widths.size(); ++i)
            widths[i] = std::max(widths[i], cells[i]->size());
    }
    auto line = [&](const std::vector<std::string> &cells) {
        std::string text = "|";
        for (size_t i = 0; i < cells.size(); ++i)
            text += " " + cells[i] + std::string(widths[i] - cells[i].size(), ' ') + " |";
        std::cout << text << '\n';
    };
    std::cout << '\n' << heading << "\n\n";
    line(titles);
    std::vector<std::string> rule;
    for (size_t width : widths) rule.push_back(std::string(width, '-'));
    line(rule);
    for (const Row &row : report.rows)
        line({row.key, row.figure, row.measured, row.target, row.verdict});
    std::cout << "\nMethods:\n";
    for (const auto &method : report.methods) std::cout << "  " << method << '\n';
    std::cout.flush();
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string percent(double fraction, int decimals) {
    return fixed(fraction * 100.0, decimals) + " %";
}

std::string microseconds(double nanoseconds) {
    return fixed(nanoseconds / 1000.0, 1) + " us";
}

double median(std::vector<double> values) {
    return percentile(std::move(values), 0.5);
}

double percentile(std::vector<double> values, double fraction) {
    if (values.empty()) return std::nan("");
    std::sort(values.begin(), values.end());
    auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

}  // namespace fsev::bench
