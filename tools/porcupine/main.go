// Command porcupine_kv checks one key-value history with Porcupine, for the
// side-by-side benchmark in tools/linear_vs_porcupine.sh. It reads the EDN
// op maps that jepsen/cli/check reads (one map per line: :type :invoke/:ok/
// :fail/:info, :f :get/:put/:append, :process, :key, :value) and gives the
// ops Jepsen's meaning, as our checker does:
//   - :fail did not happen: the op is left out;
//   - :info (or never completed) may take effect any time after its
//     invocation, or never: it returns after the last event with an unknown
//     output, which a get accepts whatever the state (an append or put that
//     takes effect last changes nothing anyone observed, so "never" needs
//     no case of its own).
//
// Usage: porcupine_kv [-timeout=60s] FILE
// Prints "verdict: valid|invalid|unknown" and the time spent reading and
// checking (as `check --timing` does).
// Exit status: 0 valid, 1 invalid, 2 unknown or unreadable (as check).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

type kvInput struct {
	f     string // "get", "put" or "append"
	key   string
	value string
}

type kvOutput struct {
	value   string
	unknown bool // the op never completed :ok
}

// One key's state is its string; partitions are per key.
var kvModel = porcupine.Model{
	PartitionEvent: partitionByKey,
	Init:           func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		current := state.(string)
		in := input.(kvInput)
		out := output.(kvOutput)
		switch in.f {
		case "get":
			return out.unknown || out.value == current, current
		case "put":
			return true, in.value
		default:
			return true, current + in.value
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

func partitionByKey(events []porcupine.Event) [][]porcupine.Event {
	byKey := map[string][]porcupine.Event{}
	keyOf := map[int]string{}
	for _, e := range events {
		if e.Kind == porcupine.CallEvent {
			keyOf[e.Id] = e.Value.(kvInput).key
		}
		byKey[keyOf[e.Id]] = append(byKey[keyOf[e.Id]], e)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([][]porcupine.Event, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, byKey[k])
	}
	return parts
}

// ednValue is the text of a string, keyword (without ':'), integer or nil.
type ednValue struct {
	text string
	nil  bool
}

// parseOpMap reads one flat EDN map of keywords to scalars.
func parseOpMap(line string) (map[string]ednValue, error) {
	s := strings.TrimSpace(line)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(strings.TrimSpace(s), "]")
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("not an op map: %q", line)
	}
	s = s[1 : len(s)-1]
	m := map[string]ednValue{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return m, nil
		}
		if s[0] != ':' {
			return nil, fmt.Errorf("expected a keyword in %q", line)
		}
		end := strings.IndexAny(s, " \t,")
		if end < 0 {
			return nil, fmt.Errorf("key without value in %q", line)
		}
		key := s[1:end]
		s = strings.TrimLeft(s[end:], " \t,")
		var v ednValue
		var err error
		v, s, err = parseScalar(s)
		if err != nil {
			return nil, fmt.Errorf("%v in %q", err, line)
		}
		m[key] = v
	}
}

func parseScalar(s string) (ednValue, string, error) {
	if strings.HasPrefix(s, "\"") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
				if i >= len(s) {
					break
				}
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(s[i])
				}
			case '"':
				return ednValue{text: b.String()}, s[i+1:], nil
			default:
				b.WriteByte(s[i])
			}
		}
		return ednValue{}, "", fmt.Errorf("unterminated string")
	}
	end := strings.IndexAny(s, " \t,")
	if end < 0 {
		end = len(s)
	}
	word := s[:end]
	if word == "nil" {
		return ednValue{nil: true}, s[end:], nil
	}
	return ednValue{text: strings.TrimPrefix(word, ":")}, s[end:], nil
}

type op struct {
	input   kvInput
	output  kvOutput
	process int
	call    int // event position of the invocation
	ret     int // event position of the completion; -1 if none
	failed  bool
}

// readHistory pairs each invocation with its process's next completion.
func readHistory(path string) ([]op, int, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	var ops []op
	pending := map[int]int{} // process -> index in ops
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<30)
	position := 0
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, ";") || text == "[" || text == "]" {
			continue
		}
		m, err := parseOpMap(text)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %v", line, err)
		}
		process, err := strconv.Atoi(m["process"].text)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: bad :process", line)
		}
		switch m["type"].text {
		case "invoke":
			pending[process] = len(ops)
			ops = append(ops, op{
				input:   kvInput{f: m["f"].text, key: m["key"].text, value: m["value"].text},
				process: process, call: position, ret: -1})
		case "ok", "fail", "info":
			i, found := pending[process]
			if !found {
				return nil, 0, fmt.Errorf("line %d: no pending invocation", line)
			}
			delete(pending, process)
			if m["type"].text == "ok" {
				ops[i].ret = position
				ops[i].output = kvOutput{value: m["value"].text}
			}
			ops[i].failed = m["type"].text == "fail"
		default:
			return nil, 0, fmt.Errorf("line %d: unknown :type", line)
		}
		position++
	}
	return ops, position, scanner.Err()
}

// toEvents lays the ops out in history order; those that never completed
// :ok return after everything else, with an unknown output.
func toEvents(ops []op, end int) []porcupine.Event {
	type timed struct {
		at    int
		event porcupine.Event
	}
	var events []timed
	for id, o := range ops {
		if o.failed {
			continue
		}
		events = append(events, timed{o.call, porcupine.Event{
			ClientId: o.process, Kind: porcupine.CallEvent, Value: o.input, Id: id}})
		at, output := o.ret, o.output
		if at < 0 {
			at, output = end+id, kvOutput{unknown: true}
		}
		events = append(events, timed{at, porcupine.Event{
			ClientId: o.process, Kind: porcupine.ReturnEvent, Value: output, Id: id}})
	}
	sort.Slice(events, func(a, b int) bool { return events[a].at < events[b].at })
	out := make([]porcupine.Event, len(events))
	for i, e := range events {
		out[i] = e.event
	}
	return out
}

func main() {
	timeout := flag.Duration("timeout", 60*time.Second, "give up with unknown after this long")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: porcupine_kv [-timeout=60s] FILE")
		os.Exit(2)
	}
	start := time.Now()
	ops, end, err := readHistory(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "porcupine_kv: %s: %v\n", flag.Arg(0), err)
		os.Exit(2)
	}
	events := toEvents(ops, end)
	result := porcupine.CheckEventsTimeout(kvModel, events, *timeout)
	took := time.Since(start)
	verdict, status := "unknown", 2
	switch result {
	case porcupine.Ok:
		verdict, status = "valid", 0
	case porcupine.Illegal:
		verdict, status = "invalid", 1
	}
	fmt.Printf("verdict: %s\noperations: %d\ntime: %.3f ms (read and check)\n",
		verdict, len(ops), float64(took.Microseconds())/1000)
	os.Exit(status)
}
