// wal_vfs.cc — the coalescing WAL VFS (see wal_vfs.h).
//
// SQLite writes a WAL frame as two writes, its 24-byte header and then the
// page, so a commit of a dozen pages is two dozen pwrite calls before its
// fdatasync; on this project's hosts each system call is an exit to the
// hypervisor, and the writer thread, which commits every audit row, spent a
// sixth of its time in them. Here the frames of a commit are gathered and
// reach the file in one pwrite, just before the sync that makes them durable.
#include "store/wal_vfs.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <sqlite3.h>

namespace accessd::store {

namespace {

constexpr const char* kName = "accessd-coalescing-wal";
// Held writes are sent once they reach this size (a large transaction).
constexpr sqlite3_int64 kMaxHeld = 4 << 20;
// The default VFS writes at most 128 KiB - 1 bytes per call (it masks the
// length with 0x1ffff), so held bytes go out in pieces of 31 pages.
constexpr sqlite3_int64 kMaxWrite = 31 * 4096;

std::atomic<unsigned long long> g_made{0}, g_sent{0};

sqlite3_vfs* g_real = nullptr;  // SQLite's default VFS, which does the work
sqlite3_vfs g_vfs;

// Our file object; the real VFS's file object follows it in the same
// allocation (szOsFile is the sum of both).
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
  char* held;               // bytes written but not yet sent, malloc'd
  sqlite3_int64 held_len;
  sqlite3_int64 held_cap;
  sqlite3_int64 held_at;    // file offset of held[0]
};

constexpr size_t kFileSize = (sizeof(File) + 15) & ~size_t{15};

File* F(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return F(f)->real; }

int Send(File* p) {
  int rc = SQLITE_OK;
  for (sqlite3_int64 done = 0; done < p->held_len && rc == SQLITE_OK; done += kMaxWrite) {
    int n = static_cast<int>(std::min(kMaxWrite, p->held_len - done));
    g_sent.fetch_add(1, std::memory_order_relaxed);
    rc = p->real->pMethods->xWrite(p->real, p->held + done, n, p->held_at + done);
  }
  p->held_len = 0;
  return rc;
}

int Close(sqlite3_file* f) {
  File* p = F(f);
  int rc = Send(p);
  int rc2 = p->real->pMethods->xClose(p->real);
  std::free(p->held);
  p->held = nullptr;
  return rc != SQLITE_OK ? rc : rc2;
}

int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  int rc = Send(F(f));
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}

int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  File* p = F(f);
  if (!p->wal) return p->real->pMethods->xWrite(p->real, buf, n, off);
  g_made.fetch_add(1, std::memory_order_relaxed);
  if (p->held_len > 0 && off != p->held_at + p->held_len) {
    int rc = Send(p);
    if (rc != SQLITE_OK) return rc;
  }
  if (p->held_len + n > p->held_cap) {
    if (p->held_len + n > kMaxHeld) {
      int rc = Send(p);
      if (rc != SQLITE_OK) return rc;
      if (n > kMaxWrite) {
        g_sent.fetch_add(1, std::memory_order_relaxed);
        return p->real->pMethods->xWrite(p->real, buf, n, off);
      }
    }
    sqlite3_int64 cap = p->held_cap ? p->held_cap : 64 << 10;
    while (cap < p->held_len + n) cap *= 2;
    char* grown = static_cast<char*>(std::realloc(p->held, static_cast<size_t>(cap)));
    if (grown == nullptr) {
      int rc = Send(p);
      if (rc != SQLITE_OK) return rc;
      g_sent.fetch_add(1, std::memory_order_relaxed);
      return p->real->pMethods->xWrite(p->real, buf, n, off);
    }
    p->held = grown;
    p->held_cap = cap;
  }
  if (p->held_len == 0) p->held_at = off;
  std::memcpy(p->held + p->held_len, buf, static_cast<size_t>(n));
  p->held_len += n;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  int rc = Send(F(f));
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}

int Sync(sqlite3_file* f, int flags) {
  int rc = Send(F(f));
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  int rc = Send(F(f));
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileSize(Real(f), size);
}

int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  // Rare, and some (SIZE_HINT, PERSIST_WAL, ...) look at the file itself.
  int rc = Send(F(f));
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}

int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}

int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* page) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, page);
}

// Version 1 for files whose real methods lack shared memory and mmap (none
// of the default VFS's), version 3 otherwise.
const sqlite3_io_methods kMethodsV1 = {
    1,        Close,        Read, Write,       Truncate,  Sync,
    FileSize, Lock,         Unlock, CheckReservedLock, FileControl, SectorSize,
    DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
const sqlite3_io_methods kMethodsV3 = {
    3,        Close,        Read, Write,       Truncate,  Sync,
    FileSize, Lock,         Unlock, CheckReservedLock, FileControl, SectorSize,
    DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch, Unfetch};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  File* p = F(f);
  // Both objects zeroed: the real one's pMethods is read below if its open fails.
  std::memset(static_cast<void*>(p), 0, kFileSize + static_cast<size_t>(g_real->szOsFile));
  p->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kFileSize);
  int rc = g_real->xOpen(g_real, name, p->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // A real file with methods set must be closed even though it failed;
    // ours has none, so SQLite will not call our xClose.
    if (p->real->pMethods != nullptr) p->real->pMethods->xClose(p->real);
    p->base.pMethods = nullptr;
    return rc;
  }
  p->wal = (flags & SQLITE_OPEN_WAL) != 0;
  p->base.pMethods = p->real->pMethods->iVersion >= 3 ? &kMethodsV3 : &kMethodsV1;
  return SQLITE_OK;
}

// Everything else goes to the real VFS with the real VFS as its argument.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr fn) {
  return g_real->xSetSystemCall(g_real, name, fn);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return g_real->xGetSystemCall(g_real, name);
}
const char* NextSystemCall(sqlite3_vfs*, const char* name) {
  return g_real->xNextSystemCall(g_real, name);
}

}  // namespace

const char* CoalescingWalVfsName() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    g_real = sqlite3_vfs_find(nullptr);
    std::memset(&g_vfs, 0, sizeof g_vfs);
    g_vfs.iVersion = g_real->iVersion < 3 ? g_real->iVersion : 3;
    g_vfs.szOsFile = static_cast<int>(kFileSize) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = kName;
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = DlOpen;
    g_vfs.xDlError = DlError;
    g_vfs.xDlSym = DlSym;
    g_vfs.xDlClose = DlClose;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    if (g_vfs.iVersion >= 3) {
      g_vfs.xSetSystemCall = SetSystemCall;
      g_vfs.xGetSystemCall = GetSystemCall;
      g_vfs.xNextSystemCall = NextSystemCall;
    }
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return kName;
}

WalWriteCounts CoalescingWalVfsCounts() {
  WalWriteCounts c;
  c.made = g_made.load(std::memory_order_relaxed);
  c.sent = g_sent.load(std::memory_order_relaxed);
  return c;
}

}  // namespace accessd::store
