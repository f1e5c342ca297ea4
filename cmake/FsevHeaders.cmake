# Every library under user/ (and tests/support) is included by its folder
# name, as "config/trace_table.h". Instead of putting user/ on everyone's
# include path, each folder gets a directory of its own in the build tree
# that holds only a link to that folder: a target sees a folder's headers
# only if it links (directly or through a PUBLIC dependency) a library of
# that folder, so an include of an undeclared library fails to compile.
#
# fsev_library_headers(TARGET [SOURCE_FOLDER]): SOURCE_FOLDER defaults to
# the folder of the calling CMakeLists.txt.
function(fsev_library_headers target)
  set(source_folder ${CMAKE_CURRENT_SOURCE_DIR})
  if(ARGC GREATER 1)
    set(source_folder ${ARGV1})
  endif()
  get_filename_component(folder ${source_folder} NAME)
  set(root ${PROJECT_BINARY_DIR}/headers/${folder})
  if(NOT EXISTS ${root}/${folder})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${source_folder} ${root}/${folder} SYMBOLIC)
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
