package main

// Strong: once a strong write is acknowledged, every later read from any
// store shows it or something newer. Checked as linearizability, with
// Porcupine, of each store's view of each entity, over the strong
// operations. The model is a register holding the last position applied: a
// store applies a write unless it already shows a higher position (a
// projection ignores an older version), so a view that goes back is illegal
// whichever writes caused it.
//
// How the history becomes Porcupine operations, and why:
//   - A strong write that was acknowledged takes effect within its call and
//     return.
//   - Any other write that happened (a strong one answered 504
//     CONSISTENCY_TIMEOUT, or an eventual one) is indeterminate: the store
//     may apply it at any time after its call, so its return is open
//     (Porcupine's way for an unknown outcome, as in its etcd tests). A read
//     showing it must come after it, so its return is tightened to the
//     earliest return of a read that shows it: that removes no valid order
//     and keeps the search small. One no read shows is dropped: placed last
//     it changes nothing, so the answer is the same without it.
//   - A write whose position never came back (the client lost the answer)
//     is known only as a delete or not: a delete can explain an absent
//     entity and is kept, open, deleting on top of whatever the store shows
//     then (a follow deleted so may be followed again). Any other such
//     write shows in the stores under the live write before it
//     (positionOf); with none before it (or a delete), its position is one
//     no known write explains, and each such position a read shows gets an
//     open write from the first such call: what it was is not known, so
//     anything it may have been is let through.
//   - Strong reads return what the store showed. Eventual reads are stale
//     by design and left to the other properties.
//   - Stores keep a deleted entity either as nothing or as a tombstone: both
//     read as "gone", whatever the position.
//   - The register starts unknown (the entity may predate the run): the
//     first read linearized fixes it.

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

type checkOptions struct {
	// How long Porcupine may search one (entity, store) before it is undecided.
	partitionTimeout time.Duration
}

// register is a store's view of one entity: unknown, or the position of the
// last change applied, which may be a deletion (gone). An entity absent
// before any write is gone at position -1.
type register struct {
	known    bool
	gone     bool
	position int64
}

type linInput struct {
	write bool
	value register // a write's state
	// A delete of unknown position: gone, at the position the store shows.
	deleteOnTop bool
	op          *operation
	// An indeterminate write's return is the return of this read, which showed it.
	shownBy *operation
}

var registerModel = porcupine.Model{
	Init: func() any { return register{} },
	Step: func(state, input, output any) (bool, any) {
		in, current := input.(linInput), state.(register)
		if in.deleteOnTop {
			if !current.known {
				return true, register{known: true, gone: true, position: -1}
			}
			return true, register{known: true, gone: true, position: current.position}
		}
		if in.write {
			if !current.known || in.value.position > current.position {
				return true, in.value
			}
			return true, current // an older version: the store keeps the newer one
		}
		shown := output.(register)
		switch {
		case !current.known:
			return true, shown
		case shown.gone:
			return current.gone, current
		default:
			return shown == current, current
		}
	},
	Hash: func(state any) uint64 {
		r := state.(register)
		h := uint64(r.position) << 2
		if r.known {
			h |= 1
		}
		if r.gone {
			h |= 2
		}
		return h
	},
}

// shownState is the register a store's observation stands for. A gone one
// carries no position: any deletion (or never having existed) explains it.
func (eh *entityHistory) shownState(o observation) register {
	if o.gone() {
		return register{known: true, gone: true, position: -1}
	}
	position, _ := eh.positionOf(*o.position)
	return register{known: true, position: position}
}

// writeState is the register after a write with a known position.
func writeState(w *operation) register {
	return register{known: true, gone: w.deleted, position: w.position}
}

// shows tells whether an observation's register is the state a write leaves.
func shows(shown, written register) bool {
	if shown.gone {
		return written.gone
	}
	return shown == written
}

type partition struct {
	entity string
	store  string
	ops    []porcupine.Operation
}

// strongPartitions builds one Porcupine history per (entity, store) that a strong read looked at.
func strongPartitions(h *history) []partition {
	open := h.maxTime + 1 // "never returned": after everything, as Porcupine's examples do
	var partitions []partition
	for _, name := range h.names {
		eh := h.entities[name]
		readsByStore := map[string][]*operation{}
		for _, r := range eh.reads {
			if r.mode == "strong" && r.acknowledged() {
				for store := range r.observed {
					readsByStore[store] = append(readsByStore[store], r)
				}
			}
		}
		for _, store := range sortedKeys(readsByStore) {
			reads := readsByStore[store]
			var ops []porcupine.Operation
			for _, r := range reads {
				ops = append(ops, porcupine.Operation{ClientId: int(r.process), Input: linInput{op: r}, Call: r.call, Output: eh.shownState(r.observed[store]), Return: r.ret})
			}
			for _, w := range eh.writes {
				if op, ok := writeOperation(eh, store, w, reads, open); ok {
					ops = append(ops, op)
				}
			}
			ops = append(ops, unexplainedWrites(eh, store, reads)...)
			sort.SliceStable(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
			partitions = append(partitions, partition{entity: name, store: store, ops: ops})
		}
	}
	return partitions
}

// writeOperation is a write as Porcupine sees it in one store's view, or
// nothing when it cannot matter there.
func writeOperation(eh *entityHistory, store string, w *operation, reads []*operation, open int64) (porcupine.Operation, bool) {
	op := porcupine.Operation{ClientId: int(w.process), Call: w.call, Return: w.ret}
	switch {
	case !w.happened():
		return op, false
	case !w.hasPosition && !w.deleted:
		return op, false // unexplainedWrites stands in for it
	case !w.hasPosition:
		op.Input, op.Return = linInput{write: true, deleteOnTop: true, op: w}, open
		return op, slices.ContainsFunc(reads, func(r *operation) bool { return r.observed[store].gone() })
	}
	value := writeState(w)
	in := linInput{write: true, value: value, op: w}
	if w.mode != "strong" || !w.acknowledged() {
		// Indeterminate: open, or as long as the first read showing it allows.
		var shownBy *operation
		for _, r := range reads {
			if shows(eh.shownState(r.observed[store]), value) && (shownBy == nil || r.ret < shownBy.ret) {
				shownBy = r
			}
		}
		switch {
		case shownBy == nil:
			return op, false // no read shows it
		case value.gone:
			op.Return = open // a gone state may be any delete's: no tightening
		default:
			op.Return, in.shownBy = max(shownBy.ret, w.call), shownBy
		}
	}
	op.Input = in
	return op, true
}

// unexplainedWrites stands in for writes whose answer was lost: one open
// write per position the reads showed that no known write explains.
func unexplainedWrites(eh *entityHistory, store string, reads []*operation) []porcupine.Operation {
	var lost *operation
	for _, w := range eh.writes {
		if w.happened() && !w.hasPosition && !w.deleted && (lost == nil || w.call < lost.call) {
			lost = w
		}
	}
	if lost == nil {
		return nil
	}
	shownFirstBy := map[register]*operation{}
	for _, r := range reads {
		o := r.observed[store]
		if o.gone() {
			continue
		}
		if _, explained := eh.positionOf(*o.position); explained {
			continue
		}
		shown := eh.shownState(o)
		if first, ok := shownFirstBy[shown]; !ok || r.ret < first.ret {
			shownFirstBy[shown] = r
		}
	}
	var ops []porcupine.Operation
	for value, r := range shownFirstBy {
		ops = append(ops, porcupine.Operation{ClientId: int(lost.process), Input: linInput{write: true, value: value, op: lost, shownBy: r}, Call: lost.call, Return: max(r.ret, lost.call)})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Return < ops[j].Return })
	return ops
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type strongResult struct {
	findings
	undecided int
}

func checkStrong(h *history, options checkOptions) strongResult {
	partitions := strongPartitions(h)
	results := make([]porcupine.CheckResult, len(partitions))
	fragments := make([][]porcupine.Operation, len(partitions))
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = porcupine.CheckOperationsTimeout(registerModel, partitions[i].ops, options.partitionTimeout)
				if results[i] == porcupine.Illegal {
					fragments[i] = smallestIllegal(partitions[i].ops, options.partitionTimeout)
				}
			}
		}()
	}
	for i := range partitions {
		work <- i
	}
	close(work)
	wg.Wait()

	result := strongResult{findings: findings{checked: len(partitions)}}
	for i, p := range partitions {
		switch results[i] {
		case porcupine.Unknown:
			result.undecided++
		case porcupine.Illegal:
			eh := h.entities[p.entity]
			// With each indeterminate write, the read that bounds it: without it the fragment would not show why.
			var ops []*operation
			for _, o := range fragments[i] {
				ops = append(ops, o.Input.(linInput).op, o.Input.(linInput).shownBy)
			}
			explanation := explainIllegal(eh, p.store, fragments[i])
			result.add(newAnomaly(propertyStrong, p.entity, p.store, explanation, opEvents(ops...)...))
		}
	}
	return result
}

// smallestIllegal shrinks a non-linearizable history to a few operations
// that are still not linearizable: first the shortest prefix (by call) that
// fails, then each operation the failure does not need is dropped. What is
// left is the smallest fragment of the history that shows the anomaly.
func smallestIllegal(ops []porcupine.Operation, timeout time.Duration) []porcupine.Operation {
	illegal := func(candidate []porcupine.Operation) bool {
		return porcupine.CheckOperationsTimeout(registerModel, candidate, timeout) == porcupine.Illegal
	}
	n := sort.Search(len(ops), func(n int) bool { return illegal(ops[:n+1]) }) + 1
	if n > len(ops) || !illegal(ops[:n]) {
		n = len(ops)
	}
	fragment := append([]porcupine.Operation(nil), ops[:n]...)
	// Dropping one at a time costs a check per operation: worth it on the
	// short prefixes failures have, not on a whole long partition.
	const maxShrink = 400
	if len(fragment) > maxShrink {
		return fragment
	}
	for i := len(fragment) - 1; i >= 0 && len(fragment) > 1; i-- {
		without := append(append([]porcupine.Operation(nil), fragment[:i]...), fragment[i+1:]...)
		if illegal(without) {
			fragment = without
		}
	}
	return fragment
}

// explainIllegal says in one line why a fragment has no linearization,
// naming the usual shapes: a read older than a write that was acknowledged,
// or already shown, before it began; or a read older than an earlier read.
func explainIllegal(eh *entityHistory, store string, fragment []porcupine.Operation) string {
	var writes, reads []porcupine.Operation
	for _, o := range fragment {
		if o.Input.(linInput).write {
			writes = append(writes, o)
		} else {
			reads = append(reads, o)
		}
	}
	older := func(shown, than register) bool {
		return !shows(shown, than) && (shown.gone || shown.position < than.position)
	}
	for _, r := range reads {
		read := r.Input.(linInput).op
		shown := r.Output.(register)
		for _, w := range writes {
			in := w.Input.(linInput)
			if in.deleteOnTop || w.Return >= r.Call || !older(shown, in.value) {
				continue
			}
			if in.shownBy != nil {
				return fmt.Sprintf("%s showed %s in %s, though %s had shown %s there, from %s, before it began", read.describe(), read.observed[store], store, in.shownBy.describe(), in.shownBy.observed[store], in.op.describe())
			}
			return fmt.Sprintf("%s showed %s in %s, though %s was acknowledged before it began", read.describe(), read.observed[store], store, in.op.describe())
		}
		for _, earlier := range reads {
			before := earlier.Input.(linInput).op
			if earlier.Return < r.Call && older(shown, earlier.Output.(register)) {
				return fmt.Sprintf("%s showed %s in %s, after %s had shown %s", read.describe(), read.observed[store], store, before.describe(), before.observed[store])
			}
		}
	}
	return fmt.Sprintf("no order of these %d strong operations explains what %s showed of %s", len(fragment), store, eh.name)
}
