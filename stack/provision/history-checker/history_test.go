package main

import (
	"errors"
	"strings"
	"testing"
)

func TestMalformedHistoriesNameTheLine(t *testing.T) {
	ok := write(0, 10, 20, post, "strong", 1, false)
	cases := []struct {
		name    string
		text    string
		line    int
		message string
	}{
		{"empty", "", 1, "empty"},
		{"not JSON", lines(ok) + "{nope\n", 3, "not a history line"},
		{"a fractional time", `{"index":0,"type":"invoke","process":0,"time":1.5,"f":"read","session":"s","entity":"users:1","mode":"strong"}` + "\n", 1, "not a history line"},
		{"index going back", lines(ok) + `{"index":1,"type":"invoke",` + fields(1, 30, "read", post, "strong") + "}\n", 3, "does not increase"},
		{"no time", `{"index":0,"type":"invoke","process":0,"f":"read","session":"s","entity":"users:1","mode":"strong"}` + "\n", 1, "time"},
		{"an unknown type", strings.Replace(lines(ok), `"type":"ok"`, `"type":"done"`, 1), 2, "type must be"},
		{"an entity not in SOURCE:ID form", strings.ReplaceAll(lines(ok), post, "posts:42"), 1, "entity must be"},
		{"no mode", strings.Replace(lines(ok), `,"mode":"strong"`, "", 1), 1, "mode must be"},
		{"a completion without invoke", lines(ok[1:]), 1, `"ok" completion with no open invoke of process 0`},
		{"two operations at once", lines(ok[:1], ok[:1]), 2, "invokes again while its operation of line 1 is open"},
		{"a completion of another entity", lines(ok[:1], []string{strings.Replace(ok[1], post, "posts:0123456789abcdef0123456f", 1)}), 2, "differ from its invoke"},
		{"completing before invoking", lines(write(0, 30, 20, post, "strong", 1, false)), 2, "before its invoke"},
		{"a write without its token", lines(ok[:1], []string{strings.Replace(ok[1], `,"token":"posts:0123456789abcdef01234567:1"`, "", 1)}), 2, "carries its token"},
		{"a token of another position", lines(ok[:1], []string{strings.Replace(ok[1], `"position":1`, `"position":2`, 1)}), 2, "does not name"},
		{"an ok write without value", lines(ok[:1], []string{strings.Replace(ok[1], `"value":{"position":1,"deleted":false}`, `"value":null`, 1)}), 2, "acknowledged write's value"},
		{"a read carrying another entity's token", lines(read(0, 1, 2, post, "eventual", "users:42:7", obs(at("redis", 1)))), 1, "not of the read's entity"},
		{"a store named oddly", lines(read(0, 1, 2, post, "eventual", "", obs(at("Redis", 1)))), 2, "not a store name"},
		{"a deletion without position", lines(read(0, 1, 2, post, "eventual", "", `{"redis":{"position":null,"deleted":true}}`)), 2, "a deletion the store shows has a position"},
		{"a read that saw no store", lines(read(0, 1, 2, post, "eventual", "", "{}")), 2, "names no store"},
		{"an operation after the final lines", lines(ok, final(30, post, obs(at("redis", 1))), read(0, 40, 50, post, "eventual", "", obs(at("redis", 1)))), 4, "after the final lines"},
		{"two final lines for an entity", lines(ok, final(30, post, obs(at("redis", 1))), final(30, post, obs(at("redis", 1)))), 4, "second final line"},
		{"a written entity missing from the final lines", lines(ok, write(1, 10, 20, "users:7", "eventual", 5, false), final(30, post, obs(at("redis", 1)))), 4, "users:7 has an acknowledged write but no final line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseHistory(strings.NewReader(c.text))
			var bad *malformedError
			if !errors.As(err, &bad) {
				t.Fatalf("want a malformed history, got %v", err)
			}
			if bad.line != c.line || !strings.Contains(bad.message, c.message) {
				t.Errorf("got line %d %q, want line %d containing %q", bad.line, bad.message, c.line, c.message)
			}
		})
	}
}

func TestAnOperationNeverCompletedIsIndeterminate(t *testing.T) {
	h, err := parseHistory(strings.NewReader(lines(write(0, 10, 20, post, "strong", 1, false)[:1])))
	if err != nil {
		t.Fatal(err)
	}
	if op := h.operations[0]; op.outcome != "info" || op.done != nil || op.hasPosition {
		t.Errorf("want an open info write, got %+v", op)
	}
}

func TestAUserPositionStandsForTheTokenAtOrBelowIt(t *testing.T) {
	// A user's token is taken just before the change is written: the stores show a little more.
	user := "users:42"
	h, err := parseHistory(strings.NewReader(lines(write(0, 10, 20, user, "eventual", 1000, false), write(0, 30, 40, user, "eventual", 2000, false), write(0, 50, 60, user, "eventual", 3000, true))))
	if err != nil {
		t.Fatal(err)
	}
	eh := h.entities[user]
	for _, c := range []struct {
		shown, want int64
		explained   bool
	}{{1040, 1000, true}, {2000, 2000, true}, {2999, 2000, true}, {999, 999, false}, {3050, 3050, false}} {
		if got, explained := eh.positionOf(c.shown); got != c.want || explained != c.explained {
			t.Errorf("positionOf(%d) = %d, %t; want %d, %t", c.shown, got, explained, c.want, c.explained)
		}
	}
}
