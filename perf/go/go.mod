module corio/perf/gobench

go 1.19
