package main

// The client half: every check the interop test makes of a server, each
// printed as "PASS name" or "FAIL name: why", then "N passed, N failed".

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type check struct {
	name string
	run  func(ctx context.Context, conn *grpc.ClientConn) error
}

func unary(ctx context.Context, conn *grpc.ClientConn, method string,
	request Raw, opts ...grpc.CallOption) (Raw, error) {
	var response Raw
	err := conn.Invoke(ctx, method, &request, &response, opts...)
	return response, err
}

func expectCode(err error, want codes.Code) error {
	if got := status.Code(err); got != want {
		return fmt.Errorf("status %v (%v), want %v", got, err, want)
	}
	return nil
}

var streamDesc = &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}

func checkEcho(ctx context.Context, conn *grpc.ClientConn) error {
	response, err := unary(ctx, conn, "/interop.Test/Echo", Raw("hi"))
	if err != nil {
		return err
	}
	if string(response) != "echo:hi" {
		return fmt.Errorf("got %q", response)
	}
	return nil
}

func checkServerStreaming(ctx context.Context, conn *grpc.ClientConn) error {
	stream, err := conn.NewStream(ctx, streamDesc, "/interop.Test/Count")
	if err != nil {
		return err
	}
	request := Raw("100")
	if err := stream.SendMsg(&request); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	for i := 0; ; i++ {
		var response Raw
		err := stream.RecvMsg(&response)
		if err == io.EOF {
			if i != 100 {
				return fmt.Errorf("%d responses, want 100", i)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if string(response) != strconv.Itoa(i) {
			return fmt.Errorf("response %d is %q", i, response)
		}
	}
}

func checkClientStreaming(ctx context.Context, conn *grpc.ClientConn) error {
	stream, err := conn.NewStream(ctx, streamDesc, "/interop.Test/Concat")
	if err != nil {
		return err
	}
	for _, piece := range []string{"a", "b", "c", "d"} {
		request := Raw(piece)
		if err := stream.SendMsg(&request); err != nil {
			return err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	var response Raw
	if err := stream.RecvMsg(&response); err != nil {
		return err
	}
	if string(response) != "abcd" {
		return fmt.Errorf("got %q", response)
	}
	return nil
}

func checkBidi(ctx context.Context, conn *grpc.ClientConn) error {
	stream, err := conn.NewStream(ctx, streamDesc, "/interop.Test/Chat")
	if err != nil {
		return err
	}
	for i := 0; i < 10; i++ {
		request := Raw(strconv.Itoa(i))
		if err := stream.SendMsg(&request); err != nil {
			return err
		}
		var response Raw
		if err := stream.RecvMsg(&response); err != nil {
			return err
		}
		if string(response) != "re:"+strconv.Itoa(i) {
			return fmt.Errorf("got %q", response)
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	var extra Raw
	if err := stream.RecvMsg(&extra); err != io.EOF {
		return fmt.Errorf("after CloseSend: %v, want EOF", err)
	}
	return nil
}

func checkStatusCodes(ctx context.Context, conn *grpc.ClientConn) error {
	const message = "why: 100% \u20ac\nline two"
	for code := 1; code <= 16; code++ {
		_, err := unary(ctx, conn, "/interop.Test/Fail",
			Raw(strconv.Itoa(code)+":"+message))
		s := status.Convert(err)
		if s.Code() != codes.Code(code) || s.Message() != message {
			return fmt.Errorf("code %d: got %v %q", code, s.Code(), s.Message())
		}
	}
	return nil
}

func checkDeadline(ctx context.Context, conn *grpc.ClientConn) error {
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := unary(short, conn, "/interop.Test/Sleep", Raw("2000"))
	if err := expectCode(err, codes.DeadlineExceeded); err != nil {
		return err
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		return fmt.Errorf("took %v", elapsed)
	}
	return nil
}

func checkCancellation(ctx context.Context, conn *grpc.ClientConn) error {
	cancellable, cancel := context.WithCancel(ctx)
	stream, err := conn.NewStream(cancellable, streamDesc, "/interop.Test/Chat")
	if err != nil {
		cancel()
		return err
	}
	request := Raw("x")
	if err := stream.SendMsg(&request); err != nil {
		cancel()
		return err
	}
	var response Raw
	if err := stream.RecvMsg(&response); err != nil {
		cancel()
		return err
	}
	cancel()
	return expectCode(stream.RecvMsg(&response), codes.Canceled)
}

func checkLargeMessages(ctx context.Context, conn *grpc.ClientConn) error {
	big := Raw(strings.Repeat("q", 3<<20))
	response, err := unary(ctx, conn, "/interop.Test/Large", big)
	if err != nil {
		return err
	}
	if string(response) != strconv.Itoa(3<<20) {
		return fmt.Errorf("server saw %q bytes", response)
	}
	response, err = unary(ctx, conn, "/interop.Test/Large",
		Raw(strconv.Itoa(8<<20)), grpc.MaxCallRecvMsgSize(16<<20))
	if err != nil {
		return err
	}
	if len(response) != 8<<20 {
		return fmt.Errorf("got %d bytes", len(response))
	}
	return nil
}

func checkOversized(ctx context.Context, conn *grpc.ClientConn) error {
	_, err := unary(ctx, conn, "/interop.Test/Large",
		Raw(strings.Repeat("q", 5<<20)))
	if err := expectCode(err, codes.ResourceExhausted); err != nil {
		return fmt.Errorf("request over the server's 4 MiB: %v", err)
	}
	_, err = unary(ctx, conn, "/interop.Test/Large", Raw(strconv.Itoa(5<<20)))
	if err := expectCode(err, codes.ResourceExhausted); err != nil {
		return fmt.Errorf("response over the client's 4 MiB: %v", err)
	}
	return nil
}

func checkUnimplemented(ctx context.Context, conn *grpc.ClientConn) error {
	_, err := unary(ctx, conn, "/interop.Test/Nope", Raw(""))
	return expectCode(err, codes.Unimplemented)
}

func checkHealth(ctx context.Context, conn *grpc.ClientConn) error {
	response, err := unary(ctx, conn, "/grpc.health.v1.Health/Check", Raw(""))
	if err != nil {
		return err
	}
	if string(response) != "\x08\x01" {
		return fmt.Errorf("got %q, want SERVING", response)
	}
	return nil
}

var checks = []check{
	{"unary", checkEcho},
	{"server_streaming", checkServerStreaming},
	{"client_streaming", checkClientStreaming},
	{"bidi_streaming", checkBidi},
	{"status_codes", checkStatusCodes},
	{"deadline", checkDeadline},
	{"cancellation", checkCancellation},
	{"large_messages", checkLargeMessages},
	{"oversized_messages", checkOversized},
	{"unimplemented", checkUnimplemented},
	{"health", checkHealth},
}

// runClient runs every check against addr; the number that failed.
func runClient(addr string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Printf("FAIL dial: %v\n0 passed, %d failed\n", err, len(checks))
		return len(checks)
	}
	defer conn.Close()
	passed, failed := 0, 0
	for _, c := range checks {
		if err := c.run(ctx, conn); err != nil {
			fmt.Printf("FAIL %s: %v\n", c.name, err)
			failed++
		} else {
			fmt.Printf("PASS %s\n", c.name)
			passed++
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	return failed
}
