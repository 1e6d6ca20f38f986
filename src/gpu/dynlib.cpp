#include <gpu/dynlib.hpp>

#include <dlfcn.h>

namespace talgpu::gpu {

DynamicLibrary::~DynamicLibrary() {
  // The driver libraries start threads and register atexit handlers; unloading them while those
  // may still run is how a clean exit turns into a crash. Like nvidia-smi, we keep them mapped
  // until the process ends (dlclose is skipped on purpose).
}

bool DynamicLibrary::open(const std::string& path) {
  dlerror();
  m_handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m_handle == nullptr) {
    const char* e = dlerror();
    m_error = e != nullptr ? e : "dlopen failed";
    return false;
  }
  return true;
}

void* DynamicLibrary::symbol(const char* name) const {
  return m_handle == nullptr ? nullptr : dlsym(m_handle, name);
}

}  // namespace talgpu::gpu
