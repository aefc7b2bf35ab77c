package main

// Reading a history: JSON lines, one event a line (docs/history-checker.md;
// the TypeScript types are packages/contracts/src/history.ts). Every rule the
// properties rely on is checked here, so a recorder's mistake is a malformed
// history naming its line, never a false anomaly.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// malformedError is a history the checker cannot judge: exit 2, with the line.
type malformedError struct {
	line    int
	message string
}

func (e *malformedError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.message) }

func malformed(line int, format string, args ...any) error {
	return &malformedError{line: line, message: fmt.Sprintf(format, args...)}
}

// event is one line as written, kept whole so an anomaly can quote it.
type event struct {
	line    int
	index   int64
	typ     string
	process int64
	time    int64
	f       string
	session string
	entity  string
	mode    string
	token   string
	raw     json.RawMessage
}

// observation is what one store showed of an entity: the source position of
// the state it holds (nil: the entity is absent there), and whether that
// state is a deletion (a tombstone).
type observation struct {
	position *int64
	deleted  bool
}

// gone is an entity the store does not show alive: absent, or a tombstone.
func (o observation) gone() bool { return o.position == nil || o.deleted }

func (o observation) String() string {
	switch {
	case o.position == nil:
		return "nothing (absent)"
	case o.deleted:
		return fmt.Sprintf("a deletion at position %d", *o.position)
	default:
		return fmt.Sprintf("position %d", *o.position)
	}
}

// operation is an invoke and its completion. A write or read whose
// completion never came is indeterminate, as an `info` one is.
type operation struct {
	f       string // "write" | "read"
	process int64
	session string
	entity  string
	mode    string // "strong" | "eventual"
	invoke  *event
	done    *event // nil: never completed
	outcome string // "ok" | "fail" | "info" (no completion counts as info)
	call    int64
	ret     int64 // the completion's time; math.MaxInt64 when there is none

	// A write: whether it deletes (said at invoke), and the position its
	// token names when the outcome gave one.
	deleted     bool
	position    int64
	hasPosition bool

	// A read: the token it carried, and what it saw per store.
	token    *token
	observed map[string]observation
}

func (op *operation) acknowledged() bool { return op.outcome == "ok" }

// happened is a write that took or may have taken effect: not a fail.
func (op *operation) happened() bool { return op.outcome != "fail" }

func (op *operation) events() []*event {
	if op.done == nil {
		return []*event{op.invoke}
	}
	return []*event{op.invoke, op.done}
}

func (op *operation) describe() string {
	span := fmt.Sprintf("index %d", op.invoke.index)
	if op.done != nil {
		span = fmt.Sprintf("indexes %d–%d", op.invoke.index, op.done.index)
	}
	if op.f == "read" {
		return fmt.Sprintf("the %s read by process %d (%s)", op.mode, op.process, span)
	}
	what := "write"
	if op.deleted {
		what = "delete"
	}
	if op.hasPosition {
		return fmt.Sprintf("the %s %s of position %d by process %d (%s)", op.mode, what, op.position, op.process, span)
	}
	return fmt.Sprintf("the %s %s by process %d (%s)", op.mode, what, op.process, span)
}

// finalObservation is a `final` line: each store's view of one entity after the run.
type finalObservation struct {
	event    *event
	entity   string
	observed map[string]observation
}

// entityHistory is everything about one entity, for the per-entity properties.
type entityHistory struct {
	name   string
	writes []*operation // in invoke order
	reads  []*operation // in invoke order
	final  *finalObservation

	// The writes that happened and named their position, by position: a
	// store showing position q shows the latest of them at or below q
	// (positionOf).
	known []*operation
}

type history struct {
	operations []*operation // in invoke order
	finals     []*finalObservation
	entities   map[string]*entityHistory
	names      []string // the entities, sorted
	maxTime    int64
}

type token struct {
	text     string
	source   string
	entityID string
	position int64
}

var (
	entityPattern = regexp.MustCompile(`^(users:[0-9]{1,19}|posts:[0-9a-f]{24}|graph:[0-9]{1,19}:[0-9]{1,19})$`)
	tokenPattern  = regexp.MustCompile(`^(users|posts|graph):([0-9]{1,19}|[0-9a-f]{24}):([0-9]{1,19})$`)
	storePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

func parseToken(text string) (*token, bool) {
	m := tokenPattern.FindStringSubmatch(text)
	if m == nil {
		return nil, false
	}
	position, err := strconv.ParseInt(m[3], 10, 64)
	if err != nil {
		return nil, false
	}
	return &token{text: text, source: m[1], entityID: m[2], position: position}, true
}

// names tells whether the token is of this entity. A follow's token names the
// follower (graph:FOLLOWER:SEQUENCE) while the entity is the pair.
func (t *token) names(entity string) bool {
	if t.source == "graph" {
		return strings.HasPrefix(entity, "graph:"+t.entityID+":")
	}
	return entity == t.source+":"+t.entityID
}

// wireLine is a line as decoded, in one pass; pointers tell a missing field
// (or null) from a zero. A number with a fraction where a whole one belongs
// fails the decoding.
type wireLine struct {
	Index   *int64     `json:"index"`
	Type    *string    `json:"type"`
	Process *int64     `json:"process"`
	Time    *int64     `json:"time"`
	F       *string    `json:"f"`
	Session *string    `json:"session"`
	Entity  *string    `json:"entity"`
	Mode    *string    `json:"mode"`
	Token   *string    `json:"token"`
	Value   *wireValue `json:"value"`
}

// wireValue holds the fields of every kind of value: {deleted} at a
// write's invoke, {position, deleted} at its completion, {observed} of a read.
type wireValue struct {
	Position *int64                     `json:"position"`
	Deleted  *bool                      `json:"deleted"`
	Observed map[string]wireObservation `json:"observed"`
}

type wireObservation struct {
	Position *int64 `json:"position"`
	Deleted  *bool  `json:"deleted"`
}

func parseObserved(line int, value *wireValue) (map[string]observation, error) {
	if value == nil || value.Observed == nil {
		return nil, malformed(line, `value must be {"observed": {STORE: {"position": N or null, "deleted": BOOL}, ...}}`)
	}
	if len(value.Observed) == 0 {
		return nil, malformed(line, "value.observed names no store")
	}
	observed := make(map[string]observation, len(value.Observed))
	for store, o := range value.Observed {
		if !storePattern.MatchString(store) {
			return nil, malformed(line, "store %q is not a store name (lower case, e.g. postgres, ferretdb, neo4j, redis, timescaledb)", store)
		}
		if o.Deleted == nil {
			return nil, malformed(line, "value.observed.%s needs deleted (true or false)", store)
		}
		obs := observation{deleted: *o.Deleted}
		if o.Position != nil {
			if *o.Position < 0 {
				return nil, malformed(line, "value.observed.%s.position must be a whole number ≥ 0 or null", store)
			}
			obs.position = o.Position
		} else if obs.deleted {
			return nil, malformed(line, "value.observed.%s: a deletion the store shows has a position; an absent entity is position null, deleted false", store)
		}
		observed[store] = obs
	}
	return observed, nil
}

// parseWriteOutcome reads a write's ok or info value {position, deleted} and its token.
func parseWriteOutcome(e *event, v *wireValue, op *operation) error {
	if v == nil {
		if e.typ == "ok" {
			return malformed(e.line, `an acknowledged write's value is {"position": N, "deleted": BOOL}`)
		}
		return nil // an info write that never answered: its position is unknown
	}
	if v.Position == nil || v.Deleted == nil {
		return malformed(e.line, `a write's value is {"position": N, "deleted": BOOL}`)
	}
	position := *v.Position
	if position < 0 {
		return malformed(e.line, "value.position must be a whole number ≥ 0")
	}
	if *v.Deleted != op.deleted {
		return malformed(e.line, "value.deleted (%t) differs from the invoke's (line %d)", *v.Deleted, op.invoke.line)
	}
	t, ok := parseToken(e.token)
	if !ok {
		return malformed(e.line, "a write with a position carries its token, SOURCE:ENTITY:POSITION (got %q)", e.token)
	}
	if !t.names(e.entity) || t.position != position {
		return malformed(e.line, "token %s does not name %s at position %d", e.token, e.entity, position)
	}
	op.position, op.hasPosition = position, true
	return nil
}

var (
	types = map[string]bool{"invoke": true, "ok": true, "fail": true, "info": true}
	modes = map[string]bool{"strong": true, "eventual": true}
)

// parseHistory reads and validates a whole history.
func parseHistory(r io.Reader) (*history, error) {
	h := &history{entities: map[string]*entityHistory{}}
	pending := map[int64]*operation{} // process → its open operation
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	lineNo := 0
	lastIndex := int64(math.MinInt64)
	finalsStarted := false
	valid := map[string]bool{} // entity names seen valid: most lines repeat one
	validEntity := func(name string) bool {
		if !valid[name] {
			valid[name] = entityPattern.MatchString(name)
		}
		return valid[name]
	}
	entity := func(name string) *entityHistory {
		eh := h.entities[name]
		if eh == nil {
			eh = &entityHistory{name: name}
			h.entities[name] = eh
		}
		return eh
	}
	for scanner.Scan() {
		lineNo++
		text := bytes.TrimSpace(scanner.Bytes())
		if len(text) == 0 {
			continue
		}
		var w wireLine
		if err := json.Unmarshal(text, &w); err != nil {
			return nil, malformed(lineNo, "not a history line (a JSON object with whole-number index, process and time): %v", err)
		}
		e := &event{line: lineNo, raw: append(json.RawMessage(nil), text...)}
		switch {
		case w.Index == nil:
			return nil, malformed(lineNo, "index is missing")
		case *w.Index <= lastIndex:
			return nil, malformed(lineNo, "index %d does not increase (the previous line's is %d)", *w.Index, lastIndex)
		case w.Type == nil || !types[*w.Type]:
			return nil, malformed(lineNo, "type must be invoke, ok, fail or info")
		case w.F == nil:
			return nil, malformed(lineNo, "f is missing (write, read or final)")
		case w.Time == nil || *w.Time < 0:
			return nil, malformed(lineNo, "time (ns since the run's start, ≥ 0) is missing")
		case w.Entity == nil || !validEntity(*w.Entity):
			return nil, malformed(lineNo, `entity must be users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE`)
		}
		e.index, e.typ, e.f, e.time, e.entity = *w.Index, *w.Type, *w.F, *w.Time, *w.Entity
		lastIndex = e.index
		h.maxTime = max(h.maxTime, e.time)

		if e.f == "final" {
			if e.typ != "ok" {
				return nil, malformed(lineNo, `a final line is type "ok"`)
			}
			observed, err := parseObserved(lineNo, w.Value)
			if err != nil {
				return nil, err
			}
			eh := entity(e.entity)
			if eh.final != nil {
				return nil, malformed(lineNo, "a second final line for %s (the first is line %d)", e.entity, eh.final.event.line)
			}
			finalsStarted = true
			eh.final = &finalObservation{event: e, entity: e.entity, observed: observed}
			h.finals = append(h.finals, eh.final)
			continue
		}
		switch {
		case e.f != "write" && e.f != "read":
			return nil, malformed(lineNo, "f must be write, read or final (got %q)", e.f)
		case finalsStarted:
			return nil, malformed(lineNo, "an operation after the final lines: they close the history")
		case w.Process == nil || *w.Process < 0:
			return nil, malformed(lineNo, "process (the client, a whole number ≥ 0) is missing")
		case w.Session == nil || *w.Session == "":
			return nil, malformed(lineNo, "session is missing")
		case w.Mode == nil || !modes[*w.Mode]:
			return nil, malformed(lineNo, "mode must be strong or eventual")
		}
		e.process, e.session, e.mode = *w.Process, *w.Session, *w.Mode
		if w.Token != nil {
			e.token = *w.Token
		}

		if e.typ == "invoke" {
			if open := pending[e.process]; open != nil {
				return nil, malformed(lineNo, "process %d invokes again while its operation of line %d is open (a process does one operation at a time: complete it first, with info when its outcome is unknown)", e.process, open.invoke.line)
			}
			op := &operation{f: e.f, process: e.process, session: e.session, entity: e.entity, mode: e.mode, invoke: e, outcome: "info", call: e.time, ret: math.MaxInt64}
			if e.f == "write" {
				if w.Value == nil || w.Value.Deleted == nil {
					return nil, malformed(lineNo, `a write's invoke value is {"deleted": BOOL}`)
				}
				op.deleted = *w.Value.Deleted
			} else if e.token != "" {
				t, ok := parseToken(e.token)
				if !ok {
					return nil, malformed(lineNo, "token %q is not SOURCE:ENTITY:POSITION", e.token)
				}
				if !t.names(e.entity) {
					return nil, malformed(lineNo, "token %s is not of the read's entity %s", e.token, e.entity)
				}
				op.token = t
			}
			pending[e.process] = op
			h.operations = append(h.operations, op)
			eh := entity(e.entity)
			if e.f == "write" {
				eh.writes = append(eh.writes, op)
			} else {
				eh.reads = append(eh.reads, op)
			}
			continue
		}

		op := pending[e.process]
		switch {
		case op == nil:
			return nil, malformed(lineNo, "an %q completion with no open invoke of process %d", e.typ, e.process)
		case op.f != e.f || op.entity != e.entity || op.session != e.session || op.mode != e.mode:
			return nil, malformed(lineNo, "the completion's f, entity, session or mode differ from its invoke's (line %d)", op.invoke.line)
		case e.time < op.call:
			return nil, malformed(lineNo, "completes at %d, before its invoke (line %d) at %d", e.time, op.invoke.line, op.call)
		}
		delete(pending, e.process)
		op.done, op.outcome = e, e.typ
		if op.outcome == "ok" || op.outcome == "fail" {
			op.ret = e.time
		}
		switch {
		case op.f == "write" && (e.typ == "ok" || e.typ == "info"):
			if err := parseWriteOutcome(e, w.Value, op); err != nil {
				return nil, err
			}
		case op.f == "read" && e.typ == "ok":
			if e.token != "" && (op.token == nil || e.token != op.token.text) {
				return nil, malformed(lineNo, "the read's token differs from its invoke's (line %d)", op.invoke.line)
			}
			observed, err := parseObserved(lineNo, w.Value)
			if err != nil {
				return nil, err
			}
			op.observed = observed
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, malformed(lineNo+1, "cannot read: %v", err)
	}
	if lineNo == 0 || len(h.operations) == 0 && len(h.finals) == 0 {
		return nil, malformed(1, "the history is empty")
	}

	for name := range h.entities {
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	for _, name := range h.names {
		eh := h.entities[name]
		for _, w := range eh.writes {
			if w.happened() && w.hasPosition {
				eh.known = append(eh.known, w)
			}
		}
		sort.Slice(eh.known, func(i, j int) bool { return eh.known[i].position < eh.known[j].position })
		// With a final section, each entity written to must be in it: a
		// missing one would pass convergence unseen.
		if len(h.finals) > 0 && eh.final == nil {
			if w := eh.latestAcknowledged(); w != nil {
				return nil, malformed(w.done.line, "%s has an acknowledged write but no final line", name)
			}
		}
	}
	return h, nil
}

// positionOf is the position a store's live view stands for: the latest
// known write at or below what it showed. A user's token is a WAL position
// taken just before the change was written, so the stores show the change's
// own (higher) position; a user's next token is taken after that change
// committed, so "the latest token at or below" names the write exactly. For
// posts and follows the two are equal. A position no known live write
// explains stands for itself: a state from before the run, or from a write
// whose answer was lost (explained false).
func (eh *entityHistory) positionOf(shown int64) (position int64, explained bool) {
	i := sort.Search(len(eh.known), func(i int) bool { return eh.known[i].position > shown })
	if i == 0 || eh.known[i-1].deleted {
		return shown, false
	}
	return eh.known[i-1].position, true
}

// latestAcknowledged is the acknowledged write with the highest position.
func (eh *entityHistory) latestAcknowledged() *operation {
	var latest *operation
	for _, w := range eh.writes {
		if w.acknowledged() && (latest == nil || w.position > latest.position) {
			latest = w
		}
	}
	return latest
}
