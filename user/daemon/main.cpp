// fsev-bpf: the daemon's entry point. Parses the command line, loads and
// attaches the BPF programs, and prints one line per record until SIGINT or
// SIGTERM, then detaches everything and exits 0.
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <vector>

#include "common/event_loop.h"
#include "daemon/options.h"
#include "events/record_format.h"
#include "probes/ext4_probes.h"

namespace {

bool g_verbose = false;

int print_libbpf_message(libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_DEBUG && !g_verbose) return 0;
    return std::vfprintf(stderr, format, args);
}

int run_daemon(const fsev::DaemonOptions &options) {
    g_verbose = options.verbose;
    libbpf_set_print(print_libbpf_message);

    fsev::EventLoop loop;  // blocks SIGINT/SIGTERM before anything else starts
    fsev::Ext4Probes probes(fsev::probe_options_for_self());
    probes.attach();
    fsev::RecordStream records(probes.records_map_fd(), [](const fsev_record &record) {
        std::cout << fsev::format_record(record) << '\n';
    });
    loop.watch(records.epoll_fd(), [&records] {
        records.drain();
        std::cout.flush();
    });

    std::cout << "fsev-bpf: ready: " << probes.attached_programs().size()
              << " BPF programs attached" << std::endl;
    int signal_number = loop.run();
    records.drain();  // what arrived before the signal still gets printed
    probes.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    fsev::ParsedCommandLine parsed = fsev::parse_command_line(arguments);
    switch (parsed.action) {
        case fsev::ParsedCommandLine::Action::help:
            std::cout << fsev::usage_text();
            return 0;
        case fsev::ParsedCommandLine::Action::version:
            std::cout << fsev::version_text();
            return 0;
        case fsev::ParsedCommandLine::Action::error:
            std::cerr << "fsev-bpf: " << parsed.error << "\n" << fsev::usage_text();
            return 2;
        case fsev::ParsedCommandLine::Action::run:
            break;
    }
    try {
        return run_daemon(parsed.options);
    } catch (const std::system_error &error) {
        std::cerr << "fsev-bpf: " << error.what() << std::endl;
        return 1;
    }
}
