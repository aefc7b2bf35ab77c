package main

// The properties checked without Porcupine: read-your-writes, monotonic
// reads, convergence, and no lost or resurrected entity. Each compares
// positions per entity; linearizability.go has the strong one.

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
)

// findings is what a property's check did: how many views it compared, and
// the anomalies it found.
type findings struct {
	checked   int
	anomalies []anomaly
}

func (f *findings) add(a anomaly) { f.anomalies = append(f.anomalies, a) }

// perEntity runs a check of one entity on every entity, in name order, so
// anomalies come out the same every run.
func perEntity(h *history, check func(eh *entityHistory, f *findings)) findings {
	var f findings
	for _, name := range h.names {
		check(h.entities[name], &f)
	}
	return f
}

// byStore yields what a read or final line saw, store by store in name
// order, so anomalies come out the same every run.
func byStore(observed map[string]observation) iter.Seq2[string, observation] {
	return func(yield func(string, observation) bool) {
		for _, store := range sortedKeys(observed) {
			if !yield(store, observed[store]) {
				return
			}
		}
	}
}

// deleteExplains tells whether a delete of the entity that happened (or may
// have) accounts for a store showing it gone after a state at `after`, by
// the time `by`: a delete at a higher position, or one whose position is
// unknown and that began by then.
func (eh *entityHistory) deleteExplains(after, by int64) (*operation, bool) {
	var best *operation
	for _, w := range eh.writes {
		if !w.deleted || !w.happened() || w.call > by {
			continue
		}
		if !w.hasPosition {
			if best == nil {
				best = w
			}
			continue
		}
		if w.position > after && (best == nil || !best.hasPosition || w.position < best.position) {
			best = w
		}
	}
	return best, best != nil
}

// writeWithToken is the write whose acknowledgement carried this token, if the history has it.
func (eh *entityHistory) writeWithToken(text string) *operation {
	for _, w := range eh.writes {
		if w.done != nil && w.done.token == text {
			return w
		}
	}
	return nil
}

// Read-your-writes: a read carrying a token never shows, in any store, a
// state older than the token's position.
func checkReadYourWrites(h *history) findings {
	return perEntity(h, func(eh *entityHistory, f *findings) {
		for _, r := range eh.reads {
			if r.token == nil || !r.acknowledged() {
				continue
			}
			p := r.token.position
			for store, o := range byStore(r.observed) {
				f.checked++
				older := false
				switch {
				case !o.gone():
					older = *o.position < p
				case o.deleted && *o.position >= p:
				default:
					// Gone below the token: only a delete at or after the token explains it.
					_, explained := eh.deleteExplains(p-1, r.ret)
					older = !explained
				}
				if older {
					writer := eh.writeWithToken(r.token.text)
					explanation := fmt.Sprintf("%s carried token %s but %s showed %s, older than the token", r.describe(), r.token.text, store, o)
					f.add(newAnomaly(propertyRYW, eh.name, store, explanation, opEvents(writer, r)...))
				}
			}
		}
	})
}

// Monotonic reads: within one session, a store's view of an entity never
// goes back. Reads are compared in real-time order: a read is checked
// against every read of its session that had ended before it began.
func checkMonotonicReads(h *history) findings {
	type key struct{ session, entity, store string }
	type seen struct {
		read *operation
		rank int64 // the position the read's view stands at; -1: nothing seen yet
		gone bool
	}
	groups := map[key][]*operation{}
	var keys []key
	for _, op := range h.operations {
		if op.f != "read" || !op.acknowledged() {
			continue
		}
		for store := range op.observed {
			k := key{op.session, op.entity, store}
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], op)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.entity != b.entity {
			return a.entity < b.entity
		}
		if a.session != b.session {
			return a.session < b.session
		}
		return a.store < b.store
	})

	var f findings
	for _, k := range keys {
		eh := h.entities[k.entity]
		byCall := groups[k] // invoke order
		byRet := append([]*operation(nil), byCall...)
		sort.SliceStable(byRet, func(i, j int) bool { return byRet[i].ret < byRet[j].ret })
		ranks := map[*operation]seen{}
		floor := seen{rank: -1}
		next := 0
		for _, r := range byCall {
			for next < len(byRet) && byRet[next].ret < r.call {
				if s, ok := ranks[byRet[next]]; ok && (s.rank > floor.rank || s.rank == floor.rank && s.gone) {
					floor = s
				}
				next++
			}
			o := r.observed[k.store]
			current := seen{read: r, rank: floor.rank, gone: o.gone()}
			if floor.read != nil {
				f.checked++
			}
			wentBack := false
			switch {
			case o.position != nil:
				current.rank = *o.position
				wentBack = floor.read != nil && *o.position < floor.rank
			case floor.read == nil || floor.rank < 0 || floor.gone:
				// Absent, having seen nothing, or having seen it gone: nothing moved.
			default:
				// Absent after seeing it alive: only a delete since accounts for it.
				if d, ok := eh.deleteExplains(floor.rank, r.ret); ok && d.hasPosition {
					current.rank = d.position
				} else if !ok {
					wentBack = true
				}
			}
			if wentBack {
				explanation := fmt.Sprintf("%s showed %s in %s, after %s of the same session (%s) had shown %s", r.describe(), o, k.store, floor.read.describe(), k.session, floor.read.observed[k.store])
				f.add(newAnomaly(propertyMonotonic, k.entity, k.store, explanation, opEvents(floor.read, r)...))
				current.rank, current.gone = floor.rank, floor.gone // report each step back once
			}
			ranks[r] = current
		}
	}
	return f
}

// expectedFinal is what a store may show of an entity after the run: the
// state of its latest acknowledged write, or of a write with an unknown
// outcome that came after it.
type expectedFinal struct {
	latest          *operation
	laterPositions  map[int64]bool // info writes above the latest, alive
	laterDelete     bool           // an info delete above it (or of unknown position, begun after it)
	laterUnknownPut bool           // an info write of unknown position begun after it
}

func (eh *entityHistory) expectedFinal() (expectedFinal, bool) {
	latest := eh.latestAcknowledged()
	if latest == nil {
		return expectedFinal{}, false
	}
	x := expectedFinal{latest: latest, laterPositions: map[int64]bool{}}
	for _, w := range eh.writes {
		if w.outcome != "info" {
			continue
		}
		later := w.hasPosition && w.position > latest.position || !w.hasPosition && w.call >= latest.call
		switch {
		case !later:
		case w.deleted:
			x.laterDelete = true
		case w.hasPosition:
			x.laterPositions[w.position] = true
		default:
			x.laterUnknownPut = true
		}
	}
	return x, true
}

// accepts tells whether a final observation is one of the expected states.
func (x expectedFinal) accepts(eh *entityHistory, o observation) bool {
	if o.gone() {
		return x.latest.deleted || x.laterDelete
	}
	shown, _ := eh.positionOf(*o.position)
	return !x.latest.deleted && shown == x.latest.position || x.laterPositions[shown] || x.laterUnknownPut && *o.position >= x.latest.position
}

// Convergence: after the run, every store shows each entity at its latest
// acknowledged write (or a later one whose outcome was unknown).
func checkConvergence(h *history) findings {
	return perEntity(h, func(eh *entityHistory, f *findings) {
		x, ok := eh.expectedFinal()
		if eh.final == nil || !ok {
			return
		}
		for store, o := range byStore(eh.final.observed) {
			f.checked++
			if x.accepts(eh, o) {
				continue
			}
			explanation := fmt.Sprintf("%s ended showing %s, but the latest acknowledged write is %s", store, o, x.latest.describe())
			f.add(newAnomaly(propertyConvergence, eh.name, store, explanation, append(opEvents(x.latest), eh.final.event)...))
		}
	})
}

// convergenceMs is the time from the last acknowledged write to the last
// final observation: how long the stores took to agree, as the recorder
// saw it.
func convergenceMs(h *history) *float64 {
	if len(h.finals) == 0 {
		return nil
	}
	lastWrite, lastFinal := int64(math.MinInt64), int64(0)
	for _, op := range h.operations {
		if op.f == "write" && op.acknowledged() {
			lastWrite = max(lastWrite, op.ret)
		}
	}
	for _, f := range h.finals {
		lastFinal = max(lastFinal, f.event.time)
	}
	if lastWrite == math.MinInt64 {
		return nil
	}
	ms := math.Round(float64(max(0, lastFinal-lastWrite))/1e5) / 10
	return &ms
}

// sourceStores is where each source's writes are committed: an eventual
// write's acknowledgement makes it visible there, and only there.
var sourceStores = map[string][]string{"users": {"postgres"}, "posts": {"ferretdb", "mongodb"}, "graph": {"neo4j"}}

func isSourceStore(entity, store string) bool {
	source, _, _ := strings.Cut(entity, ":")
	return slices.Contains(sourceStores[source], store)
}

// No lost or resurrected entity: an acknowledged write's entity is never
// absent at the end unless a delete followed; once a store is known to have
// applied a delete, it never shows the entity alive at a position before the
// delete again, nor at the end. A store is known to have applied it once a
// strong delete is acknowledged (every store), an eventual one is (its
// source store), or a read showed its tombstone there. (An eventual read
// showing the entity before a delete it has not applied yet is stale, not
// resurrected.)
func checkLostOrResurrected(h *history) findings {
	return perEntity(h, func(eh *entityHistory, f *findings) {
		for _, d := range eh.writes {
			if d.deleted && d.happened() && d.hasPosition {
				eh.checkResurrections(d, f)
			}
		}
		eh.checkLostAtTheEnd(f)
	})
}

// checkResurrections compares each read, in each store known to have
// applied the delete d by the time the read began, with d's position.
func (eh *entityHistory) checkResurrections(d *operation, f *findings) {
	// Per store, what showed the delete applied first: its acknowledgement or a read of its tombstone.
	type applied struct {
		at int64
		by *operation
	}
	since := map[string]applied{}
	for _, r := range eh.reads {
		if !r.acknowledged() {
			continue
		}
		for store, o := range r.observed {
			if o.deleted && *o.position >= d.position {
				if a, ok := since[store]; !ok || r.ret < a.at {
					since[store] = applied{r.ret, r}
				}
			}
		}
	}
	for _, r := range eh.reads {
		if !r.acknowledged() {
			continue
		}
		for store, o := range byStore(r.observed) {
			knownAt, shownBy := int64(math.MaxInt64), (*operation)(nil)
			if d.acknowledged() && (d.mode == "strong" || isSourceStore(eh.name, store)) {
				knownAt = d.ret
			}
			if a, ok := since[store]; ok && a.at < knownAt {
				knownAt, shownBy = a.at, a.by
			}
			if r.call <= knownAt {
				continue
			}
			f.checked++
			if o.gone() || *o.position >= d.position {
				continue
			}
			explanation := fmt.Sprintf("%s showed %s in %s after %s had been acknowledged: the entity came back", r.describe(), o, store, d.describe())
			if shownBy != nil {
				explanation = fmt.Sprintf("%s showed %s in %s after %s had shown the deletion at position %d there: the entity came back", r.describe(), o, store, shownBy.describe(), d.position)
			}
			f.add(newAnomaly(propertyLost, eh.name, store, explanation, opEvents(d, shownBy, r)...))
		}
	}
}

// checkLostAtTheEnd compares the entity's final line with its latest
// acknowledged write: absent with no delete after it is lost; alive after
// an acknowledged delete is still there.
func (eh *entityHistory) checkLostAtTheEnd(f *findings) {
	x, ok := eh.expectedFinal()
	if eh.final == nil || !ok {
		return
	}
	for store, o := range byStore(eh.final.observed) {
		f.checked++
		var explanation string
		switch {
		case o.gone() && !x.latest.deleted && !x.laterDelete:
			explanation = fmt.Sprintf("%s ended showing %s, though no delete followed %s: the entity is lost", store, o, x.latest.describe())
		case !o.gone() && x.latest.deleted && !x.accepts(eh, o):
			explanation = fmt.Sprintf("%s ended showing %s after %s had been acknowledged: the deleted entity is still there", store, o, x.latest.describe())
		default:
			continue
		}
		f.add(newAnomaly(propertyLost, eh.name, store, explanation, append(opEvents(x.latest), eh.final.event)...))
	}
}
