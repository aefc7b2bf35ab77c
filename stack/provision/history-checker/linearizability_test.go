package main

// The strong check's cases are histories in testdata/cases (cases_test.go);
// this one is made in code, being long.

import "testing"

func TestTheFragmentIsTheFewOperationsThatShowTheAnomaly(t *testing.T) {
	var ops [][]string
	for i := int64(0); i < 40; i++ {
		ops = append(ops, write(0, i*100, i*100+10, post, "strong", i+1, false), read(1, i*100+20, i*100+30, post, "strong", "", obs(at("redis", i+1))))
	}
	// After the 40 writes, a read shows the 39th: it had been overwritten by an acknowledged write.
	ops = append(ops, read(2, 5000, 5010, post, "strong", "", obs(at("redis", 39))))
	v := checkHistory(t, lines(ops...))
	if len(v.Anomalies) != 1 || v.Anomalies[0].Property != propertyStrong {
		t.Fatalf("want one strong anomaly, got %+v", v.Anomalies)
	}
	a := v.Anomalies[0]
	t.Logf("fragment %v: %s", a.Indexes, a.Explanation)
	if len(a.Indexes) > 4 {
		t.Errorf("the fragment has %d lines, want at most 4 (the last write and the stale read): %v", len(a.Indexes), a.Indexes)
	}
}
