# Detection delay of one free-space level crossing: fsev-bpf (measured) vs
# statfs polling every 1 s (measured) and every 15 s (expected), as
# cumulative distributions. Input: fsev-bench --latency-data; see
# bench/plot-latency.sh.
if (!exists("data")) data = "build/latency.dat"
if (!exists("output")) output = "docs/latency.svg"
set terminal svg size 800,500 dynamic font "sans,12"
set output output
set title "Time from the syscall that crosses a level to the report"
set xlabel "delay (ms, log scale)"
set ylabel "share of crossings reported"
set logscale x
set xrange [0.001:20000]
set yrange [0:1.02]
set format x "%g"
set key below
set termoption noenhanced
set grid
plot data index 0 using 1:2 with steps lw 3 title "fsev-bpf (FS_EVENT netlink)", \
     data index 1 using 1:2 with steps lw 2 title "statfs polling every 1 s (measured)", \
     data index 2 using 1:2 with lines lw 2 dt 2 title "statfs polling every 15 s (expected)"
