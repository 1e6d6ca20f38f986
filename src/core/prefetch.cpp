#include <core/prefetch.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace talgpu {

namespace {

constexpr size_t k_batch_bytes = size_t{128} << 10;  // a batch ends at about this many bytes

}  // namespace

Prefetcher::Prefetcher(std::vector<std::string> paths, PrefetchOptions opts)
    : m_paths(std::move(paths)), m_opts(opts) {
  if (m_opts.max_bytes == 0) {
    m_opts.max_bytes = k_max_input_bytes;
  }
  m_opts.batch_files = std::max<size_t>(1, m_opts.batch_files);
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_room.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

Prefetcher::Batch Prefetcher::fresh_batch() {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_free.empty()) {
    Batch b;
    b.bytes.tail(k_batch_bytes + (size_t{64} << 10));  // sized once: no doubling while it fills
    return b;
  }
  Batch b = std::move(m_free.back());
  m_free.pop_back();
  b.bytes.truncate(0);
  b.items.clear();
  return b;
}

void Prefetcher::run(size_t first) {
  Batch batch = fresh_batch();
  for (size_t i = first; i < m_paths.size(); ++i) {
    Item item{.index = i, .offset = batch.bytes.size()};
    if (auto read = append_regular_file(m_paths[i], m_opts.max_bytes, batch.bytes); !read) {
      item.error = read.error();
    }
    item.size = batch.bytes.size() - item.offset;
    batch.items.push_back(std::move(item));
    if (batch.items.size() >= m_opts.batch_files || batch.bytes.size() >= k_batch_bytes || i + 1 == m_paths.size()) {
      hand_over(batch);
      {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_stop) {
          return;
        }
      }
      batch = fresh_batch();
    }
  }
}

// Probing and direct mode: the taker's own read (read_file: with its fstat, for any file).
Result<std::string> Prefetcher::take_direct(size_t i) {
  auto text = read_file(m_paths[i], m_opts.max_bytes);
  if (m_mode != Mode::probe) {
    return text;
  }
  ++m_probed_files;
  m_probed_bytes += text ? text->size() : 0;
  if (m_probed_files >= m_opts.probe_files || m_probed_bytes >= m_opts.probe_bytes) {
    const bool small = m_probed_bytes / m_probed_files <= m_opts.small_average;
    if (small && i + 1 < m_paths.size()) {
      m_mode = Mode::ahead;
      m_thread = std::thread([this, first = i + 1] { run(first); });
    } else {
      m_mode = Mode::direct;
    }
  }
  return text;
}

void Prefetcher::hand_over(Batch& batch) {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_reader_waiting = true;
  m_room.wait(lock, [&] {
    return m_stop || m_queue.empty() ||
           (m_queued_files + batch.items.size() <= m_opts.window_files &&
            m_queued_bytes + batch.bytes.size() <= m_opts.window_bytes);
  });
  m_reader_waiting = false;
  if (m_stop) {
    return;
  }
  m_queued_files += batch.items.size();
  m_queued_bytes += batch.bytes.size();
  m_queue.push_back(std::move(batch));
  if (m_taker_waiting) {
    m_ready.notify_one();
  }
}

Result<std::string> Prefetcher::take(size_t i) {
  if (i >= m_paths.size()) {
    return fail(fmt::format("internal: no file {} of {} to read ahead", i, m_paths.size()), {}, "internal");
  }
  if (i < m_asked) {  // asked for a file it had passed: the caller's bug
    return fail(fmt::format("internal: file {} was asked for after file {}", i, m_asked - 1), {}, "internal");
  }
  m_asked = i + 1;
  if (m_mode != Mode::ahead) {
    return take_direct(i);
  }
  for (;;) {
    while (!m_mine.empty()) {
      const Batch& b = m_mine.front();
      while (m_next < b.items.size() && b.items[m_next].index < i) {
        ++m_next;  // skipped by the caller
      }
      if (m_next < b.items.size()) {  // the reader reads every file from its first: this is file i
        const Item& item = b.items[m_next];
        ++m_next;
        if (item.error) {
          return tl::unexpected(*item.error);
        }
        return std::string(b.bytes.data() + item.offset, item.size);
      }
      m_spent.push_back(std::move(m_mine.front()));
      m_mine.pop_front();
      m_next = 0;
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    // Taken batches go back to the reader; one that grew for a huge file is freed instead.
    for (auto& b : m_spent) {
      if (b.bytes.capacity() <= 4 * k_batch_bytes) {
        m_free.push_back(std::move(b));
      }
    }
    m_spent.clear();
    m_taker_waiting = true;
    m_ready.wait(lock, [&] { return !m_queue.empty(); });
    m_taker_waiting = false;
    m_mine.swap(m_queue);  // m_mine was empty
    m_queued_files = 0;
    m_queued_bytes = 0;
    const bool wake = m_reader_waiting;
    lock.unlock();
    if (wake) {
      m_room.notify_one();
    }
  }
}

}  // namespace talgpu
