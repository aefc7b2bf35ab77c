package main

// The checker on the recorded histories in testdata: each must get the exit
// code and exactly the anomalous properties testdata/expectations.json names.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type expectation struct {
	Exit      int      `json:"exit"`
	Anomalous []string `json:"anomalous"`
	Line      int      `json:"line"`
}

func loadExpectations(t *testing.T) map[string]expectation {
	t.Helper()
	raw, err := os.ReadFile("testdata/expectations.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	expectations := map[string]expectation{}
	for name, value := range all {
		if strings.HasPrefix(name, "$") {
			continue
		}
		var e expectation
		if err := json.Unmarshal(value, &e); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		expectations[name] = e
	}
	return expectations
}

func TestEveryFixtureHasAnExpectation(t *testing.T) {
	expectations := loadExpectations(t)
	files, _ := filepath.Glob("testdata/*.jsonl")
	for _, file := range files {
		if _, ok := expectations[filepath.Base(file)]; !ok {
			t.Errorf("%s has no entry in testdata/expectations.json", file)
		}
	}
}

func TestFixtures(t *testing.T) {
	for name, want := range loadExpectations(t) {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{filepath.Join("testdata", name)}, nil, &stdout, &stderr)
			if code != want.Exit {
				t.Fatalf("exit %d, want %d; stderr: %s", code, want.Exit, stderr.String())
			}
			if want.Exit == 2 {
				var m malformedOutput
				if err := json.Unmarshal(stdout.Bytes(), &m); err != nil || m.Code != "MALFORMED_HISTORY" || m.Line != want.Line {
					t.Fatalf("want MALFORMED_HISTORY at line %d, got %s (%v)", want.Line, stdout.String(), err)
				}
				return
			}
			var v verdict
			if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			counts := map[string]propertyCount{
				propertyStrong: v.Properties.Strong.propertyCount, propertyRYW: v.Properties.RYW, propertyMonotonic: v.Properties.Monotonic,
				propertyConvergence: v.Properties.Convergence.propertyCount, propertyLost: v.Properties.Lost,
			}
			var anomalous []string
			for property, count := range counts {
				if count.Checked == 0 {
					t.Errorf("%s checked nothing: the fixture does not exercise it", property)
				}
				if count.Anomalies > 0 {
					anomalous = append(anomalous, property)
				}
			}
			slices.Sort(anomalous)
			expected := slices.Sorted(slices.Values(want.Anomalous))
			if !slices.Equal(anomalous, expected) {
				t.Errorf("anomalous properties %v, want %v", anomalous, expected)
			}
			if v.Valid != (len(v.Anomalies) == 0) || len(v.Anomalies) == 0 != (want.Exit == 0) {
				t.Errorf("valid %t with %d anomalies", v.Valid, len(v.Anomalies))
			}
			for _, a := range v.Anomalies {
				if a.Explanation == "" || a.Entity == "" || a.Store == "" || len(a.Indexes) < 2 || len(a.Indexes) != len(a.Lines) || !slices.IsSorted(a.Indexes) {
					t.Errorf("an anomaly without its explanation or fragment: %s %s %v", a.Property, a.Explanation, a.Indexes)
				}
			}
		})
	}
}
