// secret_hash.cc — libargon2 (the reference implementation) behind a
// counting semaphore.
#include "auth/secret_hash.h"

#include <argon2.h>
#include <malloc.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "base/random.h"

namespace accessd::auth {

namespace {

std::mutex g_mu;
std::condition_variable g_cv;
Argon2Params g_params;
uint32_t g_running = 0;
std::atomic<uint64_t> g_count{0};
uint32_t g_peak = 0;

// RAII slot of the Argon2 semaphore.
class Slot {
 public:
  Slot() {
    std::unique_lock<std::mutex> lock(g_mu);
    g_cv.wait(lock, [] { return g_running < g_params.max_concurrent; });
    ++g_running;
    if (g_running > g_peak) g_peak = g_running;
  }
  ~Slot() {
    {
      std::lock_guard<std::mutex> lock(g_mu);
      --g_running;
    }
    g_cv.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
};

Argon2Params CurrentParams() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_params;
}

}  // namespace

void ConfigureArgon2(const Argon2Params& params) {
  // Each computation mallocs argon2_memory_kib in one block. glibc's dynamic
  // mmap threshold rises after the first such block is freed, after which
  // these blocks come from per-thread arenas that keep the memory: with many
  // worker threads RSS grew to hundreds of MiB. A fixed threshold keeps every
  // block mmapped and returned to the system on free, so resident memory
  // follows max_concurrent.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  std::lock_guard<std::mutex> lock(g_mu);
  g_params = params;
  if (g_params.max_concurrent == 0) g_params.max_concurrent = 1;
}

std::string HashSecret(std::string_view secret) {
  Argon2Params p = CurrentParams();
  unsigned char salt[16];
  RandomBytes(salt, sizeof salt);
  const size_t hash_len = 32;
  size_t enc_len = argon2_encodedlen(p.iterations, p.memory_kib, p.parallelism, sizeof salt,
                                     hash_len, Argon2_id);
  std::vector<char> encoded(enc_len);
  int rc;
  {
    Slot slot;
    rc = argon2id_hash_encoded(p.iterations, p.memory_kib, p.parallelism, secret.data(),
                               secret.size(), salt, sizeof salt, hash_len, encoded.data(),
                               encoded.size());
    ++g_count;
  }
  if (rc != ARGON2_OK) return std::string();
  return std::string(encoded.data());
}

bool VerifySecret(std::string_view secret, const std::string& phc) {
  if (!IsArgon2idPhc(phc)) return false;
  Slot slot;
  ++g_count;
  // argon2id_verify recomputes and compares in constant time.
  return argon2id_verify(phc.c_str(), secret.data(), secret.size()) == ARGON2_OK;
}

bool IsArgon2idPhc(const std::string& phc) {
  return phc.rfind("$argon2id$", 0) == 0 && phc.size() < 512;
}

uint64_t Argon2Count() { return g_count.load(); }

uint32_t Argon2RunningPeak() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_peak;
}

}  // namespace accessd::auth
