#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/level.h"

namespace fsev {

// A write is parsed as a whole, never in pieces; past this size it is refused
// with EFBIG (the RFC split long writes at its 4 KiB copy buffer).
inline constexpr size_t kMaxConfigWriteBytes = 64 * 1024;

// A request that cannot be applied: the errno a writer sees, and a message
// naming the request, for the daemon's log and the startup-file error.
class RequestError : public std::runtime_error {
  public:
    RequestError(int error_number, const std::string &message)
        : std::runtime_error(message), error_number_(error_number) {}
    int error_number() const { return error_number_; }

  private:
    int error_number_;
};

// One request: `[!]MOUNT [TYPES [L1 [L2]]]`, or a rule for filesystems
// mounted now and later: `[!]@SELECTOR [TYPES [L1 [L2]]]`.
struct Request {
    std::string label;  // "request 2" or "line 7": how errors name it
    std::string text;   // the request as written, trimmed
    bool remove = false;
    bool rule = false;           // `@SELECTOR`: `mount` holds the selector without the `@`
    std::string mount;           // the path, octal escapes decoded
    uint32_t types = 0;          // TraceTypes bits named (0: none given)
    std::optional<Level> lower;  // L1
    std::optional<Level> upper;  // L2
    // `predict DURATION` (seconds; 0 = `predict off`): warn FS_WARN_FULL_SOON
    // when the filesystem will reach L2 (or full) within that time.
    std::optional<uint64_t> predict_seconds;
    std::string describe() const { return label + " '" + text + "'"; }
};

// What one write asks for: either clear everything (a whitespace-only write)
// or apply the requests in order. Empty requests are dropped.
struct ParsedWrite {
    bool remove_all = false;
    std::vector<Request> requests;
};

// Parses one write() to the config file. Throws RequestError (EINVAL for
// syntax, EFBIG past kMaxConfigWriteBytes) naming the first bad request.
ParsedWrite parse_write(std::string_view text);

// Parses one request (no `;` or newline in it); `label` names it in errors.
// Returns nullopt when it is empty (only whitespace).
std::optional<Request> parse_request(std::string_view text, const std::string &label);

// "30m" for 1800: the largest of d, h, m, s that divides it.
std::string duration_text(uint64_t seconds);

// "info,warn,err,thr" for TraceTypes bits, in that order.
std::string type_names(uint32_t types);

}  // namespace fsev
