// basin mount: the snapshots as a read-only file system (FUSE), in the foreground until
// unmounted or interrupted.
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/repo_common.h"
#include "cli/snapshot_util.h"
#include "mount/fuse_mount.h"
#include "mount/snapshot_fs.h"

namespace basin::cli {
namespace {

struct MountArgs {
  std::string mountpoint;
  bool allow_other = false;
  bool no_default_permissions = false;
  bool debug = false;
};

Status Mount(const GlobalOptions& g, const MountArgs& a) {
  BASIN_RETURN_IF_ERROR(mount::CheckMountable(a.mountpoint));
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  mount::SnapshotFsOptions fs_options;
  fs_options.warning = [](const Status& s) {
    fmt::print(stderr, "basin mount: {}\n", s.ToString());
  };
  mount::SnapshotFs fs(*b.basin, fs_options);
  BASIN_RETURN_IF_ERROR(fs.Start());
  mount::FuseMountOptions o;
  o.mountpoint = a.mountpoint;
  o.allow_other = a.allow_other;
  o.default_permissions = !a.no_default_permissions;
  o.debug = a.debug;
  o.on_mounted = [&] {
    if (g.quiet) return;
    fmt::print(stderr,
               "basin: {} snapshots mounted at {}; Ctrl-C or 'fusermount3 -u {}' unmounts\n",
               b.basin->Snapshots().size(), a.mountpoint, a.mountpoint);
  };
  o.error = [](std::string_view path, const Status& s) {
    fmt::print(stderr, "basin mount: {}: {}\n", PrintablePath(path), s.ToString());
  };
  return mount::ServeFuse(fs, o);
}

}  // namespace

void RegisterMountCommand(CLI::App& app, GlobalOptions* g, Outcome* outcome) {
  auto a = std::make_shared<MountArgs>();
  CLI::App* cmd =
      app.add_subcommand("mount", "Browse the snapshots as a read-only file system (FUSE)");
  cmd->add_option("MOUNTPOINT", a->mountpoint, "An existing, empty directory")->required();
  cmd->add_flag("--allow-other", a->allow_other,
                "Let other users in too (needs user_allow_other in /etc/fuse.conf unless root)");
  cmd->add_flag("--no-default-permissions", a->no_default_permissions,
                "Do not check the stored modes and owners on access (with --allow-other: "
                "everyone reads everything)");
  cmd->add_flag("--debug", a->debug, "Log every FUSE request on stderr");
  cmd->footer(
      "Layout: snapshots/<time>/ (UTC, e.g. 2026-12-07T14:50:17Z) and snapshots/latest, "
      "ids/<short id>/, tags/<tag>/<time>/, hosts/<host>/<time>/, each holding the "
      "snapshot's tree. Listing a directory of the layout shows new snapshots (checked at "
      "most every 2 s). File contents are fetched as they are read. Runs in the "
      "foreground: Ctrl-C, SIGTERM or 'fusermount3 -u MOUNTPOINT' unmounts.");
  cmd->callback([g, a, outcome] { outcome->status = Mount(*g, *a); });
}

}  // namespace basin::cli
