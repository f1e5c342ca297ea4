// Measurement 7: how early FS_WARN_FULL_SOON warns, beside the usual
// Prometheus alert on node_exporter's 15 s statfs samples,
// predict_linear(avail[1h], 1800) < level, on the same synthetic fill
// curves. Pure computation: FillPredictor (the daemon's code) sampled every
// 5 s, predict_linear's least squares over the last hour of 15 s samples.
#include <cmath>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "measurements.h"
#include "prediction/fill_predictor.h"

namespace fsev::bench {

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kHorizon = 1800;  // predict 30m / predict_linear(..., 1800)
constexpr double kLevel = 10 * kGiB;
constexpr double kStart = 100 * kGiB;
constexpr double kFull = 4 * 3600;  // every curve reaches the level at 4 h

struct Outcome {
    std::optional<double> first;  // seconds before the level, at the first warning
    int warnings = 0;             // times it went from quiet to warning before the level
};

// predict_linear: least-squares line through (t, v) over the window,
// evaluated `horizon` after the newest sample.
double predict_linear(const std::vector<std::pair<double, double>> &points, double horizon) {
    double n = static_cast<double>(points.size()), st = 0, sv = 0, stt = 0, stv = 0;
    for (const auto &[t, v] : points) {
        st += t;
        sv += v;
        stt += t * t;
        stv += t * v;
    }
    double slope = (n * stv - st * sv) / (n * stt - st * st);
    double intercept = (sv - slope * st) / n;
    return intercept + slope * (points.back().first + horizon);
}

Outcome prometheus(const std::function<double(double)> &curve) {
    Outcome outcome;
    std::vector<std::pair<double, double>> window;
    bool firing = false;
    for (double t = 0; t < kFull; t += 15) {
        window.emplace_back(t, curve(t));
        while (window.front().first <= t - 3600) window.erase(window.begin());
        bool now = window.size() >= 2 && predict_linear(window, kHorizon) < kLevel;
        if (now && !firing) {
            outcome.warnings++;
            if (!outcome.first) outcome.first = kFull - t;
        }
        firing = now;
    }
    return outcome;
}

Outcome full_soon(const std::function<double(double)> &curve) {
    Outcome outcome;
    FillPredictor predictor(std::chrono::seconds(static_cast<int>(kHorizon)));
    auto start = FillPredictor::Clock::time_point{} + std::chrono::hours(1);
    for (double t = 0; t < kFull; t += 5) {
        auto when = start + std::chrono::seconds(static_cast<long>(t));
        if (predictor.add_sample(when, static_cast<uint64_t>(curve(t)),
                                 static_cast<uint64_t>(kLevel))) {
            outcome.warnings++;
            if (!outcome.first) outcome.first = kFull - t;
        }
    }
    return outcome;
}

std::string describe(const Outcome &outcome) {
    if (!outcome.first) return "never";
    return fixed(*outcome.first / 60, 1) + " min (" + std::to_string(outcome.warnings) + "x)";
}

}  // namespace

void measure_full_soon_lead(Report &report) {
    double to_fill = kStart - kLevel;
    struct Curve {
        const char *name;
        std::function<double(double)> available;
    };
    const Curve curves[] = {
        {"constant", [=](double t) { return kStart - to_fill * t / kFull; }},
        {"accelerating", [=](double t) { return kStart - to_fill * (t / kFull) * (t / kFull); }},
        // The same average, in 5-minute bursts at twice the pace every 10 minutes.
        {"bursty",
         [=](double t) {
             double period = 600, cycles = std::floor(t / period), phase = t - cycles * period;
             double per_cycle = to_fill * period / kFull;
             return kStart - cycles * per_cycle - std::min(phase / 300, 1.0) * per_cycle;
         }},
    };
    std::string measured;
    std::cout << "7: warning lead before the level (4 h fill, horizon 30 min), FULL_SOON / "
                 "predict_linear:\n";
    for (const Curve &curve : curves) {
        Outcome ours = full_soon(curve.available), theirs = prometheus(curve.available);
        std::cout << "   " << curve.name << ": " << describe(ours) << " / " << describe(theirs)
                  << '\n';
        if (!measured.empty()) measured += "; ";
        measured += std::string(curve.name) + " " + describe(ours) + " / " + describe(theirs);
    }
    report.rows.push_back(
        {"7a", "warning lead before L2, FS_WARN_FULL_SOON / predict_linear", measured, "-", "-"});
    report.methods.push_back(
        "7: synthetic curves of available space, 100 GiB falling to a 10 GiB level in 4 h "
        "(constant; accelerating, quadratic; bursty, the constant average in 5-minute bursts at "
        "twice the pace every 10 minutes). FS_WARN_FULL_SOON: the daemon's FillPredictor with "
        "predict 30m, fed every 5 s. predict_linear: least squares over the last hour of 15 s "
        "samples, firing while the value predicted 1800 s ahead is below the level. Lead = "
        "time from the first warning to the level; (Nx) = times it started warning.");
}

}  // namespace fsev::bench
