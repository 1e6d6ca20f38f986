#pragma once
// A shared library opened with dlopen() at run time, closed when the object goes away. The probe
// reaches the NVIDIA driver only this way, so talgpu builds and starts on machines without it.

#include <string>

namespace talgpu::gpu {

class DynamicLibrary {
 public:
  DynamicLibrary() = default;
  ~DynamicLibrary();
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;

  // Opens `path` (a bare soname goes through the loader's search path). On failure returns false
  // and error() holds dlerror()'s text.
  bool open(const std::string& path);
  // The address of `name`, or nullptr when the library does not export it.
  void* symbol(const char* name) const;
  // Typed form: `auto f = lib.get<int (*)(int)>("f");`
  template <typename Fn>
  Fn get(const char* name) const {
    return reinterpret_cast<Fn>(symbol(name));
  }
  const std::string& error() const { return m_error; }

 private:
  void* m_handle = nullptr;
  std::string m_error;
};

}  // namespace talgpu::gpu
