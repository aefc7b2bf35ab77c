package main

import (
	"strings"
	"testing"
)

func TestAStrongReadOlderThanAnAcknowledgedStrongWriteIsCaught(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "strong", 1, false),
		read(1, 12, 14, post, "strong", "", obs(at("neo4j", 1), at("redis", 1))),
		write(0, 20, 30, post, "strong", 2, false),
		read(2, 35, 40, post, "strong", "", obs(at("neo4j", 2), at("redis", 1))), // redis had not waited
	))
	a := expectOne(t, v, propertyStrong, 4, 5, 6, 7)
	if a.Store != "redis" || !strings.Contains(a.Explanation, "showed position 1 in redis, though the strong write of position 2 by process 0 (indexes 4–5) was acknowledged before it began") {
		t.Errorf("explanation: %s", a.Explanation)
	}
}

func TestAReadDuringTheWriteMayShowEitherState(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "strong", 1, false),
		write(0, 20, 30, post, "strong", 2, false),
		read(1, 22, 24, post, "strong", "", obs(at("redis", 2))),
		read(2, 25, 28, post, "strong", "", obs(at("neo4j", 1))),
	))
	expectNone(t, v, propertyStrong)
	if v.Properties.Strong.Checked != 2 {
		t.Errorf("checked %d views, want 2 (neo4j and redis)", v.Properties.Strong.Checked)
	}
}

func TestEventualReadsAreNotPartOfTheStrongCheck(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "strong", 1, false),
		write(0, 20, 30, post, "strong", 2, false),
		read(1, 35, 40, post, "eventual", "", obs(at("redis", 1))),
	))
	expectNone(t, v, propertyStrong)
}

func TestAWriteThatTimedOutMayBecomeVisibleLaterOrNever(t *testing.T) {
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "strong", 1, false),
		timedOut(0, 20, 5020, post, 2, false),
		read(1, 6000, 6010, post, "strong", "", obs(at("redis", 1))),
		read(1, 7000, 7010, post, "strong", "", obs(at("redis", 2))),
	))
	expectNone(t, v, propertyStrong)
	// But once a strong read showed it, a later one may not go back.
	v = checkHistory(t, lines(
		write(0, 0, 10, post, "strong", 1, false),
		timedOut(0, 20, 5020, post, 2, false),
		read(1, 6000, 6010, post, "strong", "", obs(at("redis", 2))),
		read(2, 7000, 7010, post, "strong", "", obs(at("redis", 1))),
	))
	a := expectOne(t, v, propertyStrong, 2, 3, 4, 5, 6, 7)
	if !strings.Contains(a.Explanation, "though the strong read by process 1 (indexes 4–5) had shown position 2 there, from the strong write of position 2") {
		t.Errorf("explanation: %s", a.Explanation)
	}
}

func TestAStoreThatGoesBackIsCaughtWhateverTheWritesMode(t *testing.T) {
	// Both writes eventual: only the reads pin the order, and the store's position only grows.
	v := checkHistory(t, lines(
		write(0, 0, 10, post, "eventual", 1, false),
		write(0, 20, 30, post, "eventual", 2, false),
		read(1, 40, 50, post, "strong", "", obs(at("redis", 2))),
		read(2, 60, 70, post, "strong", "", obs(at("redis", 1))),
	))
	expectOne(t, v, propertyStrong)
	expectNone(t, v, propertyMonotonic) // two sessions: monotonic reads has nothing to say
}

func TestUserPositionsAreMatchedToTheirTokens(t *testing.T) {
	user := "users:42"
	v := checkHistory(t, lines(
		write(0, 0, 10, user, "strong", 1000, false),
		read(1, 12, 14, user, "strong", "", obs(at("postgres", 1032), at("neo4j", 1032))),
		write(0, 20, 30, user, "strong", 2000, false),
		read(1, 32, 34, user, "strong", "", obs(at("postgres", 2017), at("neo4j", 2017))),
	))
	expectNone(t, v, propertyStrong)
}

func TestAnUnansweredDeleteMayBeFollowedAgain(t *testing.T) {
	follow := "graph:17:42"
	v := checkHistory(t, lines(
		write(0, 0, 10, follow, "strong", 7301, false),
		unanswered(1, 20, 300, follow, true),
		read(2, 310, 320, follow, "strong", "", obs(absent("redis"))),
		write(1, 400, 410, follow, "eventual", 7320, false),
		read(2, 500, 510, follow, "strong", "", obs(at("redis", 7320))),
	))
	expectNone(t, v, propertyStrong)
}

func TestAnUnansweredCreateExplainsAPositionNoWriteNames(t *testing.T) {
	v := checkHistory(t, lines(
		read(2, 0, 5, post, "strong", "", obs(absent("redis"))),
		unanswered(1, 10, 300, post, false),
		read(2, 310, 320, post, "strong", "", obs(at("redis", 1))),
	))
	expectNone(t, v, propertyStrong)
	// Without that write, nothing explains position 1 after the store showed nothing.
	v = checkHistory(t, lines(
		read(2, 0, 5, post, "strong", "", obs(absent("redis"))),
		read(2, 310, 320, post, "strong", "", obs(at("redis", 1))),
	))
	expectOne(t, v, propertyStrong)
}

func TestTheFragmentIsTheFewOperationsThatShowTheAnomaly(t *testing.T) {
	var ops [][]string
	for i := int64(0); i < 40; i++ {
		ops = append(ops, write(0, i*100, i*100+10, post, "strong", i+1, false), read(1, i*100+20, i*100+30, post, "strong", "", obs(at("redis", i+1))))
	}
	// After the 40 writes, a read shows the 39th: it had been overwritten by an acknowledged write.
	ops = append(ops, read(2, 5000, 5010, post, "strong", "", obs(at("redis", 39))))
	v := checkHistory(t, lines(ops...))
	a := expectOne(t, v, propertyStrong)
	t.Logf("fragment %v: %s", a.Indexes, a.Explanation)
	if len(a.Indexes) > 4 {
		t.Errorf("the fragment has %d lines, want at most 4 (the last write and the stale read): %v", len(a.Indexes), a.Indexes)
	}
}
