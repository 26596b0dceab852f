// SeededRandom: the simulator's only source of chance. The same seed gives
// the same sequence on every machine and compiler, which the standard
// library's distributions do not promise.

#ifndef HOPLAB_SIM_RANDOM_H_
#define HOPLAB_SIM_RANDOM_H_

#include <cstdint>

namespace hoplab::sim {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): a 64-bit counter passed through a mixing
// function.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }

  // Uniform in [0, bound); bound must be non-zero. The modulo bias is below
  // 2^-40 for the small bounds the simulator uses.
  uint64_t Below(uint64_t bound) { return Next() % bound; }

  // The mixing function on its own: a well-spread hash of `value`.
  static uint64_t Mix(uint64_t value) {
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_RANDOM_H_
