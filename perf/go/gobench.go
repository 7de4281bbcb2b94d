// gobench: the Go side of perf/go_bench.cpp, the same work with goroutines and Go's own
// channels, printing the same key=value line so perf/run-go.sh parses both alike. GOMAXPROCS
// (from the environment) sets the threads that run goroutines.
//
//	gobench pingpong [-n N] [-lock]   two goroutines bounce an int over two unbuffered
//	                                  channels, N round trips (default 1,000,000); -lock
//	                                  wires each to its own OS thread (runtime.LockOSThread)
//	gobench spawn [-n N] [-mode alive|finish] [-yield-every K]
//	                                  N goroutines (default 1,000,000), each adding its share
//	                                  to a checksum and calling WaitGroup.Done; alive parks
//	                                  them all on a gate channel first
//
// Standard library only; no network.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// statusKiB reads a field of /proc/self/status in KiB (VmRSS now, VmHWM the peak so far), as
// go_bench does, so both sides count memory the same way.
func statusKiB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, key+":") {
			fields := strings.Fields(line[len(key)+1:])
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(fields[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

func pingpong(n uint64, lock bool) int {
	there := make(chan int)
	back := make(chan int)
	var errors uint64
	var seconds float64
	done := make(chan struct{})
	go func() { // pong
		if lock {
			runtime.LockOSThread()
		}
		for v := range there {
			back <- v
		}
	}()
	go func() { // ping
		if lock {
			runtime.LockOSThread()
		}
		t0 := time.Now()
		for i := uint64(0); i < n; i++ {
			sent := int(i & 0x7fffffff)
			there <- sent
			// Checked so that the work cannot be dropped, and so a lost value shows.
			if v, ok := <-back; !ok || v != sent {
				errors++
			}
		}
		seconds = time.Since(t0).Seconds()
		close(there)
		close(done)
	}()
	<-done
	variant := "plain"
	if lock {
		variant = "locked-threads"
	}
	fmt.Printf("bench=pingpong impl=go variant=%s threads=%d n=%d seconds=%.6f "+
		"round_trips_per_s=%.0f ns_per_round_trip=%.1f errors=%d\n",
		variant, runtime.GOMAXPROCS(0), n, seconds, float64(n)/seconds,
		seconds*1e9/float64(n), errors)
	if errors != 0 {
		return 1
	}
	return 0
}

// share is a goroutine's part of the checksum: one that ran twice or never shows.
func share(i uint64) uint64 { return (i * 2654435761) % 1000003 }

func spawn(n uint64, mode string, yieldEvery uint64) int {
	alive := mode == "alive"
	gate := make(chan struct{})
	var parked, running sync.WaitGroup
	var sum uint64
	var spawnS, releaseS float64
	var parkedRSS int64
	base := statusKiB("VmRSS")
	running.Add(int(n))
	if alive {
		parked.Add(int(n))
	}
	t0 := time.Now()
	for i := uint64(0); i < n; i++ {
		i := i
		go func() {
			if alive {
				parked.Done()
				<-gate
			}
			atomic.AddUint64(&sum, share(i))
			running.Done()
		}()
		if yieldEvery != 0 && (i+1)%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	if alive {
		parked.Wait()
		spawnS = time.Since(t0).Seconds()
		parkedRSS = statusKiB("VmRSS")
		t1 := time.Now()
		close(gate)
		running.Wait()
		releaseS = time.Since(t1).Seconds()
	} else {
		spawnS = time.Since(t0).Seconds()
		running.Wait()
	}
	total := time.Since(t0).Seconds()
	peak := statusKiB("VmHWM")
	var want uint64
	for i := uint64(0); i < n; i++ {
		want += share(i)
	}
	errors := 0
	if atomic.LoadUint64(&sum) != want {
		errors = 1
	}
	fmt.Printf("bench=spawn impl=go mode=%s threads=%d n=%d spawn_s=%.6f release_s=%.6f "+
		"total_s=%.6f spawns_per_s=%.0f base_rss_kib=%d parked_rss_kib=%d "+
		"peak_rss_kib=%d peak_bytes_per_coroutine=%.0f errors=%d\n",
		mode, runtime.GOMAXPROCS(0), n, spawnS, releaseS, total, float64(n)/total, base,
		parkedRSS, peak, float64(peak-base)*1024/float64(n), errors)
	return errors
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gobench pingpong|spawn [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	n := fs.Uint64("n", 1000000, "round trips, or goroutines")
	lock := fs.Bool("lock", false, "pingpong: runtime.LockOSThread in each goroutine")
	mode := fs.String("mode", "alive", "spawn: alive (all parked at once) or finish")
	yieldEvery := fs.Uint64("yield-every", 0, "spawn: runtime.Gosched every K spawns (0: never)")
	fs.Parse(os.Args[2:])
	if *n == 0 || (*mode != "alive" && *mode != "finish") {
		fs.Usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pingpong":
		os.Exit(pingpong(*n, *lock))
	case "spawn":
		os.Exit(spawn(*n, *mode, *yieldEvery))
	default:
		fmt.Fprintln(os.Stderr, "usage: gobench pingpong|spawn [flags]")
		os.Exit(2)
	}
}
