// DeliveryQueue: the datagrams a simulated network has scheduled, taken
// out in the order they arrive.

#ifndef HOPLAB_SIM_DELIVERY_QUEUE_H_
#define HOPLAB_SIM_DELIVERY_QUEUE_H_

#include <cstdint>
#include <vector>

#include "sim/network.h"

namespace hoplab::sim {

class DeliveryQueue {
 public:
  // Schedules `delivery`. Deliveries due at the same instant come out in
  // the order they were pushed.
  void Push(Delivery delivery);

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }

  // The earliest delivery; the queue must not be empty. The reference
  // stays valid until the next Push or Pop.
  const Delivery& Top() const;

  // Removes and returns the earliest delivery; the queue must not be
  // empty.
  Delivery Pop();

 private:
  struct Pending {
    Delivery delivery;
    // Push order, which breaks ties between equal times.
    uint64_t order = 0;
  };
  // Heap order: the earliest delivery on top, ties in push order.
  static bool LaterFirst(const Pending& a, const Pending& b);

  // A min-heap under LaterFirst.
  std::vector<Pending> heap_;
  uint64_t next_order_ = 0;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_DELIVERY_QUEUE_H_
