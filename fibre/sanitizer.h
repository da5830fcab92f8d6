// Thin wrappers over the AddressSanitizer fibre and poisoning hooks. They
// compile to nothing unless the translation unit is built with ASan, so the
// fibre code calls them unconditionally.
//
// Ref: compiler-rt include/sanitizer/common_interface_defs.h (the contract of
// __sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber).
#ifndef FIBRE_SANITIZER_H_
#define FIBRE_SANITIZER_H_

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define FIBRE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBRE_ASAN 1
#endif
#endif

#if defined(FIBRE_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace fibre {

// Announces a switch to the stack [bottom, bottom + size). `fake_stack_save`
// receives the current context's fake stack; pass nullptr when the current
// context is finishing for good, so ASan frees its fake stack.
inline void StartSwitchFiber(void** fake_stack_save, const void* bottom,
                             size_t size) {
#if defined(FIBRE_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

// Completes a switch on the destination side. `bottom_old`/`size_old` (may be
// null) receive the stack bounds of the context that switched to us.
inline void FinishSwitchFiber(void* fake_stack_save, const void** bottom_old,
                              size_t* size_old) {
#if defined(FIBRE_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

inline void UnpoisonMemory(void* address, size_t size) {
#if defined(FIBRE_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(address, size);
#endif
}

}  // namespace fibre

#endif  // FIBRE_SANITIZER_H_
