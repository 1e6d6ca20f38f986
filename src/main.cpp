#include <app/app.hpp>

#ifdef TALGPU_WITH_MIMALLOC
#include <mimalloc.h>
#endif

int main(int argc, char** argv) {
#ifdef TALGPU_WITH_MIMALLOC
  // 2 MiB pages where the kernel offers them (transparent huge pages, madvise mode): `check` on a
  // large fleet otherwise spends about as long in page faults as in reading the nodes
  // (bench/README.md). MIMALLOC_LARGE_OS_PAGES in the environment still decides when set.
  mi_option_set_enabled_default(mi_option_large_os_pages, true);
#endif
  return talgpu::app_main(argc, argv);
}
