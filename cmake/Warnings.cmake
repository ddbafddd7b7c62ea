# openfle_warnings: the warning set every project target uses.
add_library(openfle_warnings INTERFACE)
target_compile_options(openfle_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wimplicit-fallthrough
  $<$<BOOL:${OPENFLE_WERROR}>:-Werror>)
