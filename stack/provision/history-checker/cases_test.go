package main

// The checker on small histories written by hand (testdata/cases), each one
// case of a property: it must find exactly the anomalies
// testdata/cases/expectations.json lists, and no other.

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const casesDir = "testdata/cases"

// wantedAnomaly is an anomaly as a case expects it; what is left out may be anything.
type wantedAnomaly struct {
	Store       string  `json:"store,omitempty"`
	Indexes     []int64 `json:"indexes,omitempty"`
	Explanation string  `json:"explanation,omitempty"` // a part of it
}

func (w wantedAnomaly) matches(a anomaly) bool {
	return (w.Store == "" || a.Store == w.Store) && (w.Indexes == nil || slices.Equal(a.Indexes, w.Indexes)) && strings.Contains(a.Explanation, w.Explanation)
}

type caseExpectation struct {
	About         string                     `json:"about"`
	Anomalies     map[string][]wantedAnomaly `json:"anomalies"` // by property, in the verdict's order
	Checked       map[string]int             `json:"checked"`
	ConvergenceMs *float64                   `json:"convergenceMs"`
}

func TestCases(t *testing.T) {
	for name, want := range loadExpectations[caseExpectation](t, casesDir) {
		t.Run(name, func(t *testing.T) {
			code, stdout := runOn(t, filepath.Join(casesDir, name))
			var v verdict
			if err := json.Unmarshal(stdout, &v); err != nil {
				t.Fatalf("exit %d, no verdict: %v", code, err)
			}
			counts := propertyCounts(v)
			for _, property := range slices.Concat(slices.Collect(maps.Keys(want.Anomalies)), slices.Collect(maps.Keys(want.Checked))) {
				if _, ok := counts[property]; !ok {
					t.Errorf("expectations.json names %q, not a property", property)
				}
			}
			for property, count := range counts {
				var found []anomaly
				for _, a := range v.Anomalies {
					if a.Property == property {
						found = append(found, a)
					}
				}
				wanted := want.Anomalies[property]
				if !slices.EqualFunc(wanted, found, wantedAnomaly.matches) {
					wantedText, _ := json.Marshal(wanted)
					t.Errorf("%s anomalies:%s\nwant %s (%s)", property, listed(found), wantedText, want.About)
				}
				if checked, ok := want.Checked[property]; ok && count.Checked != checked {
					t.Errorf("%s checked %d views, want %d", property, count.Checked, checked)
				}
			}
			if ms := v.Properties.Convergence.ConvergenceMs; want.ConvergenceMs != nil && (ms == nil || *ms != *want.ConvergenceMs) {
				got, _ := json.Marshal(ms)
				t.Errorf("convergenceMs %s, want %v", got, *want.ConvergenceMs)
			}
			if code != 0 && code != 1 || v.Valid != (code == 0) || v.Valid != (len(v.Anomalies) == 0) {
				t.Errorf("exit %d, valid %t, with %d anomalies", code, v.Valid, len(v.Anomalies))
			}
		})
	}
}

func listed(found []anomaly) string {
	var b strings.Builder
	for _, a := range found {
		fmt.Fprintf(&b, "\n  %s %v: %s", a.Store, a.Indexes, a.Explanation)
	}
	return b.String()
}
