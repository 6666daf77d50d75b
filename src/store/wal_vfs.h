// wal_vfs.h — an SQLite VFS for the writer's connection that sends each
// commit's WAL frames to the file in one write instead of two per page.
#ifndef ACCESSD_STORE_WAL_VFS_H_
#define ACCESSD_STORE_WAL_VFS_H_

namespace accessd::store {

// The name to open a connection with (the fourth argument of
// SQLite::Database). The VFS wraps SQLite's default one and differs from it
// only for write-ahead-log files: their writes that follow each other are
// kept in memory and written with one call when SQLite syncs, reads, sizes,
// truncates or closes the file, or when a write does not follow the last.
//
// Correct only for connections whose every commit syncs the WAL
// (synchronous=FULL or EXTRA): SQLite publishes a commit's frames to other
// connections after that sync, so they never see a frame still held here.
// With synchronous=NORMAL it would publish frames before they were written.
//
// Registers the VFS on first use; safe to call from any thread.
const char* CoalescingWalVfsName();

// Since the process started, over every file opened through the VFS: the
// WAL writes SQLite made, and the writes that reached the file for them.
struct WalWriteCounts {
  unsigned long long made = 0;
  unsigned long long sent = 0;
};
WalWriteCounts CoalescingWalVfsCounts();

}  // namespace accessd::store

#endif  // ACCESSD_STORE_WAL_VFS_H_
