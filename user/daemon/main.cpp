// fsev-bpf: the daemon's entry point. Parses the command line and runs the
// daemon; every error that stops it is printed with its errno text.
#include <bpf/libbpf.h>
#include <unistd.h>

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
    // Event lines are flushed when a ring-buffer drain ends, every other
    // line at once; in between a storm's lines leave 64 KiB to a write
    // instead of a pipe's 4 KiB, each write waking the reader at the other
    // end (journald, a test). A terminal keeps its line buffering.
    static char stdout_buffer[1 << 16];
    if (!::isatty(STDOUT_FILENO)) std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    std::vector<std::string> arguments(argv + 1, argv + argc);
    fsev::ParsedCommandLine parsed = fsev::parse_command_line(arguments);
    return fsev::run_command(parsed, "fsev-bpf", fsev::usage_text(), [&] {
        g_verbose = parsed.options.verbose;
        libbpf_set_print(print_libbpf_message);
        fsev::Daemon daemon(parsed.options);
        return daemon.run();
    });
}
