// interop: grpc-go 1.43 on one side of the rpc/ interop test.
//
//	interop client ADDR   run every check against the server at ADDR
//	interop server ADDR   serve the test service (for our client)
//	interop self          grpc-go against itself on loopback (proves the
//	                      checks and the service agree)
//	interop bench ADDR [SECONDS]
//	                      the loopback benchmark's client (bench.go)
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

func serve(addr string) (*net.TCPAddr, func(), error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	server := newServer()
	go server.Serve(listener)
	return listener.Addr().(*net.TCPAddr), server.Stop, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: interop client ADDR | server ADDR | self")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "client":
		if runClient(os.Args[2]) > 0 {
			os.Exit(1)
		}
	case "server":
		addr, _, err := serve(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("serving on %v\n", addr)
		select {}
	case "bench":
		seconds := 2.0
		if len(os.Args) > 3 {
			seconds, _ = strconv.ParseFloat(os.Args[3], 64)
		}
		os.Exit(runBench(os.Args[2], time.Duration(seconds*float64(time.Second))))
	case "self":
		addr, stop, err := serve("127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		failed := runClient(addr.String())
		stop()
		if failed > 0 {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}
