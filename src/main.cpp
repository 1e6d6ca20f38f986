#include <app/app.hpp>

int main(int argc, char** argv) {
  return talgpu::app_main(argc, argv);
}
