package main

// The interop test service, defined by its bytes (the C++ side serves the
// same methods; see README.md):
//
//   /interop.Test/Echo    unary     "echo:" + request
//   /interop.Test/Count   server    request n (decimal): responses "0".."n-1"
//   /interop.Test/Concat  client    the requests concatenated
//   /interop.Test/Chat    bidi      "re:" + each request, in order
//   /interop.Test/Fail    unary     request "code:message": that status
//   /interop.Test/Sleep   unary     request ms (decimal): sleeps, then "slept"
//   /interop.Test/Large   unary     request n (decimal): n bytes of 'L', or
//                                   a request longer than 16 bytes: its
//                                   length (decimal)
//   /grpc.health.v1.Health/Check    SERVING ("\x08\x01")
// Anything else: UNIMPLEMENTED.

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func recvOne(stream grpc.ServerStream) (Raw, error) {
	var request Raw
	if err := stream.RecvMsg(&request); err != nil {
		return nil, err
	}
	return request, nil
}

func serveUnary(stream grpc.ServerStream, method string) error {
	request, err := recvOne(stream)
	if err != nil {
		return err
	}
	var response Raw
	switch method {
	case "/interop.Test/Echo":
		response = append(Raw("echo:"), request...)
	case "/interop.Test/Fail":
		parts := strings.SplitN(string(request), ":", 2)
		code, _ := strconv.Atoi(parts[0])
		message := ""
		if len(parts) == 2 {
			message = parts[1]
		}
		return status.Error(codes.Code(code), message)
	case "/interop.Test/Sleep":
		ms, _ := strconv.Atoi(string(request))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
		response = Raw("slept")
	case "/interop.Test/Large":
		if len(request) > 16 {
			response = Raw(strconv.Itoa(len(request)))
		} else {
			n, _ := strconv.Atoi(string(request))
			response = Raw(bytes.Repeat([]byte("L"), n))
		}
	case "/grpc.health.v1.Health/Check":
		response = Raw("\x08\x01")
	}
	return stream.SendMsg(&response)
}

func serveStreaming(stream grpc.ServerStream, method string) error {
	switch method {
	case "/interop.Test/Count":
		request, err := recvOne(stream)
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(request))
		for i := 0; i < n; i++ {
			response := Raw(strconv.Itoa(i))
			if err := stream.SendMsg(&response); err != nil {
				return err
			}
		}
		return nil
	case "/interop.Test/Concat":
		var all Raw
		for {
			request, err := recvOne(stream)
			if err == io.EOF {
				return stream.SendMsg(&all)
			}
			if err != nil {
				return err
			}
			all = append(all, request...)
		}
	default: // Chat
		for {
			request, err := recvOne(stream)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			response := append(Raw("re:"), request...)
			if err := stream.SendMsg(&response); err != nil {
				return err
			}
		}
	}
}

// handle serves every method through grpc-go's unknown-service hook.
func handle(_ interface{}, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	switch method {
	case "/interop.Test/Echo", "/interop.Test/Fail", "/interop.Test/Sleep",
		"/interop.Test/Large", "/grpc.health.v1.Health/Check":
		return serveUnary(stream, method)
	case "/interop.Test/Count", "/interop.Test/Concat", "/interop.Test/Chat":
		return serveStreaming(stream, method)
	}
	return status.Errorf(codes.Unimplemented, "unknown method %s", method)
}

func newServer() *grpc.Server {
	return grpc.NewServer(grpc.UnknownServiceHandler(handle),
		grpc.MaxRecvMsgSize(4<<20), grpc.MaxSendMsgSize(16<<20))
}
