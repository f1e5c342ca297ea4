// fsev-bpf: the daemon's entry point. Parses the command line and runs the
// daemon; every error that stops it is printed with its errno text.
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/daemon.h"
#include "daemon/options.h"

namespace {

bool g_verbose = false;

int print_libbpf_message(libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_DEBUG && !g_verbose) return 0;
    return std::vfprintf(stderr, format, args);
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    fsev::ParsedCommandLine parsed = fsev::parse_command_line(arguments);
    return fsev::run_command(parsed, "fsev-bpf", fsev::usage_text(), [&] {
        g_verbose = parsed.options.verbose;
        libbpf_set_print(print_libbpf_message);
        fsev::Daemon daemon(parsed.options);
        return daemon.run();
    });
}
