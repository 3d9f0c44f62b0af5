// What one input's header sets for the lines after it (a W3C log's #Fields: directive, an AWS VPC
// flow log's field names): it holds for the lines of its own input only. Few inputs are live at
// once, so a list; past 4096 the oldest is dropped (inputs long gone: a --follow run's).
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace ki {

template <class T>
class PerSource {
 public:
  T* find(uint32_t source) const {
    for (const auto& [src, v] : items_)
      if (src == source) return v.get();
    return nullptr;
  }
  // v null: the input has none from now on.
  void set(uint32_t source, std::unique_ptr<T> v) {
    auto it = std::find_if(items_.begin(), items_.end(), [&](const auto& e) { return e.first == source; });
    if (!v) {
      if (it != items_.end()) items_.erase(it);
    } else if (it != items_.end()) {
      it->second = std::move(v);
    } else {
      if (items_.size() >= 4096) items_.erase(items_.begin());
      items_.emplace_back(source, std::move(v));
    }
  }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<uint32_t, std::unique_ptr<T>>> items_;
};

}  // namespace ki
