package main

// A raw-bytes codec registered under grpc-go's default name ("proto"), so
// calls carry exactly the bytes the test gives them and no generated code
// is needed: both sides of the interop test speak in message bytes.

import (
	"fmt"

	"google.golang.org/grpc/encoding"
)

// Raw is one message's bytes.
type Raw []byte

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	switch m := v.(type) {
	case *Raw:
		return *m, nil
	case Raw:
		return m, nil
	}
	return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	m, ok := v.(*Raw)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*m = append((*m)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func init() { encoding.RegisterCodec(rawCodec{}) }
