// LiveFibre: counts a fibre as live for as long as it runs (or unwinds), so
// Transport and TransportServer can report how many of theirs are left after
// Close. Internal to store/transport.
#ifndef STORE_TRANSPORT_LIVE_FIBRE_H_
#define STORE_TRANSPORT_LIVE_FIBRE_H_

namespace store::transport {

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

}  // namespace store::transport

#endif  // STORE_TRANSPORT_LIVE_FIBRE_H_
