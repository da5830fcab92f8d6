package main

// The loopback benchmark's client: unary round trips per second with p50
// and p99 latency at 1 and 64 concurrent callers, and streaming messages per
// second, against the server at addr. One line per measurement:
//
//	unary callers=1 calls=N rate=R/s p50=…µs p99=…µs
//	stream messages=N rate=R/s

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
)

type benchResult struct {
	calls     int
	rate      float64
	latencies []time.Duration
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

func benchUnary(conn *grpc.ClientConn, callers int, d time.Duration) (benchResult, error) {
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			request := Raw("0123456789abcdef0123456789abcdef")
			for time.Now().Before(deadline) {
				t := time.Now()
				var response Raw
				err := conn.Invoke(context.Background(), "/interop.Test/Echo", &request, &response)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return benchResult{len(all), float64(len(all)) / elapsed.Seconds(), all}, firstErr
}

// benchStream: one server-streaming call after another (Count with n
// responses each) for d; messages received per second.
func benchStream(conn *grpc.ClientConn, d time.Duration) (int, float64, error) {
	const perCall = 10000
	deadline := time.Now().Add(d)
	start := time.Now()
	messages := 0
	for time.Now().Before(deadline) {
		stream, err := conn.NewStream(context.Background(), streamDesc, "/interop.Test/Count")
		if err != nil {
			return messages, 0, err
		}
		request := Raw(strconv.Itoa(perCall))
		if err := stream.SendMsg(&request); err != nil {
			return messages, 0, err
		}
		if err := stream.CloseSend(); err != nil {
			return messages, 0, err
		}
		for {
			var response Raw
			if err := stream.RecvMsg(&response); err != nil {
				break
			}
			messages++
		}
	}
	elapsed := time.Since(start)
	return messages, float64(messages) / elapsed.Seconds(), nil
}

func runBench(addr string, d time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Println("bench: dial:", err)
		return 1
	}
	defer conn.Close()
	for _, callers := range []int{1, 64} {
		r, err := benchUnary(conn, callers, d)
		if err != nil {
			fmt.Println("bench: unary:", err)
			return 1
		}
		fmt.Printf("unary callers=%d calls=%d rate=%.0f/s p50=%dµs p99=%dµs\n",
			callers, r.calls, r.rate,
			percentile(r.latencies, 0.50).Microseconds(),
			percentile(r.latencies, 0.99).Microseconds())
	}
	n, rate, err := benchStream(conn, d)
	if err != nil {
		fmt.Println("bench: stream:", err)
		return 1
	}
	fmt.Printf("stream messages=%d rate=%.0f/s\n", n, rate)
	return 0
}
