#pragma once

#include <string>
#include <vector>

namespace fsev::bench {

// One line of the result table. `key` starts with the measurement number
// (1..5), so "1b" is the second figure of measurement 1.
struct Row {
    std::string key;
    std::string figure;    // what is measured, with units
    std::string measured;  // the number(s) this run printed
    std::string target;    // the target, or "-" when there is none
    std::string verdict;   // "met", "missed: ...", or "-"
};

// Notes printed under the table: how each measurement was made.
struct Report {
    std::vector<Row> rows;
    std::vector<std::string> methods;  // "N: how"
};

void print_table(const Report &report, const std::string &heading);

// Small formatting helpers for figures.
std::string fixed(double value, int decimals);
std::string percent(double fraction, int decimals = 2);  // 0.0123 -> "1.23 %"
std::string microseconds(double nanoseconds);            // "123.4 us"

double median(std::vector<double> values);
double percentile(std::vector<double> values, double fraction);  // nearest rank

}  // namespace fsev::bench
