# cmake -DSRC=page.md -DDIR=docs/man -DOUT=build/page.md -P render_includes.cmake
# Replaces each "<!-- include _fragment.md -->" line of SRC with that
# fragment of DIR, so the parts every page shares (noderange grammar, exit
# status, files) are written once.
file(READ "${SRC}" text)
string(REGEX MATCHALL "<!-- include [A-Za-z0-9_.-]+ -->" markers "${text}")
foreach(marker IN LISTS markers)
  string(REGEX REPLACE "<!-- include ([A-Za-z0-9_.-]+) -->" "\\1" name "${marker}")
  if(NOT EXISTS "${DIR}/${name}")
    message(FATAL_ERROR "${SRC}: included ${name} does not exist in ${DIR}")
  endif()
  file(READ "${DIR}/${name}" fragment)
  string(REPLACE "${marker}" "${fragment}" text "${text}")
endforeach()
file(WRITE "${OUT}" "${text}")
