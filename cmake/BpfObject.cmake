# bpf_skeleton(NAME SOURCE [DEFINES macros...] [DEPENDS headers...])
#
# Compiles one BPF C source with clang (each of DEFINES passed as -D) to
# NAME.bpf.o, generates NAME.skel.h
# with `bpftool gen skeleton`, and exposes an INTERFACE target NAME_skel that
# carries the include path and links libbpf. Modelled on libbpf-bootstrap's
# FindBpfObject.cmake.

find_program(BPF_CLANG NAMES clang clang-14 clang-16 clang-19 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  message(FATAL_ERROR "unsupported architecture ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# System include directories as clang sees them, passed with -idirafter so
# BPF code finds <linux/types.h> and <bpf/...> without host-arch headers
# taking precedence over vmlinux.h (libbpf-bootstrap examples/c/Makefile).
execute_process(
  COMMAND sh -c "${BPF_CLANG} -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \\(/.*\\)|-idirafter;\\1|p }'"
  OUTPUT_VARIABLE BPF_SYSTEM_INCLUDES OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE "\n" ";" BPF_SYSTEM_INCLUDES "${BPF_SYSTEM_INCLUDES}")

function(bpf_skeleton name source)
  cmake_parse_arguments(ARG "" "" "DEFINES;DEPENDS" ${ARGN})
  set(object ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skeleton_dir ${CMAKE_CURRENT_BINARY_DIR}/skel)
  set(skeleton ${skeleton_dir}/${name}.skel.h)

  set(defines "")
  foreach(define IN LISTS ARG_DEFINES)
    list(APPEND defines -D${define})
  endforeach()
  set(werror "")
  if(FSEV_WERROR)
    set(werror -Werror)
  endif()
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            ${defines} -Wall ${werror}
            -I${PROJECT_SOURCE_DIR}/vmlinux -I${PROJECT_SOURCE_DIR}/include
            -I${CMAKE_CURRENT_SOURCE_DIR} ${BPF_SYSTEM_INCLUDES}
            -c ${source} -o ${object}
    DEPENDS ${source} ${ARG_DEPENDS} ${PROJECT_SOURCE_DIR}/vmlinux/vmlinux.h
    COMMENT "BPF ${name}.bpf.o"
    COMMAND_EXPAND_LISTS VERBATIM)

  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${skeleton_dir}
    COMMAND ${BPFTOOL} gen skeleton ${object} name ${name} > ${skeleton}
    DEPENDS ${object}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)

  add_custom_target(${name}_skel_gen DEPENDS ${skeleton})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${skeleton_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
