#!/usr/bin/env python3
"""Holds the include graph of user/ against the CMake target graph.

Usage: check_layers.py SOURCE_DIR DOT_FILE

DOT_FILE is what `cmake --graphviz=DOT_FILE` wrote for SOURCE_DIR. Each
folder of user/ is a layer (its libraries are the add_library() calls of its
CMakeLists.txt); include/ is the layer `fsev` (fsev_public_headers). Fails
when
  - a folder includes a header of a folder none of its libraries link
    directly (an undeclared dependency), or links a folder it never includes
    (a declared dependency that is not used),
  - the folders include each other in a loop.
On success prints the layers, ground floor first.
"""
import pathlib
import re
import sys

source = pathlib.Path(sys.argv[1])
dot = pathlib.Path(sys.argv[2]).read_text()

folder_of_library = {"fsev_public_headers": "fsev"}
for cmake_file in sorted(source.glob("user/*/CMakeLists.txt")):
    for name in re.findall(r"add_library\((\w+)", cmake_file.read_text()):
        folder_of_library[name] = cmake_file.parent.name
folders = sorted(set(folder_of_library.values()) - {"fsev"})

# What the code includes, folder by folder ("config/trace_table.h" -> config).
includes = {folder: set() for folder in folders}
for folder in folders:
    for path in sorted((source / "user" / folder).iterdir()):
        if path.suffix not in (".h", ".cpp"):
            continue
        for header in re.findall(r'^#include "([^"/]+)/', path.read_text(), re.M):
            if header != folder and (header in folders or header == "fsev"):
                includes[folder].add(header)

# What CMake declares: direct target_link_libraries edges between our libraries.
labels = dict(re.findall(r'"(node\d+)" \[ label = "([^"]+)"', dot))
links = {folder: set() for folder in folders}
for start, end in re.findall(r'"(node\d+)" -> "(node\d+)"', dot):
    a, b = labels.get(start), labels.get(end)
    if a in folder_of_library and b in folder_of_library:
        fa, fb = folder_of_library[a], folder_of_library[b]
        if fa != fb and fa in links:
            links[fa].add(fb)

problems = []
for folder in folders:
    for missing in sorted(includes[folder] - links[folder]):
        problems.append(f"user/{folder} includes {missing}/ but links no library of it")
    for unused in sorted(links[folder] - includes[folder]):
        problems.append(f"user/{folder} links {unused} but includes none of its headers")

# Floors: a folder stands one above the highest folder it includes.
floor = {"fsev": 0}
remaining = dict(includes)
while remaining:
    ready = [f for f, uses in remaining.items() if all(u in floor for u in uses)]
    if not ready:
        problems.append("folders include each other in a loop: " + ", ".join(sorted(remaining)))
        break
    for f in ready:
        floor[f] = 1 + max((floor[u] for u in remaining[f]), default=0)
        del remaining[f]

for problem in problems:
    print("LAYERS:", problem)
if problems:
    sys.exit(1)
for level in sorted(set(floor.values())):
    names = sorted(f for f, n in floor.items() if n == level)
    print(f"floor {level}: " + ", ".join(names))
