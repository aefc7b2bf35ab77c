package main

// The verdict printed on stdout (HistoryVerdict in
// packages/contracts/src/history.ts): counts per property, then every
// anomaly with the lines of the history that show it.

import (
	"encoding/json"
	"io"
	"sort"
)

const (
	propertyStrong      = "strong"
	propertyRYW         = "read-your-writes"
	propertyMonotonic   = "monotonic-reads"
	propertyConvergence = "convergence"
	propertyLost        = "lost-or-resurrected"
)

// propertyOrder is the order anomalies are listed in.
var propertyOrder = map[string]int{propertyStrong: 0, propertyRYW: 1, propertyMonotonic: 2, propertyConvergence: 3, propertyLost: 4}

type propertyCount struct {
	Checked   int `json:"checked"`
	Anomalies int `json:"anomalies"`
}

type strongCount struct {
	propertyCount
	// Partitions Porcupine could not decide within its time limit: neither
	// passed nor failed.
	Undecided int `json:"undecided"`
}

type convergenceCount struct {
	propertyCount
	// From the last acknowledged write to the final observation: a figure,
	// not a pass mark. Null without a final section.
	ConvergenceMs *float64 `json:"convergenceMs"`
}

type properties struct {
	Strong      strongCount      `json:"strong"`
	RYW         propertyCount    `json:"read-your-writes"`
	Monotonic   propertyCount    `json:"monotonic-reads"`
	Convergence convergenceCount `json:"convergence"`
	Lost        propertyCount    `json:"lost-or-resurrected"`
}

type anomaly struct {
	Property    string            `json:"property"`
	Entity      string            `json:"entity"`
	Store       string            `json:"store"`
	Explanation string            `json:"explanation"`
	Indexes     []int64           `json:"indexes"`
	Lines       []json.RawMessage `json:"lines"`
}

type verdict struct {
	Valid      bool       `json:"valid"`
	Operations int        `json:"operations"`
	Entities   int        `json:"entities"`
	Properties properties `json:"properties"`
	Anomalies  []anomaly  `json:"anomalies"`
}

// newAnomaly quotes the events given, once each, in history order.
func newAnomaly(property, entity, store, explanation string, events ...*event) anomaly {
	seen := map[*event]bool{}
	var unique []*event
	for _, e := range events {
		if e != nil && !seen[e] {
			seen[e] = true
			unique = append(unique, e)
		}
	}
	sort.Slice(unique, func(i, j int) bool { return unique[i].index < unique[j].index })
	a := anomaly{Property: property, Entity: entity, Store: store, Explanation: explanation, Indexes: []int64{}, Lines: []json.RawMessage{}}
	for _, e := range unique {
		a.Indexes = append(a.Indexes, e.index)
		a.Lines = append(a.Lines, e.raw)
	}
	return a
}

func opEvents(ops ...*operation) []*event {
	var events []*event
	for _, op := range ops {
		if op != nil {
			events = append(events, op.events()...)
		}
	}
	return events
}

// check runs every property and puts the verdict together.
func check(h *history, options checkOptions) verdict {
	v := verdict{Operations: len(h.operations), Entities: len(h.entities), Anomalies: []anomaly{}}
	var found []anomaly
	add := func(count *propertyCount, f findings) {
		count.Checked, count.Anomalies = f.checked, len(f.anomalies)
		found = append(found, f.anomalies...)
	}

	strong := checkStrong(h, options)
	add(&v.Properties.Strong.propertyCount, strong.findings)
	v.Properties.Strong.Undecided = strong.undecided
	add(&v.Properties.RYW, checkReadYourWrites(h))
	add(&v.Properties.Monotonic, checkMonotonicReads(h))
	add(&v.Properties.Convergence.propertyCount, checkConvergence(h))
	v.Properties.Convergence.ConvergenceMs = convergenceMs(h)
	add(&v.Properties.Lost, checkLostOrResurrected(h))

	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if propertyOrder[a.Property] != propertyOrder[b.Property] {
			return propertyOrder[a.Property] < propertyOrder[b.Property]
		}
		return a.Indexes[0] < b.Indexes[0] // every anomaly quotes at least one line
	})
	v.Anomalies = append(v.Anomalies, found...)
	v.Valid = len(v.Anomalies) == 0
	return v
}

func writeJSON(w io.Writer, value any) error {
	encoder := json.NewEncoder(w)
	encoder.SetEscapeHTML(false)
	return encoder.Encode(value)
}
