// The 3-store cases (run_client_go.sh phase 4, issue 18): forced splits by
// the store's SplitRegion so that scans cross region boundaries, then the
// rawkv calls a one-region cluster does not reach: BatchDelete,
// DeleteRange, ReverseScan with limits, CompareAndSwap, TTL put and
// GetKeyTTL, Checksum. -verify-kept3 reads back what -stores3 left
// (keys in every region) while a store is down or after it came back.
package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc64"
	"time"

	"github.com/tikv/client-go/v2/config"
	"github.com/tikv/client-go/v2/rawkv"
)

const prefix3 = "interop3-"

func key3(n int) []byte   { return []byte(fmt.Sprintf("%sk%02d", prefix3, n)) }
func value3(n int) []byte { return []byte(fmt.Sprintf("v%02d", n)) }
func kept3(n int) []byte  { return []byte(fmt.Sprintf("%skept-%02d", prefix3, n)) }

// k00..k19 and kept-00..kept-19 over 4 regions each: splits at 05, 10, 15
// of both.
func runStores3(ctx context.Context, pd string) {
	client, err := rawkv.NewClient(ctx, []string{pd}, config.DefaultConfig().Security)
	check("stores3/rawkv.NewClient", err)
	if err != nil {
		return
	}
	defer client.Close()
	check("stores3/SplitRegions at k05 k10 k15 kept-05 kept-10 kept-15", splitRegions(ctx, client))
	for _, c := range stores3Cases() {
		check("stores3/"+c.name, c.run(ctx, client))
	}
	cas, err := rawkv.NewClient(ctx, []string{pd}, config.DefaultConfig().Security)
	check("stores3/rawkv.NewClient (CAS)", err)
	if err == nil {
		cas.SetAtomicForCAS(true)
		check("stores3/CompareAndSwap", compareAndSwap(ctx, cas))
		cas.Close()
	}
}

// splitRegions asks PD (SplitRegions, with raw keys: the txn client's split
// would encode them), then waits up to 20 s until PD knows a region
// starting at each key. client-go gives SplitRegions its PD timeout (3 s);
// our split regions take longer to elect leaders and heartbeat, so that
// call's DeadlineExceeded is printed, not failed.
func splitRegions(ctx context.Context, c *rawkv.Client) error {
	splits := [][]byte{key3(5), key3(10), key3(15), kept3(5), kept3(10), kept3(15)}
	started := time.Now()
	if _, err := c.GetPDClient().SplitRegions(ctx, splits); err != nil {
		fmt.Printf("NOTE SplitRegions answered %v after %v; waiting for the regions\n",
			err, time.Since(started).Round(time.Millisecond))
	}
	for _, k := range splits {
		for {
			region, err := c.GetPDClient().GetRegion(ctx, k)
			if err == nil && region != nil && bytes.Equal(region.Meta.GetStartKey(), k) {
				break
			}
			if time.Since(started) > 20*time.Second {
				return fmt.Errorf("no region starts at %q 20 s after the split (%v)", k, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	fmt.Printf("NOTE all 6 split regions known to PD after %v\n",
		time.Since(started).Round(time.Millisecond))
	return nil
}

func putAll(ctx context.Context, c *rawkv.Client, n int, key func(int) []byte) error {
	var keys, values [][]byte
	for i := 0; i < n; i++ {
		keys = append(keys, key(i))
		values = append(values, value3(i))
	}
	return c.BatchPut(ctx, keys, values)
}

// wantKeys checks `got` is exactly keys k<ns[0]>, k<ns[1]>, ... in order.
func wantKeys(what string, got [][]byte, ns ...int) error {
	if len(got) != len(ns) {
		return fmt.Errorf("%s: %d keys, want %d (%q)", what, len(got), len(ns), got)
	}
	for i, n := range ns {
		if err := want(what, got[i], key3(n)); err != nil {
			return err
		}
	}
	return nil
}

func span(from, to, step int) []int {
	var out []int
	for i := from; i != to; i += step {
		out = append(out, i)
	}
	return out
}

func stores3Cases() []rawCase {
	return []rawCase{
		{"BatchPut 20 keys over 4 regions", func(ctx context.Context, c *rawkv.Client) error {
			if err := putAll(ctx, c, 20, kept3); err != nil {
				return err
			}
			return putAll(ctx, c, 20, key3)
		}},
		{"Scan across regions, with and without a limit", func(ctx context.Context, c *rawkv.Client) error {
			ks, vs, err := c.Scan(ctx, key3(0), key3(20), 100)
			if err != nil {
				return err
			}
			if err := wantKeys("Scan all", ks, span(0, 20, 1)...); err != nil {
				return err
			}
			if err := want("value of k13", vs[13], value3(13)); err != nil {
				return err
			}
			ks, _, err = c.Scan(ctx, key3(3), key3(20), 9)
			if err != nil {
				return err
			}
			return wantKeys("Scan from k03 limit 9", ks, span(3, 12, 1)...)
		}},
		{"ReverseScan across regions, with and without a limit", func(ctx context.Context, c *rawkv.Client) error {
			// [endKey, startKey), descending.
			ks, _, err := c.ReverseScan(ctx, key3(20), key3(0), 100)
			if err != nil {
				return err
			}
			if err := wantKeys("ReverseScan all", ks, span(19, -1, -1)...); err != nil {
				return err
			}
			ks, _, err = c.ReverseScan(ctx, key3(17), key3(0), 8)
			if err != nil {
				return err
			}
			return wantKeys("ReverseScan below k17 limit 8", ks, span(16, 8, -1)...)
		}},
		{"BatchDelete across regions", func(ctx context.Context, c *rawkv.Client) error {
			if err := c.BatchDelete(ctx, [][]byte{key3(1), key3(7), key3(12), key3(18)}); err != nil {
				return err
			}
			got, err := c.BatchGet(ctx, [][]byte{key3(1), key3(2), key3(7), key3(12), key3(18)})
			if err != nil {
				return err
			}
			for i, gone := range []bool{true, false, true, true, true} {
				if gone != (got[i] == nil) {
					return fmt.Errorf("BatchGet after BatchDelete: %q", got)
				}
			}
			return nil
		}},
		{"DeleteRange across a boundary", func(ctx context.Context, c *rawkv.Client) error {
			if err := c.DeleteRange(ctx, key3(8), key3(14)); err != nil {
				return err
			}
			ks, _, err := c.Scan(ctx, key3(0), key3(20), 100)
			if err != nil {
				return err
			}
			return wantKeys("Scan after deletes", ks, 0, 2, 3, 4, 5, 6, 14, 15, 16, 17, 19)
		}},
		{"Checksum over 4 regions", func(ctx context.Context, c *rawkv.Client) error {
			sum, err := c.Checksum(ctx, kept3(0), kept3(20))
			if err != nil {
				return err
			}
			// TiKV's Crc64_Xor: crc64 (ECMA) of key then value, xored.
			total, crc := uint64(0), uint64(0)
			table := crc64.MakeTable(crc64.ECMA)
			for i := 0; i < 20; i++ {
				total += uint64(len(kept3(i)) + len(value3(i)))
				crc ^= crc64.Update(crc64.Checksum(kept3(i), table), table, value3(i))
			}
			if sum.TotalKvs != 20 || sum.TotalBytes != total || sum.Crc64Xor != crc {
				return fmt.Errorf("Checksum: %+v, want 20 kvs, %d bytes, crc %d", sum, total, crc)
			}
			return nil
		}},
		{"PutWithTTL and GetKeyTTL", func(ctx context.Context, c *rawkv.Client) error {
			k := []byte(prefix3 + "ttl")
			if err := c.PutWithTTL(ctx, k, []byte("t"), 100); err != nil {
				return err
			}
			ttl, err := c.GetKeyTTL(ctx, k)
			if err != nil {
				return err
			}
			if ttl == nil || *ttl == 0 || *ttl > 100 {
				return fmt.Errorf("GetKeyTTL: %v, want 1..100", ttl)
			}
			return nil
		}},
	}
}

func compareAndSwap(ctx context.Context, c *rawkv.Client) error {
	k := []byte(prefix3 + "cas")
	if _, ok, err := c.CompareAndSwap(ctx, k, nil, []byte("a")); err != nil || !ok {
		return fmt.Errorf("CAS absent -> a: swapped %v, %v", ok, err)
	}
	prev, ok, err := c.CompareAndSwap(ctx, k, []byte("a"), []byte("b"))
	if err != nil || !ok {
		return fmt.Errorf("CAS a -> b: swapped %v, %v", ok, err)
	}
	if err := want("CAS a -> b previous", prev, []byte("a")); err != nil {
		return err
	}
	prev, ok, err = c.CompareAndSwap(ctx, k, []byte("x"), []byte("c"))
	if err != nil || ok {
		return fmt.Errorf("CAS x -> c on b: swapped %v, %v; want refused", ok, err)
	}
	if err := want("refused CAS previous", prev, []byte("b")); err != nil {
		return err
	}
	v, err := c.Get(ctx, k)
	if err != nil {
		return err
	}
	return want("value after CAS", v, []byte("b"))
}

// runVerifyKept3 reads every kept key (one in each region) by BatchGet and
// Scan.
func runVerifyKept3(ctx context.Context, pd string, label string) {
	client, err := rawkv.NewClient(ctx, []string{pd}, config.DefaultConfig().Security)
	check(label+"/rawkv.NewClient", err)
	if err != nil {
		return
	}
	defer client.Close()
	check(label+"/BatchGet of 20 kept keys", func() error {
		var keys [][]byte
		for i := 0; i < 20; i++ {
			keys = append(keys, kept3(i))
		}
		got, err := client.BatchGet(ctx, keys)
		if err != nil {
			return err
		}
		for i := range keys {
			if err := want(string(keys[i]), got[i], value3(i)); err != nil {
				return err
			}
		}
		return nil
	}())
	check(label+"/Scan of the kept keys", func() error {
		ks, _, err := client.Scan(ctx, kept3(0), kept3(20), 100)
		if err != nil {
			return err
		}
		if len(ks) != 20 {
			return fmt.Errorf("Scan: %d keys, want 20", len(ks))
		}
		return nil
	}())
	check(label+"/Put+Get", func() error {
		k := []byte(prefix3 + label)
		if err := client.Put(ctx, k, []byte("w")); err != nil {
			return err
		}
		v, err := client.Get(ctx, k)
		if err != nil {
			return err
		}
		return want("Get", v, []byte("w"))
	}())
}
