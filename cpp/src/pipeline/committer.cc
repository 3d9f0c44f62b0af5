#include "pipeline/committer.h"

namespace ki::consume {

void Committer::commit(bool sync) {
  auto commits = tracker_.take_commits();
  if (commits.empty()) return;
  for (const auto& [tp, off] : commits) committed_[tp_name(tp.first, tp.second)] = off;
  std::string e = group_.commit(commits, sync);
  if (!e.empty()) error_("offset commit failed: " + e);
}

}  // namespace ki::consume
