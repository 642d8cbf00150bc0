#include "parameter_server/push_dedup.h"

namespace tailor {

bool PushDedup::Contains(uint64_t worker_id, uint64_t request_id) const {
  auto it = workers_.find(worker_id);
  return it != workers_.end() && it->second.ids.contains(request_id);
}

void PushDedup::Record(uint64_t worker_id, uint64_t request_id) {
  Worker& w = workers_[worker_id];
  if (!w.ids.insert(request_id).second) return;
  w.order.emplace_back(request_id, w.clock);
  Trim(w);
}

void PushDedup::OnClockAdvance(uint64_t worker_id, int64_t clock) {
  Worker& w = workers_[worker_id];
  if (clock <= w.clock) return;
  w.previous_clock = w.clock;
  w.clock = clock;
  Trim(w);
}

size_t PushDedup::Remembered(uint64_t worker_id) const {
  auto it = workers_.find(worker_id);
  return it == workers_.end() ? 0 : it->second.ids.size();
}

void PushDedup::Trim(Worker& w) {
  while (w.order.size() > kMaxRemembered ||
         (w.order.size() > kMinRemembered &&
          w.order.front().second < w.previous_clock)) {
    w.ids.erase(w.order.front().first);
    w.order.pop_front();
  }
}

}  // namespace tailor
