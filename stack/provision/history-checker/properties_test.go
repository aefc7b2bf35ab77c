package main

import (
	"strings"
	"testing"
)

func TestReadYourWrites(t *testing.T) {
	token := tokenFor(post, 2)
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "eventual", 2, false),
		read(0, 40, 50, post, "eventual", token, obs(at("ferretdb", 2), at("neo4j", 3), at("redis", 1))),
	))
	a := expectOne(t, v, propertyRYW, 2, 3, 4, 5)
	if a.Store != "redis" || !strings.Contains(a.Explanation, "carried token "+token+" but redis showed position 1, older than the token") {
		t.Errorf("explanation: %s", a.Explanation)
	}
	if v.Properties.RYW.Checked != 3 {
		t.Errorf("checked %d observations, want 3", v.Properties.RYW.Checked)
	}
}

func TestReadYourWritesAcceptsADeleteAtOrAfterTheToken(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(1, 20, 30, post, "eventual", 2, true),
		read(0, 40, 50, post, "eventual", tokenFor(post, 1), obs(absent("redis"), tombstone("timescaledb", 2))),
	))
	expectNone(t, v, propertyRYW)
	// Absent with no delete: older than the token's create.
	v = checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		read(0, 40, 50, post, "eventual", tokenFor(post, 1), obs(absent("redis"))),
	))
	expectOne(t, v, propertyRYW)
}

func TestMonotonicReads(t *testing.T) {
	v := checkHistory(t, lines(
		write(1, 0, 10, post, "eventual", 1, false),
		write(1, 20, 30, post, "eventual", 2, false),
		read(0, 40, 50, post, "eventual", "", obs(at("redis", 2))),
		read(0, 60, 70, post, "eventual", "", obs(at("redis", 1))),
		read(2, 80, 90, post, "eventual", "", obs(at("redis", 1))), // another session: not compared
	))
	a := expectOne(t, v, propertyMonotonic, 4, 5, 6, 7)
	if !strings.Contains(a.Explanation, "showed position 1 in redis, after the eventual read by process 0 (indexes 4–5) of the same session (s0) had shown position 2") {
		t.Errorf("explanation: %s", a.Explanation)
	}
}

func TestMonotonicReadsComparesOnlyReadsThatEndedBefore(t *testing.T) {
	// Two reads of one session at once (a client's requests in flight together) may come back in any order.
	session := func(line string) string { return strings.Replace(line, `"session":"s3"`, `"session":"s0"`, 1) }
	concurrent := read(3, 45, 55, post, "eventual", "", obs(at("redis", 1)))
	v := checkHistory(t, lines(
		write(1, 0, 10, post, "eventual", 1, false),
		write(1, 20, 30, post, "eventual", 2, false),
		read(0, 40, 50, post, "eventual", "", obs(at("redis", 2))),
		[]string{session(concurrent[0]), session(concurrent[1])},
	))
	expectNone(t, v, propertyMonotonic)
}

func TestMonotonicReadsAndDeletes(t *testing.T) {
	// Absent after alive is a step forward when a delete came in between; alive again after it is a step back.
	v := checkHistory(t, lines(
		write(1, 0, 10, post, "eventual", 1, false),
		read(0, 20, 30, post, "eventual", "", obs(at("redis", 1), at("timescaledb", 1))),
		write(1, 40, 50, post, "eventual", 2, true),
		read(0, 60, 70, post, "eventual", "", obs(absent("redis"), tombstone("timescaledb", 2))),
		read(0, 80, 90, post, "eventual", "", obs(absent("redis"), tombstone("timescaledb", 2))),
	))
	expectNone(t, v, propertyMonotonic)
	v = checkHistory(t, lines(
		write(1, 0, 10, post, "eventual", 1, false),
		write(1, 40, 50, post, "eventual", 2, true),
		read(0, 60, 70, post, "eventual", "", obs(absent("redis"), tombstone("timescaledb", 2))),
		read(0, 80, 90, post, "eventual", "", obs(at("redis", 1), at("timescaledb", 1))),
	))
	// Redis showed nothing, which may as well be before the create was applied: only the tombstone pins it.
	if a := expectOne(t, v, propertyMonotonic, 4, 5, 6, 7); a.Store != "timescaledb" {
		t.Errorf("want timescaledb going back, got %s: %s", a.Store, a.Explanation)
	}
	// Absent after alive with no delete: the entity went missing.
	v = checkHistory(t, lines(
		write(1, 0, 10, post, "eventual", 1, false),
		read(0, 20, 30, post, "eventual", "", obs(at("redis", 1))),
		read(0, 40, 50, post, "eventual", "", obs(absent("redis"))),
	))
	expectOne(t, v, propertyMonotonic, 2, 3, 4, 5)
}

func TestConvergence(t *testing.T) {
	user := "users:42"
	v := checkHistory(t, lines(
		write(0, 0, 10*ms, user, "eventual", 1000, false),
		write(0, 20*ms, 30*ms, user, "eventual", 2000, false),
		final(1530*ms, user, obs(at("postgres", 2040), at("neo4j", 2040), at("redis", 1040))),
	))
	a := expectOne(t, v, propertyConvergence, 2, 3, 4)
	if a.Store != "redis" || !strings.Contains(a.Explanation, "redis ended showing position 1040, but the latest acknowledged write is the eventual write of position 2000") {
		t.Errorf("explanation: %s", a.Explanation)
	}
	if ms := v.Properties.Convergence.ConvergenceMs; ms == nil || *ms != 1500 {
		t.Errorf("convergenceMs %v, want 1500", ms)
	}
	// A later write whose outcome is unknown may be what the stores end at.
	v = checkHistory(t, lines(
		write(0, 0, 10, user, "eventual", 1000, false),
		timedOut(0, 20, 5020, user, 2000, false),
		final(6000, user, obs(at("postgres", 2040), at("neo4j", 1040))),
	))
	expectNone(t, v, propertyConvergence)
}

func TestAnAcknowledgedEntityAbsentAtTheEndIsLost(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		final(100, post, obs(at("ferretdb", 1), absent("neo4j"))),
	))
	a := expectOne(t, v, propertyLost, 0, 1, 2)
	if !strings.Contains(a.Explanation, "the entity is lost") {
		t.Errorf("explanation: %s", a.Explanation)
	}
	expectOne(t, v, propertyConvergence)
}

func TestADeletedEntityStillThereAtTheEnd(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "eventual", 2, true),
		final(100, post, obs(absent("ferretdb"), at("timescaledb", 1))),
	))
	a := expectOne(t, v, propertyLost)
	if !strings.Contains(a.Explanation, "the deleted entity is still there") {
		t.Errorf("explanation: %s", a.Explanation)
	}
}

func TestAReadAfterAStrongDeleteShowingTheEntityIsResurrection(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "strong", 2, true),
		read(1, 40, 50, post, "eventual", "", obs(at("redis", 1))),
	))
	a := expectOne(t, v, propertyLost, 2, 3, 4, 5)
	if !strings.Contains(a.Explanation, "the entity came back") {
		t.Errorf("explanation: %s", a.Explanation)
	}
}

func TestAfterAnEventualDeleteOnlyItsSourceAndTombstonesCount(t *testing.T) {
	// A projection behind an eventual delete is stale, not resurrected...
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "eventual", 2, true),
		read(1, 40, 50, post, "eventual", "", obs(absent("ferretdb"), at("redis", 1))),
	))
	expectNone(t, v, propertyLost)
	// ...but the source shows the delete at once, and a store that showed the tombstone may not bring it back.
	v = checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "eventual", 2, true),
		read(1, 40, 50, post, "eventual", "", obs(at("ferretdb", 1), tombstone("timescaledb", 2))),
		read(2, 60, 70, post, "eventual", "", obs(absent("ferretdb"), at("timescaledb", 1))),
	))
	found := anomaliesOf(v, propertyLost)
	if len(found) != 2 || found[0].Store != "ferretdb" || found[1].Store != "timescaledb" || !strings.Contains(found[1].Explanation, "had shown the deletion at position 2 there") {
		t.Errorf("want ferretdb, then timescaledb after its tombstone: %v", explanations(found))
	}
}

const ms = int64(1_000_000)

func explanations(found []anomaly) []string {
	var texts []string
	for _, a := range found {
		texts = append(texts, a.Store+": "+a.Explanation)
	}
	return texts
}
