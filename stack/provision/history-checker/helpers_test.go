package main

// Histories made in tests (the malformed ones, and those too long to write
// out; the cases of each property are files in testdata/cases): each helper
// returns the lines of one operation (invoke, then completion); lines()
// numbers them.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const post = "posts:0123456789abcdef01234567"

func tokenFor(entity string, position int64) string {
	parts := strings.Split(entity, ":")
	return fmt.Sprintf("%s:%s:%d", parts[0], parts[1], position)
}

func fields(p int, t int64, f, entity, mode string) string {
	return fmt.Sprintf(`"process":%d,"time":%d,"f":%q,"session":"s%d","entity":%q,"mode":%q`, p, t, f, p, entity, mode)
}

// write is an acknowledged write of a position.
func write(p int, call, ret int64, entity, mode string, position int64, deleted bool) []string {
	return []string{
		fmt.Sprintf(`{"type":"invoke",%s,"value":{"deleted":%t}}`, fields(p, call, "write", entity, mode), deleted),
		fmt.Sprintf(`{"type":"ok",%s,"value":{"position":%d,"deleted":%t},"token":%q}`, fields(p, ret, "write", entity, mode), position, deleted, tokenFor(entity, position)),
	}
}

// read is an acknowledged read; token "" for none.
func read(p int, call, ret int64, entity, mode, token, observed string) []string {
	carried := ""
	if token != "" {
		carried = fmt.Sprintf(`,"token":%q`, token)
	}
	return []string{
		fmt.Sprintf(`{"type":"invoke",%s,"value":null%s}`, fields(p, call, "read", entity, mode), carried),
		fmt.Sprintf(`{"type":"ok",%s,"value":{"observed":%s}%s}`, fields(p, ret, "read", entity, mode), observed, carried),
	}
}

func final(t int64, entity, observed string) []string {
	return []string{fmt.Sprintf(`{"type":"ok","f":"final","time":%d,"entity":%q,"value":{"observed":%s}}`, t, entity, observed)}
}

// Observations: at(store, position), joined by obs.
func at(store string, position int64) string {
	return fmt.Sprintf(`%q:{"position":%d,"deleted":false}`, store, position)
}
func obs(parts ...string) string { return "{" + strings.Join(parts, ",") + "}" }

// lines numbers the lines of the operations given, in that order.
func lines(ops ...[]string) string {
	var b strings.Builder
	index := 0
	for _, op := range ops {
		for _, line := range op {
			fmt.Fprintf(&b, `{"index":%d,%s`+"\n", index, strings.TrimPrefix(line, "{"))
			index++
		}
	}
	return b.String()
}

func checkHistory(t *testing.T, text string) verdict {
	t.Helper()
	h, err := parseHistory(strings.NewReader(text))
	if err != nil {
		t.Fatalf("malformed: %v\n%s", err, text)
	}
	return check(h, checkOptions{partitionTimeout: 10 * time.Second})
}
