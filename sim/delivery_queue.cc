#include "sim/delivery_queue.h"

#include <algorithm>
#include <utility>

#include "crafter/check.h"

namespace hoplab::sim {

bool DeliveryQueue::LaterFirst(const Pending& a, const Pending& b) {
  if (a.delivery.at != b.delivery.at) {
    return a.delivery.at > b.delivery.at;
  }
  return a.order > b.order;
}

void DeliveryQueue::Push(Delivery delivery) {
  heap_.push_back(Pending{std::move(delivery), next_order_++});
  std::push_heap(heap_.begin(), heap_.end(), LaterFirst);
}

const Delivery& DeliveryQueue::Top() const {
  HOPLAB_CHECK(!heap_.empty());
  return heap_.front().delivery;
}

Delivery DeliveryQueue::Pop() {
  HOPLAB_CHECK(!heap_.empty());
  std::pop_heap(heap_.begin(), heap_.end(), LaterFirst);
  Delivery delivery = std::move(heap_.back().delivery);
  heap_.pop_back();
  return delivery;
}

}  // namespace hoplab::sim
