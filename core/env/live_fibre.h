// LiveFibre: counts a fibre as live for as long as it runs (or unwinds), so
// a driver (store/transport, rpc/) can report how many of its fibres are
// left after Close. Declare it first in the fibre's body.
#ifndef CORE_ENV_LIVE_FIBRE_H_
#define CORE_ENV_LIVE_FIBRE_H_

namespace core::env {

class LiveFibre {
 public:
  explicit LiveFibre(int& live_fibres) : live_fibres_(live_fibres) {
    ++live_fibres_;
  }
  ~LiveFibre() { --live_fibres_; }
  LiveFibre(const LiveFibre&) = delete;
  LiveFibre& operator=(const LiveFibre&) = delete;

 private:
  int& live_fibres_;
};

}  // namespace core::env

#endif  // CORE_ENV_LIVE_FIBRE_H_
