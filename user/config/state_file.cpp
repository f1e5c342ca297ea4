#include "config/state_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "config/request.h"

namespace fsev {

namespace {

constexpr std::string_view kHeader =
    "# fsev-bpf configuration state: every accepted write to the config file rewrites it.\n"
    "# Requests, one per line, replayed at start after --config-file. Edit that file, not "
    "this one.\n";

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> found;
    size_t start = 0;
    while ((start = text.find_first_not_of(' ', start)) != std::string_view::npos) {
        size_t end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        found.push_back(text.substr(start, end - start));
        start = end;
    }
    return found;
}

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string request_for_listing_line(std::string_view line) {
    size_t open = line.find(" (");
    if (open == std::string_view::npos || line.empty() || line.back() != ')')
        return std::string(line);
    std::vector<std::string_view> head = words(line.substr(0, open));
    std::vector<std::string_view> body = words(line.substr(open + 2, line.size() - open - 3));
    if (head.size() != 4 || !all_digits(head[0]) || body.empty()) return std::string(line);
    // `predict DURATION` is listed after the levels; it stays last.
    std::string predict;
    if (body.size() > 2 && body[body.size() - 2] == "predict") {
        predict = " predict " + std::string(body.back());
        body.resize(body.size() - 2);
    }
    // Unset levels are listed as `-`; as a request they are left out.
    while (body.size() > 1 && body.back() == "-") body.pop_back();
    std::string request(head[1]);
    for (std::string_view word : body) {
        request += ' ';
        request += word;
    }
    return request + predict;
}

std::string state_text(std::string_view listing) {
    std::string text(kHeader);
    size_t start = 0;
    while (start < listing.size()) {
        size_t end = listing.find('\n', start);
        if (end == std::string_view::npos) end = listing.size();
        std::string_view line = listing.substr(start, end - start);
        if (!line.empty()) text += request_for_listing_line(line) + '\n';
        start = end + 1;
    }
    return text;
}

RestoreResult restore_state_file(const std::string &path, TraceTable &table,
                                 PathResolver &resolver) {
    RestoreResult result;
    std::ifstream file(path);
    if (!file) {
        if (errno == ENOENT) return result;  // first start: nothing recorded yet
        throw std::system_error(errno, std::generic_category(), "read state file " + path);
    }
    std::string line;
    for (size_t number = 1; std::getline(file, line); ++number) {
        if (line.empty() || line.front() == '#') continue;
        std::string label = "line " + std::to_string(number);
        try {
            std::optional<Request> request = parse_request(line, label);
            if (!request) continue;
            ParsedWrite write;
            if (!request->remove) {
                ResolvedFilesystem filesystem;
                bool resolved = false;
                try {
                    filesystem = resolver.resolve(request->mount);
                    resolved = true;
                } catch (const std::system_error &) {
                    // Applying the request below reports why it cannot resolve.
                }
                // Recorded by mount point: if nothing is mounted there any
                // more, the path now names the filesystem below it (often /),
                // which was never asked for.
                if (resolved && filesystem.mount_point != request->mount)
                    throw RequestError(ENOENT, request->describe() + ": " + request->mount +
                                                   " is no longer a mount point (the path is on " +
                                                   filesystem.mount_point + " now)");
                if (resolved) {
                    for (const TraceEntry &entry : table.entries())
                        if (entry.device == filesystem.device) {
                            Request replace;
                            replace.label = label;
                            replace.text = "!" + request->mount;
                            replace.remove = true;
                            replace.mount = request->mount;
                            write.requests.push_back(replace);
                            break;
                        }
                }
            }
            write.requests.push_back(*request);
            table.apply(write, resolver);
            ++result.restored;
        } catch (const RequestError &error) {
            result.failures.push_back(std::string(error.what()) + " (" +
                                      std::strerror(error.error_number()) + ")");
        }
    }
    if (file.bad())
        throw std::system_error(EIO, std::generic_category(), "read state file " + path);
    return result;
}

}  // namespace fsev
