#pragma once
// Reading a list of files ahead of their use, on one background thread.
//
// A folder of 100,000 small manifests costs more in the kernel (open, read, close per file) than in
// parsing; a reader thread that runs ahead hides that behind the parse on the main thread
// (issue 18). Results are taken strictly in list order, so everything downstream (diagnostics,
// output) is exactly what reading the files one after the other gives. Texts travel in batches (a
// lock per batch, not per file: a lock and a wake-up per file cost three futex calls a file).
// Memory stays bounded: the reader waits while the texts handed over and not yet taken reach
// `window_bytes` or `window_files` (one batch is always allowed, its files each within
// `max_bytes`). Destroying the prefetcher stops the reader and joins it, also when the caller
// stops early on an error. Folders of big files gain nothing from a second thread (parsing
// dominates): the taker reads the first files itself and starts the reader only when they are
// small.

#include <core/error.hpp>
#include <core/fs.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace talgpu {

struct PrefetchOptions {
  size_t max_bytes = 0;                   // each file's limit; 0: k_max_input_bytes
  // Texts handed over and not yet taken. Small on purpose: the batch buffers are used again, and
  // every buffer in flight is memory the reader faults in once.
  size_t window_bytes = size_t{512} << 10;
  size_t window_files = 4096;
  size_t batch_files = 64;  // handed over together: one lock and at most one wake-up per batch
  // The taker reads the first files itself (probe_files of them, or probe_bytes); only when they
  // average at most small_average bytes does a reader thread take over the rest. Bigger files cost
  // far more to parse than to open, and a second thread in the process is not free (measured: a
  // folder of 1,000 files of 30 KB ran 10-15% slower with one, bench/README.md).
  size_t probe_files = 64;
  size_t probe_bytes = size_t{256} << 10;
  size_t small_average = size_t{16} << 10;
};

class Prefetcher {
 public:
  // `paths` must name regular files (a folder walk's d_type said so): append_regular_file reads them.
  Prefetcher(std::vector<std::string> paths, PrefetchOptions opts);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  size_t size() const { return m_paths.size(); }
  // The i-th file's text or its read error. Calls must ask for increasing i (files in between
  // may be skipped: their texts are dropped).
  Result<std::string> take(size_t i);

 private:
  struct Item {
    size_t index = 0;
    size_t offset = 0;  // in the batch's bytes
    size_t size = 0;
    std::optional<Error> error;
  };
  // Files read together into one buffer. The buffers go back to the reader once taken, so the
  // reader does not fault in fresh memory for every file (its texts are copied out on the taking
  // thread, into that thread's heap).
  struct Batch {
    ByteBuffer bytes;
    std::vector<Item> items;
  };
  void run(size_t first);
  void hand_over(Batch& batch);
  Batch fresh_batch();
  Result<std::string> take_direct(size_t i);

  std::vector<std::string> m_paths;
  PrefetchOptions m_opts;
  std::deque<Batch> m_mine;  // the taker's: batches it already took over (no lock)
  size_t m_next = 0;         // the next item of m_mine.front()
  size_t m_asked = 0;        // take() asks for increasing indexes: the next one at least this
  enum class Mode { probe, ahead, direct } m_mode = Mode::probe;  // the taker's
  size_t m_probed_files = 0;
  size_t m_probed_bytes = 0;
  std::vector<Batch> m_spent;

  std::mutex m_mutex;  // guards what follows
  std::condition_variable m_ready;  // a batch was handed over (the taker waits)
  std::condition_variable m_room;   // the taker took the queue over, or stop (the reader waits)
  std::deque<Batch> m_queue;
  size_t m_queued_files = 0;
  size_t m_queued_bytes = 0;
  std::vector<Batch> m_free;  // taken batches, for the reader to fill again
  bool m_taker_waiting = false;
  bool m_reader_waiting = false;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace talgpu
