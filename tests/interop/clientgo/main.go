// clientgo: stock client-go v2.0.4 against a pd-server and tikv-server of
// ours (tests/interop/run_client_go.sh starts them). Runs the rawkv cases
// twice, with BatchCommands (the default) and with MaxBatchSize = 0 (unary
// RPCs), then, with -txn, a txnkv Begin/Set/Get/Commit. With -verify-kept
// it only reads back what an earlier run wrote (after a server restart).
// Prints one line per case ("PASS name" or "FAIL name: why") and exits 1 if
// any failed.
//
//	clientgo -pd 127.0.0.1:2379 [-txn] [-verify-kept] [-timeout 60s]
//	clientgo -pd ... -stores3          (stores3.go)
//	clientgo -pd ... -verify-kept3 NAME
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pingcap/log"
	"github.com/tikv/client-go/v2/config"
	"github.com/tikv/client-go/v2/rawkv"
	"github.com/tikv/client-go/v2/txnkv"
)

var failures int

func check(name string, err error) {
	if err != nil {
		failures++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("PASS %s\n", name)
}

func main() {
	pd := flag.String("pd", "127.0.0.1:2379", "PD address")
	txn := flag.Bool("txn", false, "also run the txnkv case")
	timeout := flag.Duration("timeout", 60*time.Second, "bound on each mode")
	verifyKept := flag.Bool("verify-kept", false, "only read back an earlier run's writes")
	stores3 := flag.Bool("stores3", false, "only the 3-store cases (splits, the rest of rawkv)")
	verifyKept3 := flag.String("verify-kept3", "", "only read back what -stores3 wrote; the name of this check")
	logLevel := flag.String("log-level", "warn", "client-go's own log level (stdout)")
	flag.Parse()
	quietClientLogs(*logLevel)

	if *stores3 || *verifyKept3 != "" {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		if *stores3 {
			runStores3(ctx, *pd)
		} else {
			runVerifyKept3(ctx, *pd, *verifyKept3)
		}
		cancel()
		finish()
		return
	}
	if *verifyKept {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		runVerifyKept(ctx, *pd, *txn)
		cancel()
		finish()
		return
	}

	for _, mode := range []struct {
		name           string
		max_batch_size uint
	}{{"batch", 128}, {"unary", 0}} {
		size := mode.max_batch_size
		config.UpdateGlobal(func(c *config.Config) { c.TiKVClient.MaxBatchSize = size })
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		runRaw(ctx, mode.name, *pd)
		cancel()
	}
	if *txn {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		runTxn(ctx, *pd)
		cancel()
	}
	finish()
}

func finish() {
	if failures > 0 {
		fmt.Printf("clientgo: %d failed\n", failures)
		os.Exit(1)
	}
	fmt.Println("clientgo: all passed")
}

func runRaw(ctx context.Context, mode string, pd string) {
	client, err := rawkv.NewClient(ctx, []string{pd}, config.DefaultConfig().Security)
	check(mode+"/rawkv.NewClient", err)
	if err != nil {
		return
	}
	defer client.Close()
	prefix := []byte("interop-" + mode + "-")
	key := func(s string) []byte { return append(append([]byte{}, prefix...), s...) }
	for _, c := range rawCases(key) {
		check(mode+"/"+c.name, c.run(ctx, client))
	}
}

type rawCase struct {
	name string
	run  func(ctx context.Context, c *rawkv.Client) error
}

func want(what string, got, expected []byte) error {
	if !bytes.Equal(got, expected) {
		return fmt.Errorf("%s: got %q, want %q", what, got, expected)
	}
	return nil
}

func rawCases(key func(string) []byte) []rawCase {
	return []rawCase{
		{"Put+Get", func(ctx context.Context, c *rawkv.Client) error {
			if err := c.Put(ctx, key("a"), []byte("1")); err != nil {
				return err
			}
			v, err := c.Get(ctx, key("a"))
			if err != nil {
				return err
			}
			return want("Get a", v, []byte("1"))
		}},
		{"Get missing key is nil", func(ctx context.Context, c *rawkv.Client) error {
			v, err := c.Get(ctx, key("missing"))
			if err != nil {
				return err
			}
			if v != nil {
				return fmt.Errorf("got %q for a missing key, want nil", v)
			}
			return nil
		}},
		{"Get empty value is not missing", func(ctx context.Context, c *rawkv.Client) error {
			if err := c.Put(ctx, key("empty"), []byte{}); err != nil {
				// client-go refuses empty values itself; that is its rule.
				return fmt.Errorf("Put empty: %v", err)
			}
			v, err := c.Get(ctx, key("empty"))
			if err != nil {
				return err
			}
			if v == nil || len(v) != 0 {
				return fmt.Errorf("got %v for an empty value, want []byte{}", v)
			}
			return nil
		}},
		{"BatchPut+BatchGet", func(ctx context.Context, c *rawkv.Client) error {
			keys := [][]byte{key("b1"), key("b2"), key("b3")}
			values := [][]byte{[]byte("x1"), []byte("x2"), []byte("x3")}
			if err := c.BatchPut(ctx, keys, values); err != nil {
				return err
			}
			got, err := c.BatchGet(ctx, append(keys, key("b-missing")))
			if err != nil {
				return err
			}
			if len(got) != 4 {
				return fmt.Errorf("BatchGet returned %d values, want 4", len(got))
			}
			for i := range keys {
				if err := want(string(keys[i]), got[i], values[i]); err != nil {
					return err
				}
			}
			if got[3] != nil {
				return fmt.Errorf("BatchGet of a missing key: %q, want nil", got[3])
			}
			return nil
		}},
		{"Delete", func(ctx context.Context, c *rawkv.Client) error {
			if err := c.Put(ctx, key("d"), []byte("gone")); err != nil {
				return err
			}
			if err := c.Delete(ctx, key("d")); err != nil {
				return err
			}
			v, err := c.Get(ctx, key("d"))
			if err != nil {
				return err
			}
			if v != nil {
				return fmt.Errorf("Get after Delete: %q, want nil", v)
			}
			return nil
		}},
		{"Scan", func(ctx context.Context, c *rawkv.Client) error {
			keys := [][]byte{key("s1"), key("s2"), key("s3"), key("s4")}
			values := [][]byte{[]byte("v1"), []byte("v2"), []byte("v3"), []byte("v4")}
			if err := c.BatchPut(ctx, keys, values); err != nil {
				return err
			}
			ks, vs, err := c.Scan(ctx, key("s"), key("t"), 3)
			if err != nil {
				return err
			}
			if len(ks) != 3 || len(vs) != 3 {
				return fmt.Errorf("Scan limit 3 returned %d keys", len(ks))
			}
			for i := 0; i < 3; i++ {
				if err := want("key", ks[i], keys[i]); err != nil {
					return err
				}
				if err := want("value", vs[i], values[i]); err != nil {
					return err
				}
			}
			ks, _, err = c.Scan(ctx, key("s"), key("t"), 10)
			if err != nil {
				return err
			}
			if len(ks) != 4 {
				return fmt.Errorf("Scan [s, t) returned %d keys, want 4", len(ks))
			}
			return nil
		}},
	}
}

func runTxn(ctx context.Context, pd string) {
	client, err := txnkv.NewClient([]string{pd})
	check("txn/txnkv.NewClient", err)
	if err != nil {
		return
	}
	defer client.Close()
	check("txn/Begin+Set+Commit+Get", func() error {
		txn, err := client.Begin()
		if err != nil {
			return fmt.Errorf("Begin: %v", err)
		}
		if err := txn.Set([]byte("interop-txn-k"), []byte("v1")); err != nil {
			return fmt.Errorf("Set: %v", err)
		}
		if err := txn.Commit(ctx); err != nil {
			return fmt.Errorf("Commit: %v", err)
		}
		reader, err := client.Begin()
		if err != nil {
			return fmt.Errorf("Begin (reader): %v", err)
		}
		v, err := reader.Get(ctx, []byte("interop-txn-k"))
		if err != nil {
			return fmt.Errorf("Get: %v", err)
		}
		return want("Get", v, []byte("v1"))
	}())
}

// runVerifyKept reads what a full run wrote: a raw key of each mode and,
// with txn, the committed transactional key.
func runVerifyKept(ctx context.Context, pd string, txn bool) {
	client, err := rawkv.NewClient(ctx, []string{pd}, config.DefaultConfig().Security)
	check("kept/rawkv.NewClient", err)
	if err != nil {
		return
	}
	defer client.Close()
	for _, mode := range []string{"batch", "unary"} {
		k := []byte("interop-" + mode + "-a")
		check("kept/raw "+string(k), func() error {
			v, err := client.Get(ctx, k)
			if err != nil {
				return err
			}
			return want("Get", v, []byte("1"))
		}())
	}
	if !txn {
		return
	}
	tc, err := txnkv.NewClient([]string{pd})
	check("kept/txnkv.NewClient", err)
	if err != nil {
		return
	}
	defer tc.Close()
	check("kept/txn interop-txn-k", func() error {
		reader, err := tc.Begin()
		if err != nil {
			return err
		}
		v, err := reader.Get(ctx, []byte("interop-txn-k"))
		if err != nil {
			return err
		}
		return want("Get", v, []byte("v1"))
	}())
}

// quietClientLogs keeps client-go's own log (stdout) to `level` (warn by
// default), so that the PASS/FAIL lines stand out.
func quietClientLogs(level string) {
	logger, props, err := log.InitLogger(&log.Config{Level: level})
	if err == nil {
		log.ReplaceGlobals(logger, props)
	}
}
