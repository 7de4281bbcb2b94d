#!/usr/bin/env bash
# Charts of a perf/run-redis.sh run: corio-redis (1 loop) against redis-server per case, as
# ratios (requests/s, and server CPU per request), one bar pair per test, pipelined and not,
# small and 1 KiB values. Usage: perf/chart-redis.sh [RESULTS_CSV [PNG]] (defaults:
# perf/out/redis-results.csv, perf/out/redis-ratios.png). Needs gnuplot
# (scripts/install-deps.sh --perf installs gnuplot-nox).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CSV=${1:-$HERE/out/redis-results.csv}
PNG=${2:-$HERE/out/redis-ratios.png}
command -v gnuplot >/dev/null || { echo "chart-redis: gnuplot not found" >&2; exit 1; }
DATA=$(mktemp)
trap 'rm -f "$DATA"' EXIT
# label rps_ratio cpu_ratio, one row per (test, pipeline, size), in a stable order.
awk -F, '{ r[$1 "," $2 "," $3 "," $4] = $5; c[$1 "," $2 "," $3 "," $4] = $6; k[$2 "," $3 "," $4] = 1 }
    END { for (x in k) { split(x, p, ",");
            if (r["redis," x] && r["corio1," x])
                printf "%s,%s,%s,%.3f,%.3f\n", p[1], p[2], p[3], r["corio1," x] / r["redis," x],
                       c["corio1," x] / c["redis," x] } }' "$CSV" |
    sort -t, -k2,2n -k3,3n -k1,1 |
    awk -F, '{ printf "\"%s P%s %s\" %s %s\n", toupper($1), $2, ($3 == 3 ? "3B" : $3 == 1024 ? "1K" : $3 "B"), $4, $5 }' >"$DATA"
gnuplot <<GP
set terminal pngcairo size 1400,520 font 'sans,10'
set output '$PNG'
set title "corio-redis (1 loop) against redis-server 7.0.15: ratios per case (redis-benchmark -c 50, one core each)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics rotate by -45 scale 0
set ylabel 'corio-redis / redis-server'
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
plot '$DATA' using 2:xtic(1) title 'requests/s (higher is better)', \
     '' using 3 title 'server CPU per request (lower is better)'
GP
echo "chart: $PNG" >&2
