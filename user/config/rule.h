#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/level.h"

namespace fsev {

struct ResolvedFilesystem;

// Which filesystems a rule (`@SELECTOR TYPES [L1 [L2]]`) is for. The
// selector is a comma list; a filesystem matches when any item does:
//   blockdev   backed by a block device (not tmpfs, proc, overlay, NFS, ...)
//   /PATTERN   its mount point matches the shell pattern (fnmatch(3), `*`
//              also matches `/`), e.g. /srv/*
//   TYPE       its type is TYPE, e.g. ext4, xfs, btrfs
struct Selector {
    std::string text;  // as written, without the `@`
    bool block_devices = false;
    std::vector<std::string> fstypes;
    std::vector<std::string> patterns;

    bool matches(const ResolvedFilesystem &filesystem) const;
};

// Parses a selector (without the `@`). Returns nullopt and says why for an
// empty item or a type name with characters no filesystem type has.
std::optional<Selector> parse_selector(std::string_view text, std::string &why);

// A rule: what every matching filesystem, mounted now or later, is traced for.
struct Rule {
    Selector selector;
    uint32_t types = 0;  // TraceTypes bits
    std::optional<Level> lower;
    std::optional<Level> upper;
};

// The rule as a request that sets it again: `@SELECTOR TYPES [L1 [L2]]`.
std::string format_rule(const Rule &rule);

}  // namespace fsev
