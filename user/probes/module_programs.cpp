// Ext4Probes::load_module_programs(): programs on the tracepoints of a
// filesystem module loaded after the daemon started.
#include <bpf/libbpf.h>

#include <algorithm>

#include "common/system_error.h"
#include "fsev_bpf.skel.h"
#include "probes/bpf_object_builds.h"
#include "probes/ext4_probes.h"

namespace fsev {

namespace {

// Every map of `copy` is the map of the same name in `original`: the
// programs of both see one set of traced superblocks, one ring buffer and
// one read-only configuration.
void share_maps(const ::fsev_bpf &original, ::fsev_bpf &copy) {
    bpf_map *map = nullptr;
    bpf_object__for_each_map(map, copy.obj) {
        const bpf_map *same = bpf_object__find_map_by_name(original.obj, bpf_map__name(map));
        if (!same) throw system_error(-ENOENT, std::string("find map ") + bpf_map__name(map));
        if (int err = bpf_map__reuse_fd(map, bpf_map__fd(same)); err)
            throw system_error(err, std::string("share map ") + bpf_map__name(map));
    }
}

}  // namespace

std::vector<std::string> Ext4Probes::load_module_programs(const std::string &module) {
    std::lock_guard load_lock(module_load_mutex_);
    std::string prefix = module + "_";
    std::set<std::string> missing;
    {
        std::lock_guard lock(links_mutex_);
        if (settled_modules_.count(module)) return {};
        bpf_program *program = nullptr;
        bpf_object__for_each_program(program, skeleton_->obj) {
            std::string tracepoint = tracepoint_of(program);
            if (tracepoint.rfind(prefix, 0) == 0 && !loaded_tracepoints_.count(tracepoint))
                missing.insert(tracepoint);
        }
    }
    if (missing.empty()) return {};
    std::set<std::string> present = module_tracepoints(module);
    std::vector<std::string> gained;
    std::set_intersection(missing.begin(), missing.end(), present.begin(), present.end(),
                          std::back_inserter(gained));
    if (gained.empty()) {
        // Loaded, but without those tracepoints: parsing its BTF again on
        // every mount change would find the same.
        if (!present.empty()) {
            std::lock_guard lock(links_mutex_);
            settled_modules_.insert(module);
        }
        return {};
    }

    try {
        std::unique_ptr<::fsev_bpf, SkeletonDeleter> copy(open_fsev_bpf(plain_loads_));
        if (!copy) throw last_system_error("open BPF object fsev_bpf");
        bpf_program *program = nullptr;
        bpf_object__for_each_program(program, copy->obj) {
            std::string tracepoint = tracepoint_of(program);
            bpf_program__set_autoload(
                program, std::find(gained.begin(), gained.end(), tracepoint) != gained.end());
        }
        share_maps(*skeleton_, *copy);
        if (int err = fsev_bpf__load(copy.get()); err)
            throw system_error(err, "load " + module + "'s programs (see libbpf messages above)");

        std::lock_guard lock(links_mutex_);
        ::fsev_bpf *loaded = copy.get();
        module_skeletons_.push_back(std::move(copy));
        try {
            // Into the copy's own links (see link_slot); the activity
            // programs wait for watch_space_activity like the others.
            bpf_object__for_each_program(program, loaded->obj) {
                if (!bpf_program__autoload(program)) continue;
                if (is_activity_program(program) && !activity_wanted_) continue;
                attach_on_demand(program);
            }
        } catch (...) {
            fsev_bpf__detach(loaded);
            module_skeletons_.pop_back();
            throw;
        }
        loaded_tracepoints_.insert(gained.begin(), gained.end());
    } catch (const std::system_error &) {
        std::lock_guard lock(links_mutex_);
        settled_modules_.insert(module);
        throw;
    }
    return gained;
}

bool Ext4Probes::has_program_on(const std::string &tracepoint) const {
    std::lock_guard lock(links_mutex_);
    return loaded_tracepoints_.count(tracepoint) > 0;
}

}  // namespace fsev
